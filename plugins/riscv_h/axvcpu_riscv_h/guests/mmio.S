# mmio.S — MMIO exits of every integer load/store form, against a test device window.
#
# The device window at DEV_BASE (0x1000_1000, not the UART) is unmapped guest-physical space: every
# access below traps (load / store guest-page fault) and the VMM completes it. Access number i
# (label acc_<i>_<mnemonic>) touches DEV_BASE + 8*i; the value each load returns is stored to
# results[i] (8-byte slots; the slots of stores keep RESULT_POISON). Stores write registers that
# hold PATTERN (0x1122334455667788); the device sees PATTERN masked to the access width.
#
#   i  0..6   lb a0, lbu a1, lh a2, lhu a3, lw a4, lwu a5, ld t6        base s0 = DEV_BASE
#   i  7..10  sb t1, sh t2, sw t3, sd t4                                base s0
#   i 11..14  c.lw a0, c.ld a1, c.sw a2, c.sd a3                        base s0 (x8)
#   i 15..18  c.lwsp a4, c.ldsp a5, c.swsp t5, c.sdsp t4                sp = DEV_BASE
#
# then sp is restored, `done` = GUEST_MARKER, and SRST shutdown (ecall at insn_shutdown).
# Everything except the explicit c.* instructions is assembled without RVC, so the 32-bit
# accesses are 4 bytes long and the c.* ones 2 bytes. mmio.json lists each access (offset,
# mnemonic, width, load/store, sign extension, register, address, length, resume offset).

    .include "common.inc"
    .option norvc

    .globl  DEV_BASE, PATTERN
    .equ    DEV_BASE,   0x10001000
    .equ    PATTERN,    0x1122334455667788

# acc SLOT, MNEMONIC-LABEL, INSTRUCTION...: a global label acc_<SLOT>_<name> on the access.
    .macro acc slot, name, insn:vararg
    .globl  acc_\slot\()_\name
acc_\slot\()_\name:
    \insn
    .endm

    .section .text.entry, "ax"
    .globl  _start
_start:
    li      s0, DEV_BASE                    # x8: base of the device window
    lla     s1, results                     # x9: results in RAM
    li      t1, PATTERN
    mv      t2, t1
    mv      t3, t1
    mv      t4, t1
    mv      t5, t1

    # 32-bit loads, each into its own register, each stored to its slot.
    acc 00, lb,  lb   a0, 0(s0)
    sd      a0, 0(s1)
    acc 01, lbu, lbu  a1, 8(s0)
    sd      a1, 8(s1)
    acc 02, lh,  lh   a2, 16(s0)
    sd      a2, 16(s1)
    acc 03, lhu, lhu  a3, 24(s0)
    sd      a3, 24(s1)
    acc 04, lw,  lw   a4, 32(s0)
    sd      a4, 32(s1)
    acc 05, lwu, lwu  a5, 40(s0)
    sd      a5, 40(s1)
    acc 06, ld,  ld   t6, 48(s0)
    sd      t6, 48(s1)

    # 32-bit stores of PATTERN.
    acc 07, sb,  sb   t1, 56(s0)
    acc 08, sh,  sh   t2, 64(s0)
    acc 09, sw,  sw   t3, 72(s0)
    acc 10, sd,  sd   t4, 80(s0)

    # Compressed register-based forms (registers x8..x15 only).
    mv      a2, t1
    mv      a3, t1
    .option push
    .option rvc
    acc 11, c_lw, c.lw a0, 88(s0)
    .option pop
    sd      a0, 88(s1)
    .option push
    .option rvc
    acc 12, c_ld, c.ld a1, 96(s0)
    .option pop
    sd      a1, 96(s1)
    .option push
    .option rvc
    acc 13, c_sw, c.sw a2, 104(s0)
    acc 14, c_sd, c.sd a3, 112(s0)
    .option pop

    # Compressed stack-relative forms with sp pointed at the device window.
    mv      s2, sp
    mv      sp, s0
    .option push
    .option rvc
    acc 15, c_lwsp, c.lwsp a4, 120(sp)
    .option pop
    sd      a4, 120(s1)
    .option push
    .option rvc
    acc 16, c_ldsp, c.ldsp a5, 128(sp)
    .option pop
    sd      a5, 128(s1)
    .option push
    .option rvc
    acc 17, c_swsp, c.swsp t5, 136(sp)
    acc 18, c_sdsp, c.sdsp t4, 144(sp)
    .option pop
    mv      sp, s2

    lla     t0, done
    li      t1, GUEST_MARKER
    sd      t1, 0(t0)
    sbi_shutdown_at insn_shutdown
    halt_forever

    results_array 19
    .globl  done
done:
    .dword  0
