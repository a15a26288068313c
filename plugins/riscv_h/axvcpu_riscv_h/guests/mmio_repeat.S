# mmio_repeat.S — the 19 MMIO access forms of mmio.S, repeated PASSES times.
#
# From the second pass on, the native exit path completes the accesses the decoder has already
# decoded, so a run with it and a run without it must leave the same device log, the same exits
# and the same values in `results`: slot i holds what load i returned in the last pass, and slot
# 19 the sum of every value loaded in every pass. Stores write PATTERN plus the pass number, so
# each pass writes new data. Base registers: s0 = DEV_BASE, and sp = DEV_BASE for the c.*sp forms.

    .include "common.inc"
    .option norvc

    .globl  DEV_BASE, PATTERN, PASSES
    .equ    DEV_BASE,   0x10001000
    .equ    PATTERN,    0x1122334455667788
    .equ    PASSES,     4

    .section .text.entry, "ax"
    .globl  _start, pass
_start:
    li      s0, DEV_BASE                    # x8: base of the device window
    lla     s1, results                     # x9: results in RAM
    li      s3, PASSES                      # passes left
    li      s4, 0                           # sum of every loaded value
    li      s5, PATTERN
    mv      s2, sp
pass:
    add     t1, s5, s3                      # this pass's store data
    mv      t2, t1
    mv      t3, t1
    mv      t4, t1
    mv      t5, t1

    lb      a0, 0(s0)
    sd      a0, 0(s1)
    add     s4, s4, a0
    lbu     a1, 8(s0)
    sd      a1, 8(s1)
    add     s4, s4, a1
    lh      a2, 16(s0)
    sd      a2, 16(s1)
    add     s4, s4, a2
    lhu     a3, 24(s0)
    sd      a3, 24(s1)
    add     s4, s4, a3
    lw      a4, 32(s0)
    sd      a4, 32(s1)
    add     s4, s4, a4
    lwu     a5, 40(s0)
    sd      a5, 40(s1)
    add     s4, s4, a5
    ld      t6, 48(s0)
    sd      t6, 48(s1)
    add     s4, s4, t6

    sb      t1, 56(s0)
    sh      t2, 64(s0)
    sw      t3, 72(s0)
    sd      t4, 80(s0)

    mv      a2, t1
    mv      a3, t1
    .option push
    .option rvc
    c.lw    a0, 88(s0)
    .option pop
    sd      a0, 88(s1)
    add     s4, s4, a0
    .option push
    .option rvc
    c.ld    a1, 96(s0)
    .option pop
    sd      a1, 96(s1)
    add     s4, s4, a1
    .option push
    .option rvc
    c.sw    a2, 104(s0)
    c.sd    a3, 112(s0)
    .option pop

    mv      sp, s0
    .option push
    .option rvc
    c.lwsp  a4, 120(sp)
    .option pop
    sd      a4, 120(s1)
    add     s4, s4, a4
    .option push
    .option rvc
    c.ldsp  a5, 128(sp)
    .option pop
    sd      a5, 128(s1)
    add     s4, s4, a5
    .option push
    .option rvc
    c.swsp  t5, 136(sp)
    c.sdsp  t4, 144(sp)
    .option pop
    mv      sp, s2

    addi    s3, s3, -1
    bnez    s3, pass

    sd      s4, 152(s1)
    lla     t0, done
    li      t1, GUEST_MARKER
    sd      t1, 0(t0)
    sbi_shutdown
    halt_forever

    results_array 20
    .globl  done
done:
    .dword  0
