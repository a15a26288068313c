# paging.S — the guest turns on Sv39 paging and reaches the scratch device through an alias VA, so
# the trap records carry a guest virtual address in stval and the guest physical one in htval.
#
# Page table `root` (gigapages, V R W X A D):
#   VA 0x0000_0000 -> PA 0x0000_0000  (devices, identity)
#   VA 0x4000_0000 -> PA 0x0000_0000  (alias: VA 0x5000_1000 is the scratch device at PA 0x1000_1000)
#   VA 0x8000_0000 -> PA 0x8000_0000  (RAM, identity: the code keeps running where it is)
#   insn_store:  sd t1, 0(s0), s0 = ALIAS_DEVICE  -> MmioWrite{0x10001000, 8}, stval = 0x50001000
#   insn_load:   lw t2, 8(s0)                     -> MmioRead{0x10001008, 4, sign}, stval = 0x50001008
# results[0] = t2; then paging off and SRST shutdown (insn_shutdown).
# Assembled without RVC: every instruction is 4 bytes.

    .include "common.inc"
    .option norvc

    .globl  ALIAS_DEVICE
    .equ    ALIAS_DEVICE, 0x50001000
    .equ    SATP_SV39, 8 << 60

    .section .text.entry, "ax"
    .globl  _start, insn_store, insn_load
_start:
    lla     t0, root
    srli    t0, t0, 12
    li      t1, SATP_SV39
    or      t0, t0, t1
    csrw    satp, t0
    sfence.vma
    li      s0, ALIAS_DEVICE
    li      t1, 0x1122334455667788
insn_store:
    sd      t1, 0(s0)
insn_load:
    lw      t2, 8(s0)
    lla     t0, results
    sd      t2, 0(t0)
    csrw    satp, zero
    sfence.vma
    sbi_shutdown_at insn_shutdown
    halt_forever

    .balign 4096
root:
    .dword  0xCF                            # VPN[2] = 0: PA 0
    .dword  0xCF                            # VPN[2] = 1: PA 0 (alias)
    .dword  (0x80000000 >> 12 << 10) | 0xCF # VPN[2] = 2: PA 0x8000_0000
    .fill   509, 8, 0

    results_array 1
