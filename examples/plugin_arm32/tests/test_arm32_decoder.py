"""The pure decoder: every rule of the trap-model table, and totality (only AxError, ever)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axvcpu_core.addr import AccessWidth, MappingFlags
from axvcpu_core.descriptor import Decoded
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import Hypercall, MmioRead, MmioWrite, NestedPageFault, Nothing, SystemDown, exit_from_dict
from axvcpu_core.services import OfflineServices
from axvcpu_example_arm32.decoder import CAUSE_TABLE, decode
from axvcpu_example_arm32.insn import TABLE, load_store
from axvcpu_example_arm32.record import Arm32Trap

PC = 0x4000_0010
DEV = 0x1000_1010
OFFLINE = OfflineServices()
REGS = tuple(0x1111_1111 * i for i in range(16))  # r0 = 0, r1 = 0x11111111, ..., r15 = 0xffffffff

# Encodings from keystone (= GNU as), so the tests do not share the decoder's table.
LOADS = [
    (0xE5943010, "ldr r3, [r4, #0x10]", 3, AccessWidth.DWORD, False),
    (0xE5D12004, "ldrb r2, [r1, #4]", 2, AccessWidth.BYTE, False),
    (0xE1541FBF, "ldrh r1, [r4, #-0xff]", 1, AccessWidth.WORD, False),
    (0xE1D4C0D0, "ldrsb r12, [r4]", 12, AccessWidth.BYTE, True),
    (0xE1D411F0, "ldrsh r1, [r4, #0x10]", 1, AccessWidth.WORD, True),
    (0x15940FFF, "ldrne r0, [r4, #0xfff]", 0, AccessWidth.DWORD, False),
    (0xE59F0008, "ldr r0, [pc, #8]", 0, AccessWidth.DWORD, False),
]
STORES = [
    (0xE5840010, "str r0, [r4, #0x10]", 0, AccessWidth.DWORD),
    (0xE5C41010, "strb r1, [r4, #0x10]", 1, AccessWidth.BYTE),
    (0xE1C411B0, "strh r1, [r4, #0x10]", 1, AccessWidth.WORD),
    (0xE50DE004, "str r14, [r13, #-4]", 14, AccessWidth.DWORD),
]
NOT_EMULATED = [
    (0xE5B40004, "ldr r0, [r4, #4]! (writeback)", "read"),
    (0xE4940004, "ldr r0, [r4], #4 (post-indexed)", "read"),
    (0xE7940001, "ldr r0, [r4, r1] (register offset)", "read"),
    (0xE18400B1, "strh r0, [r4, r1] (register offset)", "write"),
    (0xE1C400D0, "ldrd r0, r1, [r4]", "read"),
    (0xE1C400F0, "strd r0, r1, [r4]", "write"),
    (0xE8940003, "ldm r4, {r0, r1}", "read"),
    (0xE8840003, "stm r4, {r0, r1}", "write"),
    (0xE594F000, "ldr pc, [r4]", "read"),
    (0xE584F000, "str pc, [r4]", "write"),
    (0xE1940F9F, "ldrex r0, [r4]", "read"),
    (0xF5D4F000, "pld [r4]", "read"),
    (0xE4B40000, "ldrt r0, [r4]", "read"),
    (0xED940B00, "vldr d0, [r4]", "read"),
    (0xE52D0004, "push {r0}", "write"),
    (0xE1F400D1, "ldrsb r0, [r4, #1]! (writeback)", "read"),
    (0xE1040091, "swp r0, r1, [r4]", "read"),
]


def abort(word: int, access: str, regs: tuple[int, ...] = REGS, pc: int = PC) -> Arm32Trap:
    return Arm32Trap("data_abort", pc, DEV, access, regs, word.to_bytes(4, "little"))  # type: ignore[arg-type]


def svc(word: int, regs: tuple[int, ...] = REGS) -> Arm32Trap:
    return Arm32Trap("svc", PC, regs=regs, insn_bytes=word.to_bytes(4, "little"))


def error_kind(trap: Arm32Trap) -> AxErrorKind:
    with pytest.raises(AxError) as info:
        decode(trap, OFFLINE)
    return info.value.kind


# --- MMIO -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "text", "rt", "width", "signed"), LOADS, ids=[t for _, t, *_ in LOADS])
def test_single_register_loads_are_mmio_reads(word: int, text: str, rt: int, width: AccessWidth, signed: bool) -> None:
    decoded = decode(abort(word, "read"), OFFLINE)
    assert decoded.exit == MmioRead(DEV, width, rt, AccessWidth.DWORD, signed)
    assert decoded.next_pc == PC + 4
    assert decoded.actions == ()


@pytest.mark.parametrize(("word", "text", "rt", "width"), STORES, ids=[t for _, t, *_ in STORES])
def test_single_register_stores_are_mmio_writes_masked_to_the_width(
    word: int, text: str, rt: int, width: AccessWidth
) -> None:
    decoded = decode(abort(word, "write"), OFFLINE)
    assert decoded.exit == MmioWrite(DEV, width, REGS[rt] & ((1 << (8 * width)) - 1))
    assert decoded.next_pc == PC + 4


@pytest.mark.parametrize(("word", "text", "access"), NOT_EMULATED, ids=[t for _, t, _ in NOT_EMULATED])
def test_other_accesses_follow_the_stage2_rule(word: int, text: str, access: str) -> None:
    decoded = decode(abort(word, access), OFFLINE)
    flags = MappingFlags.READ if access == "read" else MappingFlags.WRITE
    assert decoded.exit == NestedPageFault(DEV, flags)
    assert decoded.next_pc == PC  # the VMM resolves it (or stops), the instruction runs again


def test_only_ldrsb_and_ldrsh_sign_extend() -> None:
    assert {row.name for row in TABLE if row.signed} == {"LDRSB", "LDRSH"}
    assert all(row.width < AccessWidth.DWORD for row in TABLE if row.signed)


def test_every_table_row_is_reachable_and_unambiguous() -> None:
    for row in TABLE:
        found = load_store(row.match | 0xE << 28)
        assert found is not None
        assert found[0] is row


def test_resume_pc_wraps_at_4_gib() -> None:
    assert decode(abort(0xE5943010, "read", pc=0xFFFF_FFFC), OFFLINE).next_pc == 0


def test_access_that_contradicts_the_instruction_is_invalid_data() -> None:
    assert error_kind(abort(0xE5943010, "write")) is AxErrorKind.InvalidData  # an LDR cannot write
    assert error_kind(abort(0xE5840010, "read")) is AxErrorKind.InvalidData  # an STR cannot read


@pytest.mark.parametrize("insn", [b"", b"\x10\x30", b"\x10\x30\x94\xe5\x00"])
def test_abort_without_the_4_instruction_bytes_is_invalid_data(insn: bytes) -> None:
    trap = Arm32Trap("data_abort", PC, DEV, "read", REGS, insn)
    with pytest.raises(AxError, match="insn_bytes") as info:
        decode(trap, OFFLINE)
    assert info.value.kind is AxErrorKind.InvalidData


def test_fetch_from_unmapped_memory_is_an_execute_fault_resuming_there() -> None:
    decoded = decode(Arm32Trap("prefetch_abort", 0x2000_0000, 0x2000_0000, "execute", REGS), OFFLINE)
    assert decoded.exit == NestedPageFault(0x2000_0000, MappingFlags.EXECUTE)
    assert decoded.next_pc == 0x2000_0000


# --- SVC calls and the time-slice interrupt -------------------------------------------------------


def test_hypercall_takes_nr_from_r7_and_args_from_r0_to_r5() -> None:
    decoded = decode(svc(0xEF004856), OFFLINE)
    assert decoded.exit == Hypercall(REGS[7], REGS[0:6])
    assert decoded.next_pc == PC + 4


def test_conditional_svc_is_still_a_hypercall() -> None:
    assert isinstance(decode(svc(0x1F004856), OFFLINE).exit, Hypercall)


@pytest.mark.parametrize(("word", "reset"), [(0xEF005344, False), (0xEF005352, True)])
def test_power_off_and_reset(word: int, reset: bool) -> None:
    decoded = decode(svc(word), OFFLINE)
    assert decoded.exit == SystemDown(reset=reset)
    assert decoded.next_pc == PC + 4


def test_unknown_svc_is_unsupported_and_named() -> None:
    with pytest.raises(AxError, match="svc #0x0 ") as info:
        decode(svc(0xEF000000), OFFLINE)
    assert info.value.kind is AxErrorKind.Unsupported


@pytest.mark.parametrize("word", [0xE1A00000, 0xFF004856])
def test_svc_record_whose_bytes_are_not_an_svc_is_invalid_data(word: int) -> None:
    assert error_kind(svc(word)) is AxErrorKind.InvalidData


def test_host_interrupt_is_nothing_at_the_same_pc() -> None:
    decoded = decode(Arm32Trap("irq", PC, regs=REGS), OFFLINE)
    assert decoded.exit == Nothing()
    assert decoded.next_pc == PC


@pytest.mark.parametrize(
    ("cause", "access"),
    [
        ("svc", "read"),
        ("irq", "execute"),
        ("data_abort", "none"),
        ("data_abort", "execute"),
        ("prefetch_abort", "read"),
    ],
)
def test_cause_and_access_that_do_not_go_together_are_invalid_data(cause: str, access: str) -> None:
    trap = Arm32Trap(cause, PC, DEV, access, REGS, (0xE5943010).to_bytes(4, "little"))  # type: ignore[arg-type]
    assert error_kind(trap) is AxErrorKind.InvalidData


def test_the_cause_table_covers_exactly_the_modelled_traps() -> None:
    assert set(CAUSE_TABLE) == {
        ("svc", "none"),
        ("data_abort", "read"),
        ("data_abort", "write"),
        ("prefetch_abort", "execute"),
        ("irq", "none"),
    }


# --- totality -------------------------------------------------------------------------------------

u32 = st.integers(0, 0xFFFF_FFFF)
interesting_words = st.sampled_from([w for w, *_ in LOADS + STORES + NOT_EMULATED] + [0xEF004856, 0xEF005344])
table_words = st.builds(lambda row, bits: row.match | (bits & ~row.mask), st.sampled_from(TABLE), u32)
words = st.one_of(interesting_words, u32, table_words)
traps = st.builds(
    Arm32Trap,
    cause=st.sampled_from(["svc", "data_abort", "prefetch_abort", "irq"]),
    pc=u32,
    fault_addr=u32,
    access=st.sampled_from(["none", "read", "write", "execute"]),
    regs=st.tuples(*[u32] * 16),
    insn_bytes=st.one_of(st.builds(lambda w: w.to_bytes(4, "little"), words), st.binary(max_size=6)),
)  # fmt: skip


def outcome(trap: Arm32Trap) -> Decoded | AxError:
    """The decoded trap, or the AxError the decoder raised (anything else propagates)."""
    try:
        return decode(trap, OFFLINE)
    except AxError as err:
        return err


@given(traps)
def test_decode_is_total_and_its_exits_are_well_formed(trap: Arm32Trap) -> None:
    decoded = outcome(trap)
    if isinstance(decoded, AxError):
        assert decoded.kind in (AxErrorKind.InvalidData, AxErrorKind.Unsupported)
        return
    exit_ = decoded.exit
    assert 0 <= decoded.next_pc <= 0xFFFF_FFFF
    assert decoded.next_pc in (trap.pc, (trap.pc + 4) & 0xFFFF_FFFF)
    assert exit_from_dict(exit_.to_dict()) == exit_
    if isinstance(exit_, MmioWrite):
        assert exit_.data < 1 << (8 * exit_.width)
    if isinstance(exit_, MmioRead):
        assert exit_.signed_ext <= (exit_.width < exit_.reg_width)
