"""Fuzzing: random trap records decode or raise AxError, with exit invariants; table cross-checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_decoder_riscv_encode import (
    IRQ,
    LOAD_FUNCT3,
    M64,
    STORE_FUNCT3,
    LiveServices,
    amo,
    csr_insn,
    fp_load,
    le,
    load,
    store,
    transform,
)

from axvcpu_core.addr import AccessWidth, MappingFlags
from axvcpu_core.descriptor import Decoded
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import MmioRead, MmioWrite, NestedPageFault, exit_from_dict
from axvcpu_core.services import OfflineServices, VmmServices
from axvcpu_riscv_h import insn, sbi
from axvcpu_riscv_h.actions import Action
from axvcpu_riscv_h.decoder import decode
from axvcpu_riscv_h.record import RiscvTrap, parse_record

RAM = 0x8000_0000
SERVICES: list[VmmServices] = [OfflineServices(), LiveServices(ram={RAM: bytes(64)})]
ALLOWED_KINDS = {"Hypercall", "MmioRead", "MmioWrite", "SysRegRead", "SysRegWrite", "ExternalInterrupt",
                 "NestedPageFault", "Halt", "CpuUp", "CpuDown", "SystemDown", "Nothing", "SendIPI"}  # fmt: skip
ALLOWED_ERRORS = {AxErrorKind.Unsupported, AxErrorKind.InvalidData, AxErrorKind.BadAddress}

u64 = st.integers(0, M64)
u32 = st.integers(0, 0xFFFF_FFFF)
regno = st.integers(0, 31)
INTERESTING_CAUSES = [10, 20, 21, 22, 23, IRQ | 1, IRQ | 5, IRQ | 9, 0, 2, 8, 13, 15, IRQ | 6, IRQ, M64]
EIDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xF, 0x10, sbi.EID_TIME, sbi.EID_IPI, sbi.EID_RFNC, sbi.EID_HSM,
        sbi.EID_SRST, sbi.EID_DBCN, sbi.EID_HVC, 0x504D55]  # fmt: skip

words = st.one_of(
    st.builds(lambda n, rd, rs1, imm: load(n, rd, rs1, imm), st.sampled_from(list(LOAD_FUNCT3)),
              regno, regno, st.integers(-2048, 2047)),
    st.builds(lambda n, rs2, rs1, imm: store(n, rs2, rs1, imm), st.sampled_from(list(STORE_FUNCT3)),
              regno, regno, st.integers(-2048, 2047)),
    st.builds(lambda f3, rd: fp_load(f3, rd), st.integers(0, 7), regno),
    st.builds(lambda rd, rs2: amo("AMOADD", 3, rd, 1, rs2), regno, regno),
    st.builds(lambda f3, rd, rs1, c: csr_insn(f3, rd, rs1, c), st.sampled_from([1, 2, 3, 5, 6, 7]), regno, regno,
              st.sampled_from([0xC00, 0xC01, 0x180, 0x14D])),
    st.sampled_from([0x10500073, 0x00000073, 0x10200073, 0x12000073]),
    u32,
)  # fmt: skip
htinsts = st.one_of(
    st.sampled_from([0, 0x2000, 0x2020, 0x3000, 0x3020]),
    st.builds(lambda w, c: transform(w, c) if w & 0x7F in (3, 7, 0x23, 0x27, 0x2F) else w, words, st.booleans()),
    u32,
    u64,
)
insn_bytes = st.one_of(
    st.binary(max_size=8), st.builds(lambda w: le(w, 4), words), st.builds(lambda h: le(h, 2), st.integers(0, 0xFFFF))
)
small = st.one_of(st.integers(0, 8), st.sampled_from([RAM, RAM + 60, 0x8000_0000, 0xFFFF_FFFF, M64, M64 - 1]), u64)


causes = st.one_of(st.sampled_from([10, 20, 21, 22, 23]), st.sampled_from(INTERESTING_CAUSES), u64)


@st.composite
def traps(draw: st.DrawFn) -> RiscvTrap:
    """Random records; the instruction in htinst, insn_bytes and stval is often the same `word`."""
    regs = [0, *draw(st.lists(small, min_size=31, max_size=31))]
    regs[17] = draw(st.one_of(st.sampled_from(EIDS), u64))
    regs[16] = draw(st.one_of(st.integers(0, 8), u64))
    word = draw(words)
    memory = word & 0x7F in (0x03, 0x07, 0x23, 0x27, 0x2F)
    coupled_htinst = st.builds(transform, st.just(word), st.booleans()) if memory else st.just(0)
    return RiscvTrap(
        draw(causes),
        draw(st.one_of(st.just(word), words, u64, st.just(0))),
        draw(u64),
        draw(st.one_of(coupled_htinst, htinsts)),
        draw(u64),
        draw(u64),
        tuple(regs),
        draw(st.one_of(st.just(le(word, 4)), insn_bytes)),
    )


def check(decoded: Decoded) -> None:
    """Invariants every decoded exit satisfies."""
    assert isinstance(decoded, Decoded)
    assert 0 <= decoded.next_pc <= M64
    exit_ = decoded.exit
    assert exit_.kind in ALLOWED_KINDS
    assert exit_from_dict(decoded.to_dict()) == exit_
    assert all(isinstance(action, Action) for action in decoded.actions)
    if isinstance(exit_, MmioRead):
        assert exit_.reg_width is AccessWidth.QWORD
        assert 0 <= exit_.reg < 32
        assert not exit_.signed_ext or exit_.width < 8
    if isinstance(exit_, MmioWrite):
        assert 0 <= exit_.data <= exit_.width.mask
    if isinstance(exit_, MmioRead | MmioWrite | NestedPageFault):
        assert 0 <= exit_.addr <= M64
    if isinstance(exit_, NestedPageFault):
        assert exit_.access_flags in (MappingFlags.READ, MappingFlags.WRITE, MappingFlags.EXECUTE)


def check_outcome(run: Callable[[], Decoded]) -> None:
    """`run()` returns a valid Decoded or raises an AxError of an allowed kind with a message."""
    try:
        decoded = run()
    except AxError as err:
        error = err
    else:
        check(decoded)
        return
    assert error.kind in ALLOWED_ERRORS, error
    assert error.message


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traps(), st.sampled_from(SERVICES))
def test_random_traps_decode_or_raise_ax_error(t: RiscvTrap, services: VmmServices) -> None:
    check_outcome(lambda: decode(t, services))


json_scalars = st.one_of(u64, st.integers(-5, 5), st.none(), st.booleans(), st.text(max_size=3), st.floats())
raw_records = st.fixed_dictionaries(
    {"scause": st.one_of(st.sampled_from(INTERESTING_CAUSES), json_scalars)},
    optional={
        "stval": st.one_of(words, json_scalars),
        "htval": json_scalars,
        "htinst": st.one_of(htinsts, json_scalars),
        "sepc": json_scalars,
        "regs": st.one_of(
            st.dictionaries(st.sampled_from(["a0", "a1", "a6", "a7", "x5", "x0", "zero", "fp", "x32"]),
                            st.one_of(st.sampled_from(EIDS), json_scalars), max_size=5),
            json_scalars,
        ),
        "insn_bytes": st.one_of(insn_bytes.map(bytes.hex), st.text(max_size=8), json_scalars),
    },
)  # fmt: skip


@settings(max_examples=800, deadline=None)
@given(raw_records, st.sampled_from(SERVICES))
def test_random_json_records_parse_and_decode_or_raise_ax_error(obj: dict[str, Any], services: VmmServices) -> None:
    check_outcome(lambda: decode(parse_record(obj), services))


# --- exhaustive / random cross-checks of the tables against an independent reading of §4.4-§4.5 ---


def reference16(half: int) -> tuple[str, bool, int, bool, int] | None:
    quadrant, funct3 = half & 3, half >> 13
    if quadrant == 0 and funct3 in (2, 3, 6, 7):
        reg = 8 + ((half >> 2) & 7)
    elif quadrant == 2 and funct3 in (2, 3):
        reg = (half >> 7) & 31
        if reg == 0:
            return None
    elif quadrant == 2 and funct3 in (6, 7):
        reg = (half >> 2) & 31
    else:
        return None
    width = 4 if funct3 in (2, 6) else 8
    is_store = funct3 >= 6
    name = ("C.S" if is_store else "C.L") + ("W" if width == 4 else "D") + ("SP" if quadrant == 2 else "")
    return name, is_store, width, width == 4 and not is_store, reg


def test_every_16_bit_encoding_against_the_reference() -> None:
    for half in range(0x10000):
        if half & 3 == 3:
            continue
        got = insn.access16(half)
        want = reference16(half)
        if want is None:
            assert got is None, hex(half)
        else:
            assert got is not None, hex(half)
            assert (got.name, got.store, int(got.width), got.signed_ext, got.reg) == want, hex(half)
            assert got.length == 2


def reference32(word: int) -> tuple[str, bool, int, bool, int] | None:
    opcode, funct3 = word & 0x7F, (word >> 12) & 7
    if opcode == 0x03 and funct3 != 7:
        names = ["LB", "LH", "LW", "LD", "LBU", "LHU", "LWU"]
        return names[funct3], False, 1 << (funct3 & 3), funct3 < 3, (word >> 7) & 31
    if opcode == 0x23 and funct3 < 4:
        return ["SB", "SH", "SW", "SD"][funct3], True, 1 << funct3, False, (word >> 20) & 31
    return None


@settings(max_examples=1000, deadline=None)
@given(st.one_of(u32, words))
def test_32_bit_encodings_against_the_reference(word: int) -> None:
    got = insn.access32(word)
    want = reference32(word)
    if want is None:
        assert got is None
    else:
        assert got is not None
        assert (got.name, got.store, int(got.width), got.signed_ext, got.reg) == want
        assert got.mask == (1 << (8 * want[2])) - 1


@pytest.mark.parametrize("services", SERVICES, ids=["offline", "live"])
def test_decoder_never_mutates_through_services(services: VmmServices) -> None:
    """LiveServices raises AssertionError on any mutating call; a sweep of SBI calls must not make one."""
    for eid in EIDS:
        for fid in range(8):
            regs = [0] * 32
            regs[10], regs[11], regs[12], regs[16], regs[17] = 1, RAM, 0, fid, eid
            t = RiscvTrap(10, sepc=RAM, regs=tuple(regs))
            if eid == 4 and type(services) is OfflineServices:
                with pytest.raises(AxError, match="send_ipi"):
                    decode(t, services)
            else:
                check(decode(t, services))
