"""Table-driven RISC-V instruction decoding for the trap decoder (riscv-h.md §4.2-§4.6, §5).

Memory accesses decode to a shared, precomputed `MemAccess` (or None when the plugin does not
emulate the instruction: FP, LR/SC/AMO, reserved, vector, Zcb, 48-bit and longer encodings, which
all become a NestedPageFault). SYSTEM instructions of virtual-instruction traps decode to a `CsrOp`
or raise AxError(Unsupported) naming the instruction.
"""

from __future__ import annotations

from typing import NamedTuple, NoReturn, TypeVar

from axvcpu_core.addr import AccessWidth
from axvcpu_core.errors import AxError, AxErrorKind

OP_LOAD, OP_LOAD_FP, OP_STORE, OP_STORE_FP, OP_AMO, OP_SYSTEM = 0x03, 0x07, 0x23, 0x27, 0x2F, 0x73
MEM_OPCODES: dict[int, str] = {
    OP_LOAD: "integer load",
    OP_LOAD_FP: "FP/vector load",
    OP_STORE: "integer store",
    OP_STORE_FP: "FP/vector store",
    OP_AMO: "atomic (LR/SC/AMO)",
}
"""The major opcodes of loads, stores and atomics (§4.4); only integer LOAD/STORE are emulated."""

PSEUDO_INSTRUCTIONS = frozenset({0x2000, 0x2020, 0x3000, 0x3020})
"""htinst values of implicit VS-stage page-table accesses (§4.3); bit 5 set = write."""

_TRANSFORMED_LOW7 = frozenset(op & ~2 for op in MEM_OPCODES) | frozenset(MEM_OPCODES)


class MemAccess(NamedTuple):
    """A decoded single-register integer load or store the plugin emulates as MMIO."""

    name: str
    store: bool
    width: AccessWidth
    signed_ext: bool
    reg: int
    """rd of a load or rs2 of a store, as an architectural register number (compressed: expanded)."""
    length: int
    """Length of the original instruction in bytes: 2 (compressed) or 4."""
    mask: int
    """All-ones mask of `width` (store data is masked with it)."""


_B, _H, _W, _D = AccessWidth.BYTE, AccessWidth.WORD, AccessWidth.DWORD, AccessWidth.QWORD

# (funct3 << 12 | opcode) -> (name, store, width, signed_ext); everything else is not emulated.
_INT32: dict[int, tuple[str, bool, AccessWidth, bool]] = {
    0x0003: ("LB", False, _B, True),
    0x1003: ("LH", False, _H, True),
    0x2003: ("LW", False, _W, True),
    0x3003: ("LD", False, _D, False),
    0x4003: ("LBU", False, _B, False),
    0x5003: ("LHU", False, _H, False),
    0x6003: ("LWU", False, _W, False),
    0x0023: ("SB", True, _B, False),
    0x1023: ("SH", True, _H, False),
    0x2023: ("SW", True, _W, False),
    0x3023: ("SD", True, _D, False),
}

# (funct3 << 13 | quadrant) -> (name, store, width, signed_ext, shift, field mask, register base).
_RVC: dict[int, tuple[str, bool, AccessWidth, bool, int, int, int]] = {
    0x4000: ("C.LW", False, _W, True, 2, 7, 8),
    0x6000: ("C.LD", False, _D, False, 2, 7, 8),
    0xC000: ("C.SW", True, _W, False, 2, 7, 8),
    0xE000: ("C.SD", True, _D, False, 2, 7, 8),
    0x4002: ("C.LWSP", False, _W, True, 7, 31, 0),
    0x6002: ("C.LDSP", False, _D, False, 7, 31, 0),
    0xC002: ("C.SWSP", True, _W, False, 2, 31, 0),
    0xE002: ("C.SDSP", True, _D, False, 2, 31, 0),
}

Ops = tuple[MemAccess | None, ...]


def _ops(name: str, store: bool, width: AccessWidth, signed: bool, length: int) -> Ops:
    """The 32 MemAccess values of one instruction, indexed by register number."""
    return tuple(MemAccess(name, store, width, signed, r, length, width.mask) for r in range(32))


def _table32(length: int) -> dict[int, tuple[int, Ops]]:
    return {
        key: (20 if store else 7, _ops(name, store, width, signed, length))
        for key, (name, store, width, signed) in _INT32.items()
    }


def _table_rvc() -> dict[int, tuple[int, int, int, Ops]]:
    table: dict[int, tuple[int, int, int, Ops]] = {}
    for key, (name, store, width, signed, shift, mask, base) in _RVC.items():
        ops = _ops(name, store, width, signed, 2)
        if not store and base == 0:  # C.LWSP / C.LDSP with rd = x0 are reserved
            ops = (None, *ops[1:])
        table[key] = (shift, mask, base, ops)
    return table


_T32 = {4: _table32(4), 2: _table32(2)}
_TRVC = _table_rvc()


def access32(word: int, length: int = 4) -> MemAccess | None:
    """Decode a 32-bit encoding (`length` = original length, 2 for a transformed compressed one)."""
    entry = _T32[length].get(word & 0x707F)
    if entry is None:
        return None
    shift, ops = entry
    return ops[(word >> shift) & 31]


def access16(half: int) -> MemAccess | None:
    """Decode a compressed encoding; only RV64C integer loads/stores of quadrants 0 and 2 emulate."""
    entry = _TRVC.get(half & 0xE003)
    if entry is None:
        return None
    shift, mask, base, ops = entry
    return ops[base + ((half >> shift) & mask)]


def transformed_word(htinst: int) -> int:
    """The 32-bit instruction a transformed htinst carries (§4.2), or 0 when htinst gives none.

    Transformed = bit 0 set, bits 63:32 clear and `htinst | 2` has a load, store or atomic opcode;
    its funct3 is then decoded like any instruction (reserved ones are not emulated). Any other
    value (0, pseudoinstructions, custom) carries no instruction. Length: `4 if htinst & 2 else 2`.
    """
    if htinst <= 0xFFFF_FFFF and htinst & 0x7F in _TRANSFORMED_LOW7:
        return htinst | 2
    return 0


def insn_length(first: int) -> int:
    """Length announced by the low bits of an instruction's first byte: 2, 4, or 0 for longer."""
    if first & 3 != 3:
        return 2
    return 4 if first & 0x1C != 0x1C else 0


def _short(data: bytes, need: int, why: str) -> NoReturn:
    raise AxError(
        AxErrorKind.InvalidData,
        f"trap record field 'insn_bytes' holds {len(data)} byte(s) ({data.hex() or 'empty'}) but {why} "
        f"needs a {need}-byte instruction; record the guest bytes at sepc",
    )


def access_from_bytes(data: bytes) -> MemAccess | None:
    """Decode the instruction in `insn_bytes` (§4.2 last row); AxError(InvalidData) when too short."""
    if len(data) < 2:
        _short(data, 2, "this guest-page fault")
    first = data[0]
    if first & 3 != 3:
        return access16(first | data[1] << 8)
    if first & 0x1C == 0x1C:
        return None  # 48-bit or longer: never a load/store the plugin emulates
    if len(data) < 4:
        _short(data, 4, "this guest-page fault")
    return access32(int.from_bytes(data[:4], "little"), 4)


# Memo of decoded accesses (pure functions of their key), bounded and cleared when full.
_MISS = MemAccess("", False, _B, False, 0, 0, 0)
_MEMO_LIMIT = 4096
_K = TypeVar("_K", int, bytes)
_HTINST_MEMO: dict[int, MemAccess | None] = {}
_BYTES_MEMO: dict[bytes, MemAccess | None] = {}


def _remember(memo: dict[_K, MemAccess | None], key: _K, access: MemAccess | None) -> MemAccess | None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = access
    return access


def mem_access(htinst: int, data: bytes) -> MemAccess | None:
    """The access of a load/store guest-page fault: from a transformed htinst, else from insn_bytes.

    None means "not emulated" (NestedPageFault). Pseudoinstructions must be handled before.
    """
    if htinst:
        hit = _HTINST_MEMO.get(htinst, _MISS)
        if hit is not _MISS:
            return hit
        word = transformed_word(htinst)
        if word:
            return _remember(_HTINST_MEMO, htinst, access32(word, 4 if htinst & 2 else 2))
    hit = _BYTES_MEMO.get(data, _MISS)
    if hit is not _MISS:
        return hit
    return _remember(_BYTES_MEMO, data, access_from_bytes(data))


# --- SYSTEM instructions (virtual-instruction traps, §5) ---------------------------------------

CSR_TIME = 0xC01
HALT, CSR_READ, CSR_WRITE_REG, CSR_WRITE_IMM = 0, 1, 2, 3
WFI = 0x10500073


class CsrOp(NamedTuple):
    """A virtual instruction the plugin emulates: WFI, a pure CSR read, or a pure CSR write."""

    kind: int
    """HALT, CSR_READ (operand = rd), CSR_WRITE_REG (operand = rs1) or CSR_WRITE_IMM (operand = uimm)."""
    csr: int
    operand: int


_HALT_OP = CsrOp(HALT, 0, 0)
_CSR_NAMES = {1: "CSRRW", 2: "CSRRS", 3: "CSRRC", 5: "CSRRWI", 6: "CSRRSI", 7: "CSRRCI"}
_PRIV_WORDS = {
    0x00000073: "ECALL",
    0x00100073: "EBREAK",
    0x10200073: "SRET",
    0x30200073: "MRET",
    0x7B200073: "DRET",
    0x00D00073: "WRS.NTO",
    0x01D00073: "WRS.STO",
    0x18000073: "SFENCE.W.INVAL",
    0x18100073: "SFENCE.INVAL.IR",
}
_PRIV_FUNCT7 = {
    0x09: "SFENCE.VMA",
    0x0B: "SINVAL.VMA",
    0x11: "HFENCE.VVMA",
    0x13: "HINVAL.VVMA",
    0x31: "HFENCE.GVMA",
    0x33: "HINVAL.GVMA",
}
# (funct7, rs2) of funct3 = 100 loads; stores are funct7 only (rs2 is the data register).
_HLV = {
    (0x30, 0): "HLV.B", (0x30, 1): "HLV.BU", (0x32, 0): "HLV.H", (0x32, 1): "HLV.HU",
    (0x32, 3): "HLVX.HU", (0x34, 0): "HLV.W", (0x34, 1): "HLV.WU", (0x34, 3): "HLVX.WU",
    (0x36, 0): "HLV.D",
}  # fmt: skip
_HSV = {0x31: "HSV.B", 0x33: "HSV.H", 0x35: "HSV.W", 0x37: "HSV.D"}


def system_name(word: int) -> str:
    """Mnemonic of a 32-bit instruction for error messages (SYSTEM ones by name)."""
    if word & 0x7F != OP_SYSTEM:
        return f"opcode {word & 0x7F:#04x}, not a SYSTEM instruction"
    funct3, funct7 = (word >> 12) & 7, word >> 25
    if funct3 == 0:
        named = _PRIV_WORDS.get(word) or (_PRIV_FUNCT7.get(funct7) if (word >> 7) & 31 == 0 else None)
        return named or "unknown privileged SYSTEM instruction"
    if funct3 == 4:
        return _HLV.get((funct7, (word >> 20) & 31)) or _HSV.get(funct7) or "unknown HLV/HSV instruction"
    return _CSR_NAMES[funct3]


def _unsupported(message: str) -> NoReturn:
    raise AxError(AxErrorKind.Unsupported, message)


def decode_system(word: int) -> CsrOp:
    """Decode a virtual-instruction trap's instruction (§5); AxError(Unsupported) for the rest."""
    if word == WFI:
        return _HALT_OP
    funct3 = (word >> 12) & 7
    if word & 0x7F != OP_SYSTEM or funct3 in (0, 4):
        _unsupported(f"virtual instruction {word:#010x} ({system_name(word)}) is not emulated")
    csr, src, rd = word >> 20, (word >> 15) & 31, (word >> 7) & 31
    if funct3 in (2, 3, 6, 7) and src == 0:
        return CsrOp(CSR_READ, csr, rd)
    if funct3 in (1, 5) and rd == 0:
        return CsrOp(CSR_WRITE_REG if funct3 == 1 else CSR_WRITE_IMM, csr, src)
    source = f"x{src}" if funct3 < 4 else str(src)
    _unsupported(
        f"read-modify-write CSR access {_CSR_NAMES[funct3]} x{rd}, {csr:#05x}, {source} ({word:#010x}) "
        "is not emulated: only pure reads (rs1/uimm = 0) and pure writes (rd = x0) are"
    )


def virtual_insn_word(stval: int, data: bytes) -> int:
    """The instruction of a virtual-instruction trap: stval if non-zero, else insn_bytes (§5).

    Only 32-bit encodings decode: anything else raises AxError(Unsupported); missing or short
    insn_bytes (when stval is 0) raise AxError(InvalidData).
    """
    if stval:
        if stval > 0xFFFF_FFFF or insn_length(stval & 0xFF) != 4:
            _unsupported(f"virtual instruction in stval {stval:#x} is not a 32-bit encoding")
        return stval
    if len(data) < 2:
        _short(data, 2, "a virtual-instruction trap with stval = 0")
    if insn_length(data[0]) != 4:
        _unsupported(f"virtual instruction in insn_bytes {data.hex()!r} is not a 32-bit encoding")
    if len(data) < 4:
        _short(data, 4, "a virtual-instruction trap with stval = 0")
    return int.from_bytes(data[:4], "little")
