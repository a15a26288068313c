# stage2.S — the stage-2 rule: an atomic (not a single-register load or store) on unmapped
# guest-physical memory is a NestedPageFault that resumes at the same PC.
#
#   insn_amo:   amoadd.w a0, a1, (t0) with t0 = UNMAPPED_GPA  -> NestedPageFault{UNMAPPED_GPA, WRITE}
# The VMM cannot map anything there and stops the VM.
# Assembled without RVC: every instruction is 4 bytes.

    .include "common.inc"
    .option norvc

    .globl  UNMAPPED_GPA
    .equ    UNMAPPED_GPA, 0x90000000

    .section .text.entry, "ax"
    .globl  _start, insn_amo
_start:
    li      t0, UNMAPPED_GPA
    li      a1, 1
insn_amo:
    amoadd.w a0, a1, (t0)
    sbi_shutdown_at insn_shutdown
    halt_forever
