# wfi.S — WFI from VS-mode traps to the hypervisor (Halt); the test wakes the hart by injecting an
# interrupt (the software interrupt: only sie.SSIE is enabled, sstatus.SIE stays 0, so the
# interrupt is not taken — wfi just returns).
#
#   insn_wfi:   wfi                         -> Halt, resumes at insn_wfi + 4
#
# results[0] = GUEST_MARKER (reached after the wfi), results[1] = sip read after waking
# (bit 1 SSIP set when the wake-up was the injected software interrupt); then SRST shutdown.
# Assembled without RVC: every instruction is 4 bytes.

    .include "common.inc"
    .option norvc

    .section .text.entry, "ax"
    .globl  _start, insn_wfi
_start:
    lla     s1, results
    csrci   sstatus, SSTATUS_SIE
    csrw    sie, zero
    csrsi   sie, SIE_SSIE
insn_wfi:
    wfi
    li      t0, GUEST_MARKER
    sd      t0, 0(s1)
    csrr    t0, sip
    sd      t0, 8(s1)
    sbi_shutdown_at insn_shutdown
    halt_forever

    results_array 2
