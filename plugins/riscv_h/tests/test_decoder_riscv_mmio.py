"""Guest-page faults (scause 20, 21, 23): MMIO decode, implicit accesses, stage-2 rule (riscv-h.md §4)."""

from __future__ import annotations

import pytest
from test_decoder_riscv_encode import (
    M64,
    amo,
    c_fld,
    c_fldsp,
    c_fsd,
    c_fsdsp,
    c_ld,
    c_ldsp,
    c_lw,
    c_lwsp,
    c_sd,
    c_sdsp,
    c_sw,
    c_swsp,
    fp_load,
    fp_store,
    gpf,
    i_type,
    le,
    load,
    s_type,
    store,
    transform,
    trap,
)

from axvcpu_core.addr import AccessWidth, MappingFlags
from axvcpu_core.descriptor import Decoded
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import MmioRead, MmioWrite, NestedPageFault, exit_from_dict
from axvcpu_core.services import OfflineServices
from axvcpu_riscv_h import insn
from axvcpu_riscv_h.decoder import decode
from axvcpu_riscv_h.record import RiscvTrap

OFF = OfflineServices()
UART = 0x1000_0000
SEPC = 0x8020_0000
R, W, X = MappingFlags.READ, MappingFlags.WRITE, MappingFlags.EXECUTE
B, H, WD, D = AccessWidth.BYTE, AccessWidth.WORD, AccessWidth.DWORD, AccessWidth.QWORD
VALUE = 0xF123_4567_89AB_CDEF

LOADS = [  # name, width, signed_ext
    ("LB", B, True), ("LH", H, True), ("LW", WD, True), ("LD", D, False),
    ("LBU", B, False), ("LHU", H, False), ("LWU", WD, False),
]  # fmt: skip
STORES = [("SB", B), ("SH", H), ("SW", WD), ("SD", D)]
MASK = {B: 0xEF, H: 0xCDEF, WD: 0x89AB_CDEF, D: VALUE}


def run(t: RiscvTrap) -> Decoded:
    return decode(t, OFF)


def invalid(t: RiscvTrap) -> str:
    with pytest.raises(AxError) as info:
        run(t)
    assert info.value.kind is AxErrorKind.InvalidData
    return info.value.message


# --- loads and stores from insn_bytes ---------------------------------------------------------


@pytest.mark.parametrize(("name", "width", "signed"), LOADS)
@pytest.mark.parametrize("rd", [0, 1, 10, 31])
def test_every_load_from_insn_bytes(name: str, width: AccessWidth, signed: bool, rd: int) -> None:
    got = run(gpf(21, UART + 4, insn_bytes=le(load(name, rd, 11, 4), 4)))
    assert got == Decoded(MmioRead(UART + 4, width, rd, D, signed), SEPC + 4)
    assert got.exit.reg_width is AccessWidth.QWORD  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "width"), STORES)
@pytest.mark.parametrize("rs2", [1, 5, 31])
def test_every_store_from_insn_bytes_masks_data(name: str, width: AccessWidth, rs2: int) -> None:
    got = run(gpf(23, UART + 1, insn_bytes=le(store(name, rs2, 10, 1), 4), regs={rs2: VALUE}))
    assert got == Decoded(MmioWrite(UART + 1, width, MASK[width]), SEPC + 4)


def test_store_of_x0_writes_zero() -> None:
    got = run(gpf(23, UART, insn_bytes=le(store("SD", 0), 4), regs={1: VALUE}))
    assert got.exit == MmioWrite(UART, D, 0)


def test_insn_bytes_may_hold_more_than_the_instruction() -> None:
    got = run(gpf(21, UART, insn_bytes=le(load("LW", 9), 4) + b"\x13\x00"))
    assert got.exit == MmioRead(UART, WD, 9, D, True)


# --- htinst: transformed instructions -----------------------------------------------------------


@pytest.mark.parametrize(("name", "width", "signed"), LOADS)
@pytest.mark.parametrize("compressed", [False, True])
def test_every_transformed_load(name: str, width: AccessWidth, signed: bool, compressed: bool) -> None:
    htinst = transform(load(name, 12, 13, 0x123), compressed=compressed)
    got = run(gpf(21, UART + 2, htinst=htinst))  # no insn_bytes: htinst is enough
    assert got == Decoded(MmioRead(UART + 2, width, 12, D, signed), SEPC + (2 if compressed else 4))


@pytest.mark.parametrize(("name", "width"), STORES)
@pytest.mark.parametrize("compressed", [False, True])
def test_every_transformed_store(name: str, width: AccessWidth, compressed: bool) -> None:
    htinst = transform(store(name, 14, 13, -8), compressed=compressed, offset=0)
    got = run(gpf(23, UART, htinst=htinst, regs={14: VALUE}))
    assert got == Decoded(MmioWrite(UART, width, MASK[width]), SEPC + (2 if compressed else 4))


def test_transformed_htinst_wins_over_insn_bytes() -> None:
    t = gpf(21, UART, htinst=transform(load("LHU", 3)), insn_bytes=le(load("LD", 4), 4))
    assert run(t).exit == MmioRead(UART, H, 3, D, False)


def test_transformed_address_offset_is_ignored() -> None:
    htinst = transform(load("LD", 6), offset=5)
    assert run(gpf(21, UART + 0x1000, htinst=htinst)).exit == MmioRead(UART + 0x1000, D, 6, D, False)


@pytest.mark.parametrize(
    "htinst",
    [0x1_0000_2083, 0x2082, 0x2093, 0x0000_0013, 0xDEAD_BEEF_0000_0003, 0x2000 | 0x10, 0x3001 << 40],
)
def test_unknown_htinst_values_fall_back_to_insn_bytes(htinst: int) -> None:
    got = run(gpf(21, UART, htinst=htinst, insn_bytes=le(load("LB", 7), 4)))
    assert got.exit == MmioRead(UART, B, 7, D, True)


# --- compressed forms from insn_bytes -----------------------------------------------------------

COMPRESSED = [  # encoding, load?, width, signed, register
    (c_lw(10, 11, 4), False, WD, True, 10),
    (c_ld(15, 8, 248), False, D, False, 15),
    (c_sw(9, 15, 124), True, WD, False, 9),
    (c_sd(10, 11, 8), True, D, False, 10),
    (c_lwsp(1, 252), False, WD, True, 1),
    (c_ldsp(31, 504), False, D, False, 31),
    (c_swsp(8, 252), True, WD, False, 8),
    (c_sdsp(17, 504), True, D, False, 17),
    (c_sdsp(0, 0), True, D, False, 0),
]


@pytest.mark.parametrize(("half", "is_store", "width", "signed", "reg"), COMPRESSED)
def test_compressed_loads_and_stores(half: int, is_store: bool, width: AccessWidth, signed: bool, reg: int) -> None:
    regs = {reg: VALUE} if reg else {}
    got = run(gpf(23 if is_store else 21, UART + 8, insn_bytes=le(half, 2), regs=regs))
    want = (
        MmioWrite(UART + 8, width, MASK[width] if reg else 0) if is_store else MmioRead(UART + 8, width, reg, D, signed)
    )
    assert got == Decoded(want, SEPC + 2)


@pytest.mark.parametrize("rd", [8, 9, 12, 15])
def test_compressed_prime_registers_expand_to_x8_x15(rd: int) -> None:
    assert run(gpf(21, UART, insn_bytes=le(c_lw(rd, 8 + (rd + 1) % 8, 0), 2))).exit.reg == rd  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("half", "cause"),
    [
        (c_lwsp(0, 4) & ~(31 << 7), 21),  # C.LWSP rd = 0: reserved
        (c_ldsp(0, 8) & ~(31 << 7), 21),  # C.LDSP rd = 0: reserved
        (c_fld(8, 10, 8), 21),
        (c_fsd(9, 11, 16), 23),
        (c_fldsp(1, 8), 21),
        (c_fsdsp(2, 16), 23),
        (0b100 << 13 | 0, 21),  # Zcb C.LBU (quadrant 0, funct3 100): not implemented
        (0b100 << 13 | 1 << 10, 23),  # Zcb C.SB
        (0x0505, 21),  # quadrant 1 (c.addi a0, 1)
        (0x0000, 21),  # the all-zero illegal instruction
    ],
)
def test_compressed_forms_not_emulated_are_nested_page_faults(half: int, cause: int) -> None:
    flags = R if cause == 21 else W
    assert run(gpf(cause, UART + 3, insn_bytes=le(half, 2))) == Decoded(NestedPageFault(UART + 3, flags), SEPC)


# --- stage-2 rule: accesses that are not emulated ------------------------------------------------

NOT_EMULATED_LOADS = [
    fp_load(1, 1), fp_load(2, 1), fp_load(3, 2), fp_load(4, 3), fp_load(0, 4), fp_load(6, 5),
    i_type(0x03, 7, 1, 2, 0),  # reserved LOAD funct3
    amo("LR", 2, 10, 11, 0), amo("LR", 3, 10, 11, 0),
    i_type(0x13, 0, 1, 1, 1),  # addi: not a memory access at all
    i_type(0x0F, 2, 0, 10, 0),  # cbo.* (MISC-MEM)
]  # fmt: skip
NOT_EMULATED_STORES = [
    fp_store(1, 1), fp_store(2, 1), fp_store(3, 2), fp_store(4, 3), fp_store(7, 4),
    s_type(0x23, 4, 10, 1, 0), s_type(0x23, 7, 10, 1, 0),  # reserved STORE funct3
    amo("SC", 2, 1, 2, 3), amo("AMOSWAP", 3, 1, 2, 3), amo("AMOADD", 0, 1, 2, 3),
    amo("AMOCAS", 4, 2, 4, 6), amo("AMOMAXU", 2, 0, 1, 2, aq=1, rl=1),
]  # fmt: skip


@pytest.mark.parametrize("word", NOT_EMULATED_LOADS, ids=hex)
def test_load_fault_not_emulated_from_insn_bytes(word: int) -> None:
    assert run(gpf(21, UART + 5, insn_bytes=le(word, 4))) == Decoded(NestedPageFault(UART + 5, R), SEPC)


@pytest.mark.parametrize("word", NOT_EMULATED_STORES, ids=hex)
def test_store_fault_not_emulated_from_insn_bytes(word: int) -> None:
    assert run(gpf(23, UART + 6, insn_bytes=le(word, 4))) == Decoded(NestedPageFault(UART + 6, W), SEPC)


@pytest.mark.parametrize(
    "word", [fp_load(3, 2), fp_store(2, 1), amo("LR", 2, 10, 11, 0), amo("AMOOR", 3, 1, 2, 3)], ids=hex
)
@pytest.mark.parametrize("cause", [21, 23])
def test_transformed_fp_and_atomics_are_nested_page_faults(word: int, cause: int) -> None:
    got = run(gpf(cause, UART, htinst=transform(word)))
    assert got == Decoded(NestedPageFault(UART, R if cause == 21 else W), SEPC)


@pytest.mark.parametrize("data", [b"\x1f\x00\x00\x00\x00\x00", b"\x3f\x00", b"\x7f\x00\x00\x00\x00\x00\x00\x00"])
def test_48_bit_and_longer_encodings_are_nested_page_faults(data: bytes) -> None:
    assert run(gpf(23, UART, insn_bytes=data)) == Decoded(NestedPageFault(UART, W), SEPC)


# --- GPA composition ----------------------------------------------------------------------------


def test_gpa_is_htval_shifted_plus_stval_low_bits() -> None:
    t = trap(21, stval=0xFFFF_FFC0_0000_1237, htval=0x2000_0485, insn_bytes=le(load("LBU", 1), 4))
    assert run(t).exit.addr == 0x8000_1217  # type: ignore[attr-defined]


def test_gpa_wraps_to_64_bits() -> None:
    t = trap(23, stval=3, htval=M64, insn_bytes=le(store("SB", 1), 4))
    assert run(t).exit.addr == (M64 << 2 | 3) & M64  # type: ignore[attr-defined]


def test_next_pc_wraps_to_64_bits() -> None:
    assert run(gpf(21, UART, sepc=M64 - 1, insn_bytes=le(load("LW", 1), 4))).next_pc == 2
    assert run(gpf(21, UART, sepc=M64, insn_bytes=le(c_lw(8, 9, 0), 2))).next_pc == 1


# --- implicit VS-stage page-table accesses (§4.1) ----------------------------------------------


@pytest.mark.parametrize(("htinst", "flags"), [(0x2000, R), (0x3000, R), (0x2020, W), (0x3020, W)])
@pytest.mark.parametrize("cause", [20, 21, 23])
def test_implicit_accesses_fault_on_the_pte(htinst: int, flags: MappingFlags, cause: int) -> None:
    t = trap(cause, stval=0x4000_1003, htval=0x8000_2FF8 >> 2, htinst=htinst, insn_bytes=le(load("LD", 1), 4))
    assert run(t) == Decoded(NestedPageFault(0x8000_2FF8, flags), SEPC)  # stval's low bits not ORed in


def test_implicit_access_needs_no_insn_bytes_and_wraps() -> None:
    t = trap(21, htval=M64, htinst=0x3000)
    assert run(t).exit == NestedPageFault((M64 << 2) & M64, R)


# --- instruction guest-page fault (20) ----------------------------------------------------------


@pytest.mark.parametrize("htinst", [0, transform(load("LW", 1)), 0x1234_5678])
def test_fetch_fault_is_an_execute_nested_page_fault(htinst: int) -> None:
    t = trap(20, stval=0x8040_0002, htval=0x8040_0000 >> 2, htinst=htinst)
    assert run(t) == Decoded(NestedPageFault(0x8040_0002, X), SEPC)


# --- inconsistent and incomplete records --------------------------------------------------------


@pytest.mark.parametrize("name", ["LB", "LW", "LD", "LWU"])
def test_integer_load_under_a_store_fault_is_invalid(name: str) -> None:
    assert "insn_bytes decodes to " + name + " (a load)" in invalid(gpf(23, UART, insn_bytes=le(load(name, 1), 4)))
    assert "htinst decodes to " + name + " (a load)" in invalid(gpf(23, UART, htinst=transform(load(name, 1))))


@pytest.mark.parametrize("name", ["SB", "SD"])
def test_integer_store_under_a_load_fault_is_invalid(name: str) -> None:
    message = invalid(gpf(21, UART, insn_bytes=le(store(name, 1), 4)))
    assert f"insn_bytes decodes to {name} (a store)" in message
    assert "scause 21 is a load" in message
    assert "C.SW (a store)" in invalid(gpf(21, UART, insn_bytes=le(c_sw(8, 9, 0), 2)))


def test_fp_load_under_a_store_fault_is_not_an_error() -> None:
    assert run(gpf(23, UART, insn_bytes=le(fp_load(3, 1), 4))).exit == NestedPageFault(UART, W)


@pytest.mark.parametrize("cause", [21, 23])
@pytest.mark.parametrize("data", [b"", b"\x03", b"\x03\x25", b"\x03\x25\x00"])
def test_missing_or_short_insn_bytes_are_named(cause: int, data: bytes) -> None:
    message = invalid(gpf(cause, UART, insn_bytes=data))
    assert "'insn_bytes'" in message
    assert f"holds {len(data)} byte(s)" in message


# --- exit JSON ----------------------------------------------------------------------------------


def test_decoded_json_round_trips() -> None:
    got = run(gpf(21, UART + 1, insn_bytes=le(load("LH", 10), 4)))
    data = got.to_dict()
    assert data == {"kind": "MmioRead", "addr": UART + 1, "width": 2, "reg": 10, "reg_width": 8,
                    "signed_ext": True, "next_pc": SEPC + 4}  # fmt: skip
    assert exit_from_dict(data) == got.exit
    store_json = run(gpf(23, UART, insn_bytes=le(store("SW", 5), 4), regs={5: M64})).to_dict()
    assert store_json == {"kind": "MmioWrite", "addr": UART, "width": 4, "data": 0xFFFF_FFFF, "next_pc": SEPC + 4}


def test_memo_is_bounded_and_transparent() -> None:
    for rd in range(32):
        for imm in range(0, 4096, 24):
            word = load("LW", rd, 10, imm)
            assert insn.mem_access(0, le(word, 4)) == insn.access32(word)
    assert len(insn._BYTES_MEMO) <= insn._MEMO_LIMIT
    assert run(gpf(21, UART, insn_bytes=le(load("LD", 3), 4))).exit == MmioRead(UART, D, 3, D, False)
