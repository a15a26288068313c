# hypercall.S — one hypercall through the project's HVC SBI extension.
#
#   insn_hvc:   ecall with a7 = 0x485643 (HVC), a6 = 1 ("sum"), a0..a5 = 10, 20, 30, 40, 50, 60
#               -> Hypercall{nr = 1, args = [10, 20, 30, 40, 50, 60]}; the built-in handler
#               returns 210 in a0
#
# results[0] = a0 after the call, results[1] = a1 after the call (20 unless the VMM changes it),
# results[2] = GUEST_MARKER; then SRST shutdown (insn_shutdown).
# Assembled without RVC: every instruction is 4 bytes.

    .include "common.inc"
    .option norvc

    .section .text.entry, "ax"
    .globl  _start
_start:
    lla     s1, results
    li      a0, 10
    li      a1, 20
    li      a2, 30
    li      a3, 40
    li      a4, 50
    li      a5, 60
    sbi_call_at insn_hvc, SBI_EXT_HVC, HVC_NR_SUM
    sd      a0, 0(s1)
    sd      a1, 8(s1)
    li      t0, GUEST_MARKER
    sd      t0, 16(s1)
    sbi_shutdown_at insn_shutdown
    halt_forever

    results_array 3
