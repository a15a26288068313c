@ mmio_read_1_zero.S - conformance scenario `mmio_read_1_zero`.
@
@ `access`: a 1-byte zero-extending load (LDRB) into r3 from the scratch device at DEVICE_BASE + 0x10
@ -> MmioRead, resuming at `resume`. The guest stores r3 in the slot `value` (a 32-bit register:
@ low word; high word zero), then powers off.

    .equ    DEVICE_BASE, 0x10001000
    .equ    SVC_POWEROFF, 0x5344

_start:
    movw    r4, #:lower16:DEVICE_BASE
    movt    r4, #:upper16:DEVICE_BASE
    adr     r5, value
    mov     r3, #0
access:
    ldrb    r3, [r4, #0x10]
resume:
    mov     r1, #0
    str     r3, [r5]
    str     r1, [r5, #4]
    svc     #SVC_POWEROFF
    b       .

    .align  3
value:
    .word   0xdeadbeef, 0xdeadbeef
