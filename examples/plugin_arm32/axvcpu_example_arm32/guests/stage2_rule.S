@ stage2_rule.S - conformance scenario `stage2_rule`.
@
@ `access`: an LDM (two registers) from the scratch device at DEVICE_BASE + 0x10. It is not a
@ single-register load, so the model does not emulate it: NestedPageFault(DEVICE_BASE + 0x10, READ),
@ resuming at `access` itself; the VMM cannot resolve it and stops the VM.

    .equ    DEVICE_BASE, 0x10001000

_start:
    movw    r4, #:lower16:DEVICE_BASE
    movt    r4, #:upper16:DEVICE_BASE
    add     r4, r4, #0x10
access:
    ldm     r4, {r0, r1}
    b       .
