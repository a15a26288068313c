"""What the simulated hart writes into htinst and how it classifies illegal instructions.

Real H harts report a *transformed* instruction in htinst for guest-page faults on explicit
loads, stores and atomics (riscv-h.md §4.3): the address-offset field replaces rs1 and the
immediate is cleared; a compressed original is expanded first and bit 1 cleared.
"""

from __future__ import annotations

from typing import NamedTuple

from . import insn

_OP_LOAD, _OP_LOAD_FP, _OP_STORE, _OP_STORE_FP, _OP_AMO = 0x03, 0x07, 0x23, 0x27, 0x2F
_KEEP = {
    _OP_LOAD: 0x0000_7FFF,  # funct3, rd, opcode
    _OP_LOAD_FP: 0x0000_7FFF,
    _OP_STORE: 0x01F0_707F,  # rs2, funct3, opcode
    _OP_STORE_FP: 0x01F0_707F,
    _OP_AMO: 0xFFF0_7FFF,  # funct5|aq|rl, rs2, funct3, rd, opcode
}
_FUNCT3 = {"LB": 0, "LH": 1, "LW": 2, "LD": 3, "LBU": 4, "LHU": 5, "LWU": 6, "SB": 0, "SH": 1, "SW": 2, "SD": 3}


def transform(word: int) -> int:
    """htinst for a fault on the 32-bit (or 16-bit, low half) instruction `word`; 0 if none applies."""
    if word & 3 == 3:
        keep = _KEEP.get(word & 0x7F)
        return word & keep if keep is not None else 0
    access = insn.access16(word & 0xFFFF)
    if access is None:
        return 0
    name = access.name.removeprefix("C.").removesuffix("SP")
    funct3 = _FUNCT3[name]
    if access.store:
        return (access.reg << 20) | (funct3 << 12) | (_OP_STORE & ~2)
    return (funct3 << 12) | (access.reg << 7) | (_OP_LOAD & ~2)


def is_virtual_instruction(word: int) -> bool:
    """Whether a 32-bit instruction that Unicorn refused is a virtual-instruction trap on H.

    With hstatus.VTW = 1 and hcounteren = 0: WFI; counter reads (cycle/time/instret/hpmcounter);
    HLV/HLVX/HSV; HFENCE; and accesses to hypervisor (0x6xx, 0xAxx, 0xExx) or VS (0x2xx) CSRs.
    Everything else is an illegal instruction the guest handles itself.
    """
    if word & 0x7F != 0x73:
        return False
    funct3 = (word >> 12) & 7
    if funct3 == 0:
        funct7 = word >> 25
        return word == 0x1050_0073 or funct7 in (0b0010001, 0b0110001)
    if funct3 == 4:
        return True
    csr = word >> 20
    return 0xC00 <= csr <= 0xC1F or (csr >> 8) in (0x2, 0x6, 0xA, 0xE)


def counter_reads(code: bytes, base: int) -> list[int]:
    """Addresses of CSR reads of cycle, instret or hpmcounter3..31 (not time) in `code` at `base`.

    Scans every 2-byte offset (RVC code mixes lengths); data that happens to look like such an
    instruction only costs a hook that never fires.
    """
    found = []
    for offset in range(0, len(code) - 3, 2):
        if code[offset] & 0x7F != 0x73:
            continue
        word = int.from_bytes(code[offset : offset + 4], "little")
        csr, funct3, source = word >> 20, (word >> 12) & 7, (word >> 15) & 31
        if funct3 in (2, 3, 6, 7) and source == 0 and 0xC00 <= csr <= 0xC1F and csr != 0xC01:
            found.append(base + offset)
    return found


def _sext(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) & 1 else value


def _bits(word: int, pairs: tuple[tuple[int, int, int], ...]) -> int:
    """Gather (source high bit, source low bit, destination low bit) fields of `word`."""
    value = 0
    for high, low, dest in pairs:
        value |= ((word >> low) & ((1 << (high - low + 1)) - 1)) << dest
    return value


# Compressed loads/stores: (funct3 << 13 | quadrant) -> (base register field or 2 = sp, offset layout).
_RVC_OFFSETS: dict[int, tuple[int | None, tuple[tuple[int, int, int], ...]]] = {
    0x2000: (None, ((12, 10, 3), (6, 5, 6))),  # C.FLD
    0x4000: (None, ((12, 10, 3), (6, 6, 2), (5, 5, 6))),  # C.LW
    0x6000: (None, ((12, 10, 3), (6, 5, 6))),  # C.LD
    0xA000: (None, ((12, 10, 3), (6, 5, 6))),  # C.FSD
    0xC000: (None, ((12, 10, 3), (6, 6, 2), (5, 5, 6))),  # C.SW
    0xE000: (None, ((12, 10, 3), (6, 5, 6))),  # C.SD
    0x2002: (2, ((12, 12, 5), (6, 5, 3), (4, 2, 6))),  # C.FLDSP
    0x4002: (2, ((12, 12, 5), (6, 4, 2), (3, 2, 6))),  # C.LWSP
    0x6002: (2, ((12, 12, 5), (6, 5, 3), (4, 2, 6))),  # C.LDSP
    0xA002: (2, ((12, 10, 3), (9, 7, 6))),  # C.FSDSP
    0xC002: (2, ((12, 9, 2), (8, 7, 6))),  # C.SWSP
    0xE002: (2, ((12, 10, 3), (9, 7, 6))),  # C.SDSP
}


def address_operand(word: int) -> tuple[int, int] | None:
    """(base register, offset) of a load/store/AMO, so that the address is x[base] + offset; else None."""
    if word & 3 == 3:
        opcode = word & 0x7F
        rs1 = (word >> 15) & 31
        if opcode in (_OP_LOAD, _OP_LOAD_FP):
            return rs1, _sext(word >> 20, 12)
        if opcode in (_OP_STORE, _OP_STORE_FP):
            return rs1, _sext(((word >> 25) << 5) | ((word >> 7) & 31), 12)
        if opcode == _OP_AMO:
            return rs1, 0
        return None
    half = word & 0xFFFF
    entry = _RVC_OFFSETS.get(half & 0xE003)
    if entry is None:
        return None
    base, layout = entry
    return (8 + ((half >> 7) & 7) if base is None else base), _bits(half, layout)


class InsnInfo(NamedTuple):
    """What the hart needs about the instruction at a faulting PC, derived from its bytes only."""

    length: int
    raw: bytes
    """The instruction's own bytes (2 or 4)."""
    operand: tuple[int, int] | None
    """(base register, offset) of its address operand, if it accesses memory."""
    htinst: int
    """The transformed instruction a real hart writes to htinst (0 if none applies)."""
    load_dest: int | None
    """rd of an emulated integer load."""
    is_amo: bool
    """An LR/SC/AMO: a real hart reports its faults as store/AMO faults (cause 23)."""


_INFO_CACHE: dict[bytes, InsnInfo] = {}
_INFO_CACHE_LIMIT = 4096


def insn_info(data: bytes) -> InsnInfo:
    """Facts about the instruction starting `data` (2 to 4 bytes); cached by those bytes."""
    info = _INFO_CACHE.get(data)
    if info is None:
        if len(_INFO_CACHE) >= _INFO_CACHE_LIMIT:
            _INFO_CACHE.clear()
        info = _INFO_CACHE[data] = _derive(data)
    return info


def _derive(data: bytes) -> InsnInfo:
    length = 2 if data[0] & 3 != 3 else 4
    word = int.from_bytes(data[:length], "little")
    access = insn.access16(word) if length == 2 else insn.access32(word)
    load_dest = access.reg if access is not None and not access.store else None
    is_amo = length == 4 and word & 0x7F == _OP_AMO
    return InsnInfo(length, bytes(data[:length]), address_operand(word), transform(word), load_dest, is_amo)
