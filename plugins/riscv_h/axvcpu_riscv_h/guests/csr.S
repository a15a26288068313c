# csr.S — CSR accesses from VS-mode that trap to the hypervisor (virtual-instruction exceptions).
#
#   insn_rdcycle:       rdcycle a0          cycle (0xC00) with hcounteren = 0 -> SysRegRead{0xC00, reg 10}
#   insn_csrw_hstatus:  csrw 0x600, a1      hstatus from VS -> SysRegWrite{0x600, CSR_WRITE_VALUE}
#   insn_rdtime:        rdtime a2           time (0xC01): served inside from the virtual clock
#
# results[0] = a0 after rdcycle (the value the VMM completed the SysRegRead with),
# results[1] = a2 after rdtime, results[2] = GUEST_MARKER; then SRST shutdown (insn_shutdown).
# Assembled without RVC: every instruction is 4 bytes.

    .include "common.inc"
    .option norvc

    .globl  CSR_WRITE_VALUE
    .equ    CSR_WRITE_VALUE, 0x12345678

    .section .text.entry, "ax"
    .globl  _start, insn_rdcycle, insn_csrw_hstatus, insn_rdtime
_start:
    lla     s1, results
    li      a0, -1                          # so the VMM's completion (0) is visible
insn_rdcycle:
    rdcycle a0
    sd      a0, 0(s1)
    li      a1, CSR_WRITE_VALUE
insn_csrw_hstatus:
    csrw    0x600, a1
    li      a2, 0
insn_rdtime:
    rdtime  a2
    sd      a2, 8(s1)
    li      t0, GUEST_MARKER
    sd      t0, 16(s1)
    sbi_shutdown_at insn_shutdown
    halt_forever

    results_array 3
