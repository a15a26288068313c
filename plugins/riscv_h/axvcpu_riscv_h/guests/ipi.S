# ipi.S — an IPI from hart 0 to hart 1 that hart 1 really receives (2 vCPUs).
#
# Hart 0: starts hart 1 at `secondary`, then
#   insn_send_ipi:  sPI send_ipi(hart_mask = 0b10, hart_mask_base = 0)  -> SendIPI{1, 0b10, vector 1}
#   waits until hart 1 reports STOPPED, then SRST shutdown (insn_shutdown).
# Hart 1: enables only sie.SSIE (sstatus.SIE stays 0), waits with wfi until sip.SSIP is set,
#   acknowledges it, stores GUEST_MARKER in results[0] and stops with HSM hart_stop.
# The IPI may arrive before hart 1 waits: it stays pending, so the wfi completes at once.
# Assembled without RVC: every instruction is 4 bytes.

    .include "common.inc"
    .option norvc

    .section .text.entry, "ax"
    .globl  _start
_start:
    csrw    sie, zero
    lla     s1, results
    li      a0, 1
    lla     a1, secondary
    li      a2, 0
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_START
    li      a0, 2                           # hart_mask: hart 1
    li      a1, 0                           # hart_mask_base
    sbi_call_at insn_send_ipi, SBI_EXT_IPI, SBI_IPI_SEND_IPI
1:  li      a0, 1
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS
    li      t0, HSM_STATE_STOPPED
    bne     a1, t0, 1b
    sbi_shutdown_at insn_shutdown
    halt_forever

    .globl  secondary
    .balign 4
secondary:
    csrci   sstatus, SSTATUS_SIE
    csrw    sie, zero
    csrsi   sie, SIE_SSIE
2:  wfi
    csrr    t0, sip
    andi    t0, t0, SIP_SSIP
    beqz    t0, 2b
    csrci   sip, SIP_SSIP
    lla     t0, results
    li      t1, GUEST_MARKER
    sd      t1, 0(t0)
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_STOP
    halt_forever

    results_array 1
