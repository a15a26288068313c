# demo.S — the built-in riscv64 SMP demo of axvcpu.
#
# Expected console output with N harts (here N = 2; one "hart K ..." line per hart in id order):
#
#   axvcpu riscv64 demo: 2 harts
#   hart 0 up
#   hart 1 up
#   hart 1 got IPI from hart 0
#   hypercall sum(1..6) = 21
#   timer interrupt at tick T
#   all harts stopped, powering off
#
# The order is fixed by a hand-shake, not by the scheduler: hart 0 starts one secondary at a time
# and waits (wfi) until that secondary has printed its line and rung hart 0's doorbell (an IPI);
# then it sends each secondary its IPI in turn and waits (wfi) for its reply. Only one hart prints
# at a time by construction; each line is also printed under a spinlock.
#
# Flow of the boot hart (hart 0, which must be the hart entering at _start):
#   1. count the harts: HSM hart_get_status(1), (2), ... until an error (INVALID_PARAM);
#      at most MAX_HARTS (16) are used;
#   2. print the banner and "hart 0 up";
#   3. for K = 1..N-1: HSM hart_start(K, secondary_entry, OPAQUE_BASE + K), then wait until
#      up_count >= K;
#   4. for K = 1..N-1: sPI send_ipi(1 << K, 0), then wait until reply_count >= K;
#   5. HVC hypercall nr 1 ("sum") with a0..a5 = 1..6, print the result (in decimal, from a0);
#   6. program the timer 1 ms ahead (rdtime + 10000 at 10 MHz), take the supervisor timer
#      interrupt in trap_entry, print the tick the handler read;
#   7. wait until hart_get_status reports every secondary STOPPED (or an error for it), print,
#      SRST shutdown;
#      if that returns: print "poweroff failed" and halt in a wfi loop.
# Each secondary K (entered with a0 = K, a1 = opaque):
#   prints "hart K up" (or "hart K up (bad opaque)"), enables SSIE, increments up_count, sends
#   hart 0 a doorbell IPI, waits in wfi (sstatus.SIE = 0) until sip.SSIP is set, clears it, prints
#   "hart K got IPI from hart 0", increments reply_count, sends hart 0 an IPI, then HSM hart_stop.
#
# Errors: if hart_start, send_ipi or set_timer fails, the hart prints
# "demo: <call> failed ... <hart>: SBI error 0x<16 hex digits>" and powers off; an unexpected
# exception prints "demo: unexpected exception, scause <n>, sepc 0x<hex>" and powers off.
# A boot hart other than hart 0 prints "demo: the boot hart must be hart 0" and powers off.
#
# Waiting primitive (wait_for): clear sip.SSIP, read the counter, stop if it reached the target,
# else wfi. A signaller updates the counter *before* sending the IPI, so no wake-up is lost.
#
# Register conventions: s-registers hold the state of each loop; SBI calls clobber only a0/a1
# (and a6/a7, which sbi_call loads); the console helpers clobber a0 and t0-t4, t6.
# Position-independent: only pc-relative addresses (lla, call) plus the UART address.

    .include "common.inc"

    .globl  MAX_HARTS, STACK_SIZE, OPAQUE_BASE, TIMER_DELTA
    .equ MAX_HARTS,     16                  # harts the demo drives (stacks reserved for each)
    .equ STACK_SHIFT,   12                  # 4 KiB stack per hart
    .equ STACK_SIZE,    1 << STACK_SHIFT
    .equ OPAQUE_BASE,   0xA5C0DE00          # hart_start opaque = OPAQUE_BASE + hart id
    .equ TIMER_DELTA,   10000               # 1 ms at the 10 MHz timebase

# set_stack HART: sp = top of the stack of hart HART (a register holding an id < MAX_HARTS).
    .macro set_stack hart
    lla     sp, stack_base
    addi    t0, \hart, 1
    slli    t0, t0, STACK_SHIFT
    add     sp, sp, t0
    .endm

# print_str LABEL: puts(LABEL) (caller holds the console lock).
    .macro print_str label
    lla     a0, \label
    call    puts
    .endm

# ---------------------------------------------------------------------------------------------
    .section .text.entry, "ax"
    .globl  _start
_start:
    csrw    sie, zero
    csrci   sstatus, SSTATUS_SIE
    lla     t0, trap_entry
    csrw    stvec, t0                       # direct mode (trap_entry is 4-byte aligned)
    mv      s0, a0                          # s0 = my hart id
    li      t1, 0
    set_stack t1                            # the boot hart uses stack 0
    bnez    s0, boot_not_hart0

    # 1. Count the harts: ids 1, 2, ... until hart_get_status fails (INVALID_PARAM).
    li      s1, 1                           # s1 = N
1:  li      t0, MAX_HARTS
    bgeu    s1, t0, 2f
    mv      a0, s1
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS
    bnez    a0, 2f
    addi    s1, s1, 1
    j       1b
2:  lla     t0, nharts
    sd      s1, 0(t0)

    # 2. Banner and "hart 0 up".
    call    lock_acquire
    print_str str_banner
    mv      a0, s1
    call    put_dec
    print_str str_harts
    call    lock_release
    call    lock_acquire
    print_str str_hart
    mv      a0, s0
    call    put_dec
    print_str str_up
    call    lock_release

    li      t0, SIE_SSIE                    # doorbells and replies arrive as SSIP
    csrs    sie, t0

    # 3. Start the secondaries one at a time; each rings the doorbell once it has printed.
    li      s2, 1                           # s2 = K
3:  bgeu    s2, s1, 4f
    mv      a0, s2
    lla     a1, secondary_entry
    li      a2, OPAQUE_BASE
    add     a2, a2, s2
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_START
    mv      a2, a0
    lla     a0, str_start_failed
    mv      a1, s2
    bnez    a2, fail_with
    lla     a0, up_count
    mv      a1, s2
    call    wait_for
    addi    s2, s2, 1
    j       3b

    # 4. IPI exchange: one IPI per secondary, in id order, each answered before the next.
4:  lla     t0, ipi_from
    sd      s0, 0(t0)
    li      s2, 1
5:  bgeu    s2, s1, 6f
    li      a0, 1
    sll     a0, a0, s2                      # hart_mask = 1 << K
    li      a1, 0                           # hart_mask_base = 0
    sbi_call SBI_EXT_IPI, SBI_IPI_SEND_IPI
    mv      a2, a0
    lla     a0, str_ipi_failed
    mv      a1, s2
    bnez    a2, fail_with
    lla     a0, reply_count
    mv      a1, s2
    call    wait_for
    addi    s2, s2, 1
    j       5b
6:  csrw    sie, zero
    csrci   sip, SIP_SSIP

    # 5. Hypercall "sum" with arguments 1..6.
    li      a0, 1
    li      a1, 2
    li      a2, 3
    li      a3, 4
    li      a4, 5
    li      a5, 6
    sbi_call SBI_EXT_HVC, HVC_NR_SUM
    mv      s3, a0
    lla     t0, hypercall_result
    sd      s3, 0(t0)
    call    lock_acquire
    print_str str_hypercall
    mv      a0, s3
    call    put_dec
    print_str str_newline
    call    lock_release

    # 6. Timer interrupt 1 ms ahead, taken by trap_entry.
    rdtime  t0
    li      t1, TIMER_DELTA
    add     s3, t0, t1                      # s3 = deadline
    lla     t0, timer_deadline
    sd      s3, 0(t0)
    mv      a0, s3
    sbi_call SBI_EXT_TIME, SBI_TIME_SET_TIMER
    mv      a2, a0
    lla     a0, str_timer_failed
    mv      a1, s0
    bnez    a2, fail_with
    li      t0, SIE_STIE
    csrs    sie, t0
    # Check the flag with SIE = 0, so the interrupt cannot slip in between the check and the wfi;
    # wfi wakes on the pending interrupt anyway, and setting SIE then takes it.
7:  csrci   sstatus, SSTATUS_SIE
    lla     t0, timer_fired
    ld      t0, 0(t0)
    bnez    t0, 8f
    wfi
    csrsi   sstatus, SSTATUS_SIE
    j       7b
8:  csrw    sie, zero
    lla     t0, timer_tick
    ld      s4, 0(t0)
    call    lock_acquire
    print_str str_timer
    mv      a0, s4
    call    put_dec
    bgeu    s4, s3, 9f
    print_str str_early                     # only if the interrupt came before its deadline
9:  print_str str_newline
    call    lock_release

    # 7. Wait until every secondary is STOPPED, then power off.
    li      s2, 1
10: bgeu    s2, s1, 12f
11: mv      a0, s2
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS
    bnez    a0, 13f                         # the hart vanished: nothing to wait for
    li      t0, HSM_STATE_STOPPED
    bne     a1, t0, 11b
13: addi    s2, s2, 1
    j       10b
12: call    lock_acquire
    print_str str_all_stopped
    call    lock_release
power_off:
    sbi_shutdown
    call    lock_acquire
    print_str str_poweroff_failed
    call    lock_release
    halt_forever

# fail_with(a0 = message, a1 = hart id, a2 = SBI error), jumped to from any hart when an SBI call
# the hand-shake depends on fails: print "demo: <message> <hart id>: SBI error <hex>", power off.
fail_with:
    mv      s5, a0
    mv      s6, a1
    mv      s7, a2
    call    lock_acquire
    print_str str_demo
    mv      a0, s5
    call    puts
    mv      a0, s6
    call    put_dec
    print_str str_sbi_error
    mv      a0, s7
    call    put_hex
    print_str str_newline
    call    lock_release
    j       power_off

# The demo's hand-shake assumes the boot hart is hart 0.
boot_not_hart0:
    call    lock_acquire
    print_str str_not_hart0
    call    lock_release
    j       power_off

# ---------------------------------------------------------------------------------------------
# Secondary harts: a0 = hart id, a1 = opaque, satp = 0, sstatus.SIE = 0.
    .text
    .globl  secondary_entry
    .balign 4
secondary_entry:
    csrw    sie, zero
    lla     t0, trap_entry
    csrw    stvec, t0
    mv      s0, a0                          # s0 = my hart id (< MAX_HARTS: hart 0 starts no other)
    mv      s1, a1                          # s1 = opaque
    set_stack s0

    call    lock_acquire
    print_str str_hart
    mv      a0, s0
    call    put_dec
    li      t0, OPAQUE_BASE
    add     t0, t0, s0
    lla     a0, str_up
    beq     s1, t0, 1f
    lla     a0, str_up_bad_opaque
1:  call    puts
    call    lock_release

    li      t0, SIE_SSIE
    csrs    sie, t0
    lla     t0, up_count                    # count myself up, then ring hart 0's doorbell
    li      t1, 1
    amoadd.d.aqrl zero, t1, (t0)
    li      a0, 1
    li      a1, 0
    sbi_call SBI_EXT_IPI, SBI_IPI_SEND_IPI
    mv      a2, a0
    lla     a0, str_reply_failed
    mv      a1, s0
    bnez    a2, fail_with

    # Wait for hart 0's IPI: sstatus.SIE stays 0, wfi returns once SSIP is pending (SSIE = 1).
2:  wfi
    csrr    t0, sip
    andi    t0, t0, SIP_SSIP
    beqz    t0, 2b
    csrci   sip, SIP_SSIP

    call    lock_acquire
    print_str str_hart
    mv      a0, s0
    call    put_dec
    print_str str_got_ipi
    lla     t0, ipi_from
    ld      a0, 0(t0)
    call    put_dec
    print_str str_newline
    call    lock_release

    lla     t0, reply_count                 # count the reply, then send it
    li      t1, 1
    amoadd.d.aqrl zero, t1, (t0)
    li      a0, 1
    li      a1, 0
    sbi_call SBI_EXT_IPI, SBI_IPI_SEND_IPI
    mv      a2, a0
    lla     a0, str_reply_failed
    mv      a1, s0
    bnez    a2, fail_with
    csrw    sie, zero
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_STOP
    # hart_stop returned: it failed.
    call    lock_acquire
    print_str str_hart
    mv      a0, s0
    call    put_dec
    print_str str_stop_failed
    call    lock_release
    halt_forever

# ---------------------------------------------------------------------------------------------
# Trap handler (stvec, direct mode). Supervisor timer interrupt: record rdtime in timer_tick, set
# timer_fired, cancel the timer (set_timer(-1) also clears STIP). Supervisor software interrupt:
# clear SSIP. Any other interrupt: ignored. An exception is fatal: report and power off.
    .globl  trap_entry
    .balign 4
trap_entry:
    addi    sp, sp, -64
    sd      ra, 0(sp)
    sd      t0, 8(sp)
    sd      t1, 16(sp)
    sd      a0, 24(sp)
    sd      a1, 32(sp)
    sd      a6, 40(sp)
    sd      a7, 48(sp)
    csrr    t0, scause
    bgez    t0, trap_exception
    slli    t0, t0, 1
    srli    t0, t0, 1                       # interrupt code
    li      t1, SCAUSE_IRQ_STI
    beq     t0, t1, 1f
    li      t1, SCAUSE_IRQ_SSI
    bne     t0, t1, 2f
    csrci   sip, SIP_SSIP
    j       2f
1:  rdtime  t0
    lla     t1, timer_tick
    sd      t0, 0(t1)
    lla     t1, timer_fired
    li      t0, 1
    sd      t0, 0(t1)
    li      a0, -1
    sbi_call SBI_EXT_TIME, SBI_TIME_SET_TIMER
2:  ld      ra, 0(sp)
    ld      t0, 8(sp)
    ld      t1, 16(sp)
    ld      a0, 24(sp)
    ld      a1, 32(sp)
    ld      a6, 40(sp)
    ld      a7, 48(sp)
    addi    sp, sp, 64
    sret

# Unexpected exception: print scause and sepc without the lock (this hart may hold it), power off.
trap_exception:
    print_str str_fatal
    csrr    a0, scause
    call    put_dec
    print_str str_fatal_sepc
    csrr    a0, sepc
    call    put_hex
    print_str str_newline
    j       power_off

# ---------------------------------------------------------------------------------------------
# Helpers.

# wait_for(a0 = address of a u64 counter, a1 = target): return once *a0 >= a1. Sleeps in wfi
# between checks; needs sie.SSIE = 1 (the signaller sends an IPI after updating the counter).
# Clobbers t0.
wait_for:
1:  csrci   sip, SIP_SSIP
    fence   rw, rw
    ld      t0, 0(a0)
    bgeu    t0, a1, 2f
    wfi
    j       1b
2:  ret

# lock_acquire / lock_release: the console spinlock (test-and-test-and-set). Clobber t0-t2.
lock_acquire:
    lla     t0, console_lock
    li      t1, 1
1:  lw      t2, 0(t0)
    bnez    t2, 1b
    amoswap.w.aq t2, t1, (t0)
    bnez    t2, 1b
    ret

lock_release:
    lla     t0, console_lock
    amoswap.w.rl zero, zero, (t0)
    ret

# puts(a0 = NUL-terminated string): write it to the UART, polling LSR.THRE before each byte.
# Clobbers a0, t0, t1, t3.
puts:
    li      t0, UART_BASE
1:  lbu     t3, 0(a0)
    beqz    t3, 3f
2:  lbu     t1, UART_LSR(t0)
    andi    t1, t1, UART_LSR_THRE
    beqz    t1, 2b
    sb      t3, UART_THR(t0)
    addi    a0, a0, 1
    j       1b
3:  ret

# put_dec(a0): print a0 as an unsigned decimal number. Clobbers a0, t0-t4, t6.
put_dec:
    addi    sp, sp, -32
    addi    t2, sp, 31
    sb      zero, 0(t2)                     # digits are written backwards from the NUL
    li      t4, 10
1:  remu    t3, a0, t4
    divu    a0, a0, t4
    addi    t3, t3, '0'
    addi    t2, t2, -1
    sb      t3, 0(t2)
    bnez    a0, 1b
    mv      a0, t2
    mv      t6, ra
    call    puts
    mv      ra, t6
    addi    sp, sp, 32
    ret

# put_hex(a0): print a0 as "0x" followed by 16 lowercase hex digits. Clobbers a0, t0-t4, t6.
put_hex:
    addi    sp, sp, -32
    li      t3, '0'
    sb      t3, 0(sp)
    li      t3, 'x'
    sb      t3, 1(sp)
    addi    t2, sp, 17                      # last digit
    sb      zero, 1(t2)
    li      t4, 16
1:  andi    t3, a0, 15
    srli    a0, a0, 4
    addi    t3, t3, '0'
    li      t1, '9'
    bleu    t3, t1, 2f
    addi    t3, t3, 'a' - '0' - 10
2:  sb      t3, 0(t2)
    addi    t2, t2, -1
    addi    t4, t4, -1
    bnez    t4, 1b
    mv      a0, sp
    mv      t6, ra
    call    puts
    mv      ra, t6
    addi    sp, sp, 32
    ret

# ---------------------------------------------------------------------------------------------
    .section .rodata
str_banner:         .asciz "axvcpu riscv64 demo: "
str_harts:          .asciz " harts\n"
str_hart:           .asciz "hart "
str_up:             .asciz " up\n"
str_up_bad_opaque:  .asciz " up (bad opaque)\n"
str_got_ipi:        .asciz " got IPI from hart "
str_hypercall:      .asciz "hypercall sum(1..6) = "
str_timer:          .asciz "timer interrupt at tick "
str_early:          .asciz " (before its deadline!)"
str_all_stopped:    .asciz "all harts stopped, powering off\n"
str_poweroff_failed: .asciz "poweroff failed\n"
str_demo:           .asciz "demo: "
str_start_failed:   .asciz "hart_start failed for hart "
str_ipi_failed:     .asciz "send_ipi failed for hart "
str_timer_failed:   .asciz "set_timer failed on hart "
str_reply_failed:   .asciz "send_ipi to hart 0 failed on hart "
str_sbi_error:      .asciz ": SBI error "
str_stop_failed:    .asciz ": hart_stop failed\n"
str_not_hart0:      .asciz "demo: the boot hart must be hart 0\n"
str_fatal:          .asciz "demo: unexpected exception, scause "
str_fatal_sepc:     .asciz ", sepc "
str_newline:        .asciz "\n"

# ---------------------------------------------------------------------------------------------
# Shared state (u64 each). Tests may read these after a run.
    .data
    .balign 8
    .globl  console_lock, nharts, up_count, reply_count, ipi_from
    .globl  hypercall_result, timer_deadline, timer_tick, timer_fired
console_lock:       .dword 0                # spinlock word (amoswap.w on its low half)
nharts:             .dword 0                # N found by probing
up_count:           .dword 0                # secondaries that printed "up"
reply_count:        .dword 0                # secondaries that answered hart 0's IPI
ipi_from:           .dword 0                # hart id that sent the IPIs (hart 0)
hypercall_result:   .dword 0                # a0 returned by the "sum" hypercall
timer_deadline:     .dword 0                # stime_value given to set_timer
timer_tick:         .dword 0                # rdtime read by the timer interrupt handler
timer_fired:        .dword 0                # 1 once the timer interrupt was taken

# Per-hart stacks: part of the image (PROGBITS zeros), so the flat binary needs nothing else.
    .section .stack, "aw", @progbits
    .balign 16
    .globl  stack_base, stack_top
stack_base:
    .zero   MAX_HARTS * STACK_SIZE
stack_top:
