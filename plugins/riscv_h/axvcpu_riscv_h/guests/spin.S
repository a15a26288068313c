# spin.S — a busy loop long enough for the host to interrupt it, then SRST shutdown.
#
# `iterations` (8 bytes, default 50,000,000; 3 instructions each) may be patched before loading.
# A host external interrupt taken meanwhile is an ExternalInterrupt exit that resumes the loop.
# Assembled without RVC: every instruction is 4 bytes.

    .include "common.inc"
    .option norvc

    .section .text.entry, "ax"
    .globl  _start, iterations
_start:
    j       body
    .balign 8
iterations:
    .dword  50000000
body:
    ld      t0, iterations
loop:
    addi    t1, t1, 1
    addi    t0, t0, -1
    bnez    t0, loop
    sbi_shutdown_at insn_shutdown
    halt_forever
