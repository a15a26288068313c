@ poweroff.S - conformance scenario `poweroff`: svc #0x5344 -> SystemDown(reset = false).

    .equ    SVC_POWEROFF, 0x5344

_start:
poweroff:
    svc     #SVC_POWEROFF
resume:
    b       .
