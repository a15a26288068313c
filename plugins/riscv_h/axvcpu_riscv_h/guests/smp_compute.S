# smp_compute.S — every hart runs the same compute loop: a parallel workload (axvcpu run --threads).
#
# Hart 0 counts the harts (HSM hart_get_status(1), (2), ... until an error; at most MAX_HARTS),
# starts harts 1..N-1 at `secondary` with HSM hart_start, runs the loop itself, then polls
# hart_get_status until every secondary is STOPPED (spinning SPIN iterations between two polls)
# and powers off with SRST. Every hart runs `iterations` (8 bytes, patched by the tests and
# benchmarks) iterations of a 4-instruction loop whose counter ends at 2 * iterations, stores it
# to results[hart id], and stops with hart_stop (hart 0: shutdown).

    .include "common.inc"
    .option norvc

    .globl  MAX_HARTS, SPIN
    .equ    MAX_HARTS,  16
    .equ    SPIN,       20000

    .section .text.entry, "ax"
    .globl  _start, iterations, secondary
_start:
    j       body
    .balign 8
iterations:
    .dword  1000000
body:
    li      s0, 1                           # count the harts: s0 = first id that does not exist
count:
    li      t0, MAX_HARTS
    bgeu    s0, t0, counted
    mv      a0, s0
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS
    bnez    a0, counted
    addi    s0, s0, 1
    j       count
counted:
    li      s1, 1                           # start harts 1..s0-1
start_next:
    bgeu    s1, s0, started
    mv      a0, s1
    lla     a1, secondary
    li      a2, 0
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_START
    addi    s1, s1, 1
    j       start_next
started:
    li      a0, 0
    call    work
wait_all:
    li      t0, SPIN                        # spin a little between two rounds of polls
1:  addi    t0, t0, -1
    bnez    t0, 1b
    li      s1, 1
check:
    bgeu    s1, s0, all_stopped
    mv      a0, s1
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS
    li      t0, HSM_STATE_STOPPED
    bne     a1, t0, wait_all
    addi    s1, s1, 1
    j       check
all_stopped:
    sbi_shutdown
    halt_forever

secondary:                                  # a0 = hart id
    call    work
    sbi_call SBI_EXT_HSM, SBI_HSM_HART_STOP
    halt_forever

# work: a0 = hart id. Runs the loop and stores its counter to results[a0]; clobbers t0-t3.
work:
    ld      t0, iterations
    li      t1, 0
1:  addi    t1, t1, 3
    xori    t1, t1, 1
    addi    t0, t0, -1
    bnez    t0, 1b
    lla     t2, results
    slli    t3, a0, 3
    add     t2, t2, t3
    sd      t1, 0(t2)
    ret

    results_array MAX_HARTS
