# fetch_fault.S — an instruction fetch from unmapped guest-physical memory.
#
#   insn_jump:  jr t0 (t0 = UNMAPPED_GPA = 0x9000_0000, past the default 128 MiB of RAM)
#
# The fetch at UNMAPPED_GPA raises an instruction guest-page fault: NestedPageFault{addr =
# 0x9000_0000, access_flags = EXECUTE}, with the faulting PC (and next_pc) = 0x9000_0000.
# Assembled without RVC: every instruction is 4 bytes.

    .include "common.inc"
    .option norvc

    .globl  UNMAPPED_GPA
    .equ    UNMAPPED_GPA, 0x90000000

    .section .text.entry, "ax"
    .globl  _start, insn_jump
_start:
    li      t0, UNMAPPED_GPA
insn_jump:
    jr      t0
    halt_forever                            # not reached
