@ hypercall.S - conformance scenario `hypercall`.
@
@ `call`: svc #0x4856 with r7 = 1 (the VMM's built-in "sum") and r0..r5 = 10, 20, ..., 60
@ -> Hypercall(nr = 1, args = [10, 20, 30, 40, 50, 60]); the VMM returns 210 in r0.
@ The guest stores r0 in the slot `value` (low word; high word zero), then powers off.

    .equ    SVC_HYPERCALL, 0x4856
    .equ    SVC_POWEROFF, 0x5344

_start:
    adr     r6, value
    mov     r7, #1
    mov     r0, #10
    mov     r1, #20
    mov     r2, #30
    mov     r3, #40
    mov     r4, #50
    mov     r5, #60
call:
    svc     #SVC_HYPERCALL
resume:
    mov     r1, #0
    str     r0, [r6]
    str     r1, [r6, #4]
    svc     #SVC_POWEROFF
    b       .

    .align  3
value:
    .word   0xdeadbeef, 0xdeadbeef
