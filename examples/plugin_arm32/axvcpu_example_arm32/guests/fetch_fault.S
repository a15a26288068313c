@ fetch_fault.S - conformance scenario `fetch_fault`: a jump to unmapped guest-physical memory.
@
@ The fetch at UNMAPPED is a prefetch abort -> NestedPageFault(UNMAPPED, EXECUTE), resuming at
@ UNMAPPED itself; the VMM cannot resolve it and stops the VM.

    .equ    UNMAPPED, 0x20000000

_start:
    mov     r0, #UNMAPPED
jump:
    bx      r0
