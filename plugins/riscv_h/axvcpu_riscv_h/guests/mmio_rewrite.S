# mmio_rewrite.S — a store to the device that the guest rewrites into an FP store.
#
# `store` (sw t3, 0(s6)) runs STORES times, so the native exit path has decoded-and-remembered it
# from the second time on. Then the guest copies the bytes of `fp_store` (fsw ft0, 0(s6): the same
# address and width, but no integer register to emulate) over `store` and runs it again. The
# decoder says NestedPageFault for an FP access, so the run must end with that fault whether or not
# the native path is on: a remembered answer is only reused while the instruction bytes are unchanged.

    .include "common.inc"
    .option norvc

    .globl  DEV_BASE, STORES
    .equ    DEV_BASE,   0x10001000
    .equ    STORES,     3

    .section .text.entry, "ax"
    .globl  _start, store, fp_store
_start:
    li      s6, DEV_BASE + 0x200
    li      t3, 0x5A5A5A5A
    li      s7, STORES
    li      s8, 0                           # 0: first round (sw), 1: rewritten (fsw)
again:
store:
    sw      t3, 0(s6)
    addi    s7, s7, -1
    bnez    s7, again
    bnez    s8, finished
    lla     t0, store
    lw      t1, fp_store
    sw      t1, 0(t0)
    fence.i
    li      s8, 1
    li      s7, 1
    j       again
finished:
    sbi_shutdown
    halt_forever

    .section .rodata
    .balign 4
fp_store:
    fsw     ft0, 0(s6)
