@ reset.S - conformance scenario `reset`: svc #0x5352 -> SystemDown(reset = true).
@
@ A reset reloads the image and restarts the guest, but leaves the rest of RAM alone (like a warm
@ reset). The guest keeps a boot flag in RAM past its image: the first boot sets it and resets, the
@ second boot finds it set and powers off, so the run ends after one reset.

    .equ    SVC_POWEROFF, 0x5344
    .equ    SVC_RESET, 0x5352
    .equ    BOOT_FLAG, 0x10000              @ offset from the image start, past the image

_start:
    adr     r4, _start
    add     r4, r4, #BOOT_FLAG
    ldr     r0, [r4]
    cmp     r0, #0
    bne     second_boot
    mov     r0, #1
    str     r0, [r4]
reset:
    svc     #SVC_RESET
resume:
    b       .
second_boot:
    svc     #SVC_POWEROFF
    b       .
