# bench_load_store.S — benchmark loop for `axvcpu bench`: a RAM load/add/store loop: 5 instructions per iteration, no exit (shows what memory hooks cost every guest access).
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
    lla     s0, scratch
loop:
    ld      t1, 0(s0)
    addi    t1, t1, 1
    sd      t1, 0(s0)
    addi    t0, t0, -1
    bnez    t0, loop
    sbi_shutdown_at bench_end
    halt_forever

    .balign 8
scratch:
    .dword  0
