# loop.S — an endless loop (`j .`, 4 bytes) that never exits on its own; tests stop it with an
# exit or instruction limit.

    .include "common.inc"
    .option norvc

    .section .text.entry, "ax"
    .globl  _start, loop
_start:
loop:
    j       loop
