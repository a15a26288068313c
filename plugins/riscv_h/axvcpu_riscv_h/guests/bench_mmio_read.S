# bench_mmio_read.S — benchmark loop for `axvcpu bench`: one MMIO load per iteration (3 instructions): one MmioRead exit.
#
# `iterations` (8 bytes) is patched by the benchmark before loading; the loop ends at `bench_end`,
# an SRST shutdown (bare Unicorn stops on reaching it).

    .include "common.inc"
    .option norvc
    .equ    BENCH_DEVICE, 0x10001000

    .section .text.entry, "ax"
    .globl  _start, iterations, bench_end
_start:
    j       body
    .balign 8
iterations:
    .dword  1000
body:
    ld      t0, iterations
    li      s0, BENCH_DEVICE
loop:
    ld      t1, 0(s0)
    addi    t0, t0, -1
    bnez    t0, loop
    sbi_shutdown_at bench_end
    halt_forever
