@ mmio_write_2.S - conformance scenario `mmio_write_2`.
@
@ `access`: a 2-byte store (STRH) of WRITE_PATTERN's low 32 bits to the scratch device at
@ DEVICE_BASE + 0x10 -> MmioWrite(width 2, data masked to 2 bytes), resuming at `resume`.

    .equ    DEVICE_BASE, 0x10001000
    .equ    SVC_POWEROFF, 0x5344

_start:
    movw    r4, #:lower16:DEVICE_BASE
    movt    r4, #:upper16:DEVICE_BASE
    movw    r0, #0x7788
    movt    r0, #0x5566                 @ r0 = 0x55667788
access:
    strh    r0, [r4, #0x10]
resume:
    svc     #SVC_POWEROFF
    b       .
