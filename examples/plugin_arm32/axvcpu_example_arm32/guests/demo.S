@ demo.S - the built-in demo guest of the arm32 example (`axvcpu run --arch arm32`).
@
@ Prints a line on the ns16550a UART at 0x0900_0000, polling LSR.THRE (bit 5 of offset 5) before
@ each byte, then powers the VM off. Every UART access is an MMIO exit (LDRB / STRB).

    .equ    UART, 0x09000000
    .equ    UART_THR, 0
    .equ    UART_LSR, 5
    .equ    LSR_THRE, 0x20
    .equ    SVC_POWEROFF, 0x5344

_start:
    mov     r4, #UART
    adr     r5, message
next_char:
    ldrb    r0, [r5], #1                @ RAM: runs natively, no exit
    cmp     r0, #0
    beq     done
wait_tx:
    ldrb    r1, [r4, #UART_LSR]         @ MmioRead
    tst     r1, #LSR_THRE
    beq     wait_tx
    strb    r0, [r4, #UART_THR]         @ MmioWrite
    b       next_char
done:
    svc     #SVC_POWEROFF               @ SystemDown
    b       done

message:
    .asciz  "Hello from the axvcpu arm32 example guest (ARM code on Unicorn, UART by MMIO exits)\n"
