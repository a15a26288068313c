"""Which A32 instructions the example model emulates as MMIO: a table of encodings, nothing else.

Only single-register loads and stores with an immediate offset and no writeback (P = 1, W = 0):

    LDR/STR/LDRB/STRB    cond 010 P U B W L  Rn Rt imm12
    LDRH/STRH/LDRSB/LDRSH cond 000 P U 1 W L  Rn Rt imm4 1 S H 1 imm4

Anything else that touches unmapped memory (LDM/STM, LDRD/STRD, register offsets, writeback,
exclusives, loads into the PC) is not emulated: the decoder reports a NestedPageFault instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from axvcpu_core.addr import AccessWidth

from .registers import PC

_WORD_BYTE = 0x0F70_0000
"""Bits that identify the word/byte forms: the 010 class, P, B, W and L."""
_HALF_SIGNED = 0x0F70_00F0
"""Bits that identify the halfword/signed forms: the 000 class, P, immediate, W, L and 1 S H 1."""


@dataclass(frozen=True)
class LoadStore:
    """One row of the table: an encoding pattern and what the instruction does."""

    name: str
    mask: int
    match: int
    load: bool
    width: AccessWidth
    signed: bool = False


TABLE: tuple[LoadStore, ...] = (
    LoadStore("STR", _WORD_BYTE, 0x0500_0000, False, AccessWidth.DWORD),
    LoadStore("LDR", _WORD_BYTE, 0x0510_0000, True, AccessWidth.DWORD),
    LoadStore("STRB", _WORD_BYTE, 0x0540_0000, False, AccessWidth.BYTE),
    LoadStore("LDRB", _WORD_BYTE, 0x0550_0000, True, AccessWidth.BYTE),
    LoadStore("STRH", _HALF_SIGNED, 0x0140_00B0, False, AccessWidth.WORD),
    LoadStore("LDRH", _HALF_SIGNED, 0x0150_00B0, True, AccessWidth.WORD),
    LoadStore("LDRSB", _HALF_SIGNED, 0x0150_00D0, True, AccessWidth.BYTE, signed=True),
    LoadStore("LDRSH", _HALF_SIGNED, 0x0150_00F0, True, AccessWidth.WORD, signed=True),
)
"""Every instruction the model emulates (U, the offset sign, is free in every row)."""


def load_store(word: int) -> tuple[LoadStore, int] | None:
    """(table row, Rt) for an emulated load/store, or None for any other instruction."""
    if word >> 28 == 0xF:
        return None  # the unconditional space (PLD, ...) holds no plain loads or stores
    rt = (word >> 12) & 0xF
    if rt == PC:
        return None  # a load into the PC is a branch; a stored PC value is implementation defined
    for row in TABLE:
        if word & row.mask == row.match:
            return row, rt
    return None
