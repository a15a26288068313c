"""Instruction encoders and trap builders shared by the riscv64 decoder tests, cross-checked here.

Every encoder composes an instruction from its bit fields (riscv-h.md §4.3-§4.5, §5); the known
words below were produced by GNU as 2.40 (`riscv64-linux-gnu-as -march=rv64gch`), so the tests
never need the assembler. Other test modules import the helpers from this module.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from axvcpu_core.addr import AccessWidth
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.services import OfflineServices
from axvcpu_riscv_h import insn
from axvcpu_riscv_h.record import REG_INDEX, RiscvTrap

M64 = (1 << 64) - 1
IRQ = 1 << 63

# --- 32-bit encoders ----------------------------------------------------------------------------

LOAD_FUNCT3 = {"LB": 0, "LH": 1, "LW": 2, "LD": 3, "LBU": 4, "LHU": 5, "LWU": 6}
STORE_FUNCT3 = {"SB": 0, "SH": 1, "SW": 2, "SD": 3}
AMO_FUNCT5 = {"AMOADD": 0, "AMOSWAP": 1, "LR": 2, "SC": 3, "AMOXOR": 4, "AMOCAS": 5, "AMOOR": 8,
              "AMOAND": 12, "AMOMIN": 16, "AMOMAX": 20, "AMOMINU": 24, "AMOMAXU": 28}  # fmt: skip


def i_type(opcode: int, funct3: int, rd: int, rs1: int, imm: int) -> int:
    """I-type: imm[11:0] 31:20, rs1 19:15, funct3 14:12, rd 11:7, opcode 6:0."""
    return (imm & 0xFFF) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode


def s_type(opcode: int, funct3: int, rs1: int, rs2: int, imm: int) -> int:
    """S-type: imm[11:5] 31:25, rs2 24:20, rs1 19:15, funct3 14:12, imm[4:0] 11:7, opcode 6:0."""
    return ((imm >> 5) & 0x7F) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (imm & 0x1F) << 7 | opcode


def r_type(opcode: int, funct3: int, funct7: int, rd: int, rs1: int, rs2: int) -> int:
    """R-type: funct7 31:25, rs2 24:20, rs1 19:15, funct3 14:12, rd 11:7, opcode 6:0."""
    return funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode


def load(name: str, rd: int, rs1: int = 10, imm: int = 0) -> int:
    """An integer load (LB..LWU)."""
    return i_type(0x03, LOAD_FUNCT3[name], rd, rs1, imm)


def store(name: str, rs2: int, rs1: int = 10, imm: int = 0) -> int:
    """An integer store (SB..SD)."""
    return s_type(0x23, STORE_FUNCT3[name], rs1, rs2, imm)


def fp_load(funct3: int, rd: int, rs1: int = 10, imm: int = 0) -> int:
    """LOAD-FP: 1 FLH, 2 FLW, 3 FLD, 4 FLQ, others vector."""
    return i_type(0x07, funct3, rd, rs1, imm)


def fp_store(funct3: int, rs2: int, rs1: int = 10, imm: int = 0) -> int:
    """STORE-FP: 1 FSH, 2 FSW, 3 FSD, 4 FSQ, others vector."""
    return s_type(0x27, funct3, rs1, rs2, imm)


def amo(name: str, funct3: int, rd: int, rs1: int, rs2: int, aq: int = 0, rl: int = 0) -> int:
    """An atomic: funct5 | aq | rl in 31:25."""
    return r_type(0x2F, funct3, AMO_FUNCT5[name] << 2 | aq << 1 | rl, rd, rs1, rs2)


def csr_insn(funct3: int, rd: int, rs1: int, csr: int) -> int:
    """A Zicsr instruction: csr 31:20, rs1/uimm 19:15 (1 CSRRW .. 7 CSRRCI)."""
    return i_type(0x73, funct3, rd, rs1, csr)


CSRRW, CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI = 1, 2, 3, 5, 6, 7
ECALL, EBREAK, SRET, WFI = 0x00000073, 0x00100073, 0x10200073, 0x10500073
RDTIME_A0 = 0xC0102573


# --- compressed encoders (rd'/rs1'/rs2' given as full numbers x8..x15) --------------------------


def _prime(reg: int) -> int:
    assert 8 <= reg <= 15, f"x{reg} has no 3-bit compressed form"
    return reg - 8


def _cl_w(funct3: int, r: int, rs1: int, off: int) -> int:
    """CL/CS word format: off[5:3] 12:10, rs1' 9:7, off[2] 6, off[6] 5, r' 4:2, quadrant 0."""
    assert off % 4 == 0
    assert 0 <= off < 128
    return (funct3 << 13 | ((off >> 3) & 7) << 10 | _prime(rs1) << 7 | ((off >> 2) & 1) << 6
            | ((off >> 6) & 1) << 5 | _prime(r) << 2)  # fmt: skip


def _cl_d(funct3: int, r: int, rs1: int, off: int) -> int:
    """CL/CS double format: off[5:3] 12:10, rs1' 9:7, off[7:6] 6:5, r' 4:2, quadrant 0."""
    assert off % 8 == 0
    assert 0 <= off < 256
    return funct3 << 13 | ((off >> 3) & 7) << 10 | _prime(rs1) << 7 | ((off >> 6) & 3) << 5 | _prime(r) << 2


def c_lw(rd: int, rs1: int, off: int) -> int:
    return _cl_w(0b010, rd, rs1, off)


def c_ld(rd: int, rs1: int, off: int) -> int:
    return _cl_d(0b011, rd, rs1, off)


def c_sw(rs2: int, rs1: int, off: int) -> int:
    return _cl_w(0b110, rs2, rs1, off)


def c_sd(rs2: int, rs1: int, off: int) -> int:
    return _cl_d(0b111, rs2, rs1, off)


def c_fld(rd: int, rs1: int, off: int) -> int:
    return _cl_d(0b001, rd, rs1, off)


def c_fsd(rs2: int, rs1: int, off: int) -> int:
    return _cl_d(0b101, rs2, rs1, off)


def c_lwsp(rd: int, off: int) -> int:
    """off[5] 12, rd 11:7, off[4:2] 6:4, off[7:6] 3:2, quadrant 2."""
    assert off % 4 == 0
    assert 0 <= off < 256
    return 0b010 << 13 | ((off >> 5) & 1) << 12 | rd << 7 | ((off >> 2) & 7) << 4 | ((off >> 6) & 3) << 2 | 2


def _c_ldsp(funct3: int, rd: int, off: int) -> int:
    """off[5] 12, rd 11:7, off[4:3] 6:5, off[8:6] 4:2, quadrant 2."""
    assert off % 8 == 0
    assert 0 <= off < 512
    return funct3 << 13 | ((off >> 5) & 1) << 12 | rd << 7 | ((off >> 3) & 3) << 5 | ((off >> 6) & 7) << 2 | 2


def c_ldsp(rd: int, off: int) -> int:
    return _c_ldsp(0b011, rd, off)


def c_fldsp(rd: int, off: int) -> int:
    return _c_ldsp(0b001, rd, off)


def c_swsp(rs2: int, off: int) -> int:
    """off[5:2] 12:9, off[7:6] 8:7, rs2 6:2, quadrant 2."""
    assert off % 4 == 0
    assert 0 <= off < 256
    return 0b110 << 13 | ((off >> 2) & 15) << 9 | ((off >> 6) & 3) << 7 | rs2 << 2 | 2


def _c_sdsp(funct3: int, rs2: int, off: int) -> int:
    """off[5:3] 12:10, off[8:6] 9:7, rs2 6:2, quadrant 2."""
    assert off % 8 == 0
    assert 0 <= off < 512
    return funct3 << 13 | ((off >> 3) & 7) << 10 | ((off >> 6) & 7) << 7 | rs2 << 2 | 2


def c_sdsp(rs2: int, off: int) -> int:
    return _c_sdsp(0b111, rs2, off)


def c_fsdsp(rs2: int, off: int) -> int:
    return _c_sdsp(0b101, rs2, off)


# --- htinst transformation ----------------------------------------------------------------------

_KEEP = {0x03: 0x0000_7FFF, 0x07: 0x0000_7FFF, 0x23: 0x01F0_707F, 0x27: 0x01F0_707F, 0x2F: 0xFFF0_7FFF}


def transform(word: int, compressed: bool = False, offset: int = 0) -> int:
    """The htinst a hart writes for a faulting 32-bit (or already expanded compressed) access (§4.3)."""
    htinst = (word & _KEEP[word & 0x7F]) | offset << 15
    return htinst & ~2 if compressed else htinst


# --- traps and services -------------------------------------------------------------------------


def le(value: int, size: int) -> bytes:
    """`size` little-endian bytes."""
    return value.to_bytes(size, "little")


def regs_tuple(regs: Mapping[int | str, int] | None = None) -> tuple[int, ...]:
    """x0..x31 from {number or name: value}."""
    values = [0] * 32
    for key, value in (regs or {}).items():
        values[key if isinstance(key, int) else REG_INDEX[key]] = value
    return tuple(values)


def trap(
    scause: int,
    *,
    stval: int = 0,
    htval: int = 0,
    htinst: int = 0,
    sepc: int = 0x8020_0000,
    hstatus: int = 0x2_0000_0180,
    regs: Mapping[int | str, int] | None = None,
    insn_bytes: bytes = b"",
) -> RiscvTrap:
    """A hand-built trap record."""
    return RiscvTrap(scause, stval, htval, htinst, sepc, hstatus, regs_tuple(regs), insn_bytes)


def gpf(scause: int, gpa: int, **kwargs: object) -> RiscvTrap:
    """A guest-page fault at `gpa` (GVA = GPA: stval supplies the low bits, htval = gpa >> 2)."""
    return trap(scause, stval=gpa, htval=gpa >> 2, **kwargs)  # type: ignore[arg-type]


class LiveServices(OfflineServices):
    """A stand-in for a live VMM: RAM regions, vCPU states; mutating calls are forbidden.

    It subclasses OfflineServices only for the protocol's other methods: the decoder treats
    exactly `OfflineServices` (not subclasses) as "offline".
    """

    def __init__(self, ram: Mapping[int, bytes] | None = None, states: Mapping[int, str] | None = None):
        self.ram = dict(ram or {})
        self.states = dict(states if states is not None else {0: "started", 1: "stopped"})
        self.reads: list[tuple[int, int]] = []

    def time_ns(self) -> int:
        return 123_456_700

    def vcpu_count(self) -> int:
        return len(self.states)

    def vcpu_status(self, vcpu_id: int) -> str:
        if vcpu_id not in self.states:
            raise AxError(AxErrorKind.NotFound, f"no vCPU {vcpu_id}")
        return self.states[vcpu_id]

    def read_guest(self, gpa: int, size: int) -> bytes:
        self.reads.append((gpa, size))
        for base, data in self.ram.items():
            if base <= gpa and gpa + size <= base + len(data):
                return data[gpa - base : gpa - base + size]
        raise AxError(AxErrorKind.BadAddress, f"{gpa:#x}+{size} is not RAM")

    def set_timer(self, vcpu_id: int, deadline_ns: int | None) -> None:
        raise AssertionError("the decoder must not program timers")

    def console_write(self, data: bytes) -> int:
        raise AssertionError("the decoder must not write the console")

    def console_read(self, max_bytes: int) -> bytes:
        raise AssertionError("the decoder must not read the console")

    def write_guest(self, gpa: int, data: bytes) -> None:
        raise AssertionError("the decoder must not write guest memory")


# --- cross-checks against the assembler ---------------------------------------------------------

KNOWN_WORDS = [
    (load("LB", 10, 11, 3), 0x00358503),
    (load("LH", 5, 2, -4), 0xFFC11283),
    (load("LW", 9, 15, 2047), 0x7FF7A483),
    (load("LD", 15, 31, -2048), 0x800FB783),
    (load("LBU", 31, 1, 0), 0x0000CF83),
    (load("LHU", 1, 3, 6), 0x0061D083),
    (load("LWU", 12, 13, 12), 0x00C6E603),
    (store("SB", 10, 11, 1), 0x00A580A3),
    (store("SH", 6, 2, -2), 0xFE611F23),
    (store("SW", 5, 10, 0), 0x00552023),
    (store("SD", 27, 4, 2040), 0x7FB23C23),
    (fp_load(2, 1, 10, 4), 0x00452087),
    (fp_load(3, 2, 10, 8), 0x00853107),
    (fp_store(2, 3, 10, 4), 0x00352227),
    (fp_store(3, 4, 10, 16), 0x00453827),
    (amo("LR", 2, 10, 11, 0), 0x1005A52F),
    (amo("SC", 3, 12, 14, 13, aq=1, rl=1), 0x1ED7362F),
    (amo("AMOADD", 2, 5, 7, 6, aq=1), 0x0463A2AF),
    (amo("AMOSWAP", 3, 10, 12, 11), 0x08B6352F),
    (csr_insn(CSRRS, 10, 0, 0xC01), RDTIME_A0),
    (csr_insn(CSRRS, 5, 0, 0xC00), 0xC00022F3),
    (csr_insn(CSRRW, 0, 11, 0x140), 0x14059073),
    (csr_insn(CSRRWI, 0, 5, 0x140), 0x1402D073),
    (csr_insn(CSRRS, 10, 11, 0x100), 0x1005A573),
    (csr_insn(CSRRCI, 0, 0, 0x104), 0x10407073),
    (csr_insn(CSRRSI, 13, 0, 0x144), 0x144066F3),
    (csr_insn(CSRRW, 10, 11, 0x140), 0x14059573),
    (csr_insn(CSRRWI, 10, 3, 0x140), 0x1401D573),
    (csr_insn(CSRRC, 0, 0, 0x180), 0x18003073),
    (i_type(0x73, 0, 0, 0, 0), ECALL),
    (i_type(0x73, 0, 0, 0, 1), EBREAK),
    (r_type(0x73, 0, 0x08, 0, 0, 2), SRET),
    (r_type(0x73, 0, 0x08, 0, 0, 5), WFI),
    (r_type(0x73, 0, 0x09, 0, 0, 0), 0x12000073),
    (r_type(0x73, 0, 0x09, 0, 10, 11), 0x12B50073),
    (r_type(0x73, 0, 0x11, 0, 10, 11), 0x22B50073),
    (r_type(0x73, 0, 0x31, 0, 0, 0), 0x62000073),
    (r_type(0x73, 4, 0x34, 10, 11, 0), 0x6805C573),
    (r_type(0x73, 4, 0x32, 10, 11, 3), 0x6435C573),
    (r_type(0x73, 4, 0x37, 0, 11, 10), 0x6EA5C073),
    (r_type(0x73, 4, 0x30, 5, 6, 1), 0x601342F3),
    (c_lw(10, 11, 4), 0x41C8),
    (c_ld(15, 8, 248), 0x7C7C),
    (c_sw(9, 15, 124), 0xDFE4),
    (c_sd(10, 11, 8), 0xE588),
    (c_lwsp(1, 252), 0x50FE),
    (c_ldsp(31, 504), 0x7FFE),
    (c_swsp(8, 252), 0xDFA2),
    (c_sdsp(17, 504), 0xFFC6),
    (c_fld(8, 10, 8), 0x2500),
    (c_fsd(9, 11, 16), 0xA984),
    (c_fldsp(1, 8), 0x20A2),
    (c_fsdsp(2, 16), 0xA80A),
]


@pytest.mark.parametrize(("built", "known"), KNOWN_WORDS, ids=[f"{w:#x}" for _, w in KNOWN_WORDS])
def test_encoders_match_the_assembler(built: int, known: int) -> None:
    assert built == known


def test_transform_keeps_only_the_fields_of_section_4_3() -> None:
    assert transform(load("LW", 10, 11, 0x7FF)) == 0x2503  # imm and rs1 cleared
    assert transform(store("SD", 27, 4, 2040)) == 0x01B03023  # rs2 kept, imm cleared
    assert transform(amo("SC", 3, 12, 14, 13, aq=1, rl=1)) == 0x1ED0362F  # only rs1 cleared
    assert transform(load("LW", 10, 11, 4), compressed=True) == 0x2501
    assert transform(store("SW", 5, 10, 1), offset=3) == 0x0051A023


@pytest.mark.parametrize(
    ("first", "length"), [(0x00, 2), (0x01, 2), (0x02, 2), (0x03, 4), (0x1B, 4), (0x1F, 0), (0x3F, 0), (0x7F, 0)]
)
def test_insn_length_from_the_low_bits(first: int, length: int) -> None:
    assert insn.insn_length(first) == length


def test_access32_table() -> None:
    lw = insn.access32(load("LW", 7))
    assert lw == insn.MemAccess("LW", False, AccessWidth.DWORD, True, 7, 4, 0xFFFF_FFFF)
    sd = insn.access32(transform(store("SD", 9)), 2)
    assert sd == insn.MemAccess("SD", True, AccessWidth.QWORD, False, 9, 2, M64)
    assert insn.access32(i_type(0x03, 7, 1, 2, 0)) is None  # reserved LOAD funct3
    assert insn.access32(fp_load(3, 1)) is None


def test_transformed_word_needs_bit0_low_half_and_a_memory_opcode() -> None:
    assert insn.transformed_word(0x2503) == 0x2503
    assert insn.transformed_word(0x2501) == 0x2503
    assert insn.transformed_word(0x1_0000_2503) == 0  # bits 63:32 set
    assert insn.transformed_word(0x2502) == 0  # bit 0 clear
    assert insn.transformed_word(0x2513) == 0  # OP-IMM, not a memory access
    assert insn.transformed_word(0x3000) == 0  # pseudoinstruction
    assert insn.transformed_word(0) == 0
