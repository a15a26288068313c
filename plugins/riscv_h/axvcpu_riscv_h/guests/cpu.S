# cpu.S — HSM hart start/stop, a broadcast IPI and a cold reboot (2 vCPUs).
#
# Hart 0:
#   insn_hart_start:  HSM hart_start(1, secondary, CPU_OPAQUE)   -> CpuUp{1, secondary, CPU_OPAQUE}
#   insn_get_status:  HSM hart_get_status(1), repeated until it reports STOPPED (1) and the marker
#                     written by hart 1 is present
#   insn_send_ipi:    sPI send_ipi(hart_mask = 0, hart_mask_base = -1)  -> SendIPI to all harts
#   insn_reset:       SRST system_reset(1 = cold reboot, 0)      -> SystemDown{reset = true}
# Hart 1 (secondary, entered with a0 = 1, a1 = CPU_OPAQUE):
#   stores its a0, a1 and GUEST_MARKER, then
#   insn_hart_stop:   HSM hart_stop()                             -> CpuDown
#
# results[0] = GUEST_MARKER from hart 1, results[1] = hart 1's a0, results[2] = its a1 (opaque),
# results[3] = hart_start's error (a0), results[4] = send_ipi's error (a0).
# If hart_start fails, hart 0 skips the wait and goes on to the IPI and the reset.
# Assembled without RVC: every instruction is 4 bytes.

    .include "common.inc"
    .option norvc

    .globl  CPU_OPAQUE
    .equ    CPU_OPAQUE, 0xC0FFEE

    .section .text.entry, "ax"
    .globl  _start
_start:
    csrw    sie, zero
    lla     s1, results
    li      a0, 1
    lla     a1, secondary
    li      a2, CPU_OPAQUE
    sbi_call_at insn_hart_start, SBI_EXT_HSM, SBI_HSM_HART_START
    sd      a0, 24(s1)
    bnez    a0, 2f
1:  li      a0, 1
    sbi_call_at insn_get_status, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS
    bnez    a0, 2f
    li      t0, HSM_STATE_STOPPED
    bne     a1, t0, 1b
    ld      t0, 0(s1)
    li      t1, GUEST_MARKER
    bne     t0, t1, 1b
2:  li      a0, 0                           # hart_mask (ignored with base -1)
    li      a1, -1                          # hart_mask_base = -1: every hart
    sbi_call_at insn_send_ipi, SBI_EXT_IPI, SBI_IPI_SEND_IPI
    sd      a0, 32(s1)
    li      a0, SRST_TYPE_COLD_REBOOT
    li      a1, SRST_REASON_NONE
    sbi_call_at insn_reset, SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET
    halt_forever

    .globl  secondary
    .balign 4
secondary:
    lla     t0, results
    sd      a0, 8(t0)
    sd      a1, 16(t0)
    li      t1, GUEST_MARKER
    fence   rw, rw
    sd      t1, 0(t0)
    fence   rw, rw
    sbi_call_at insn_hart_stop, SBI_EXT_HSM, SBI_HSM_HART_STOP
    halt_forever

    results_array 5
