"""The plugin's EL2 exception vector table: alignment and the lower-EL AArch64 entries (reference §2)."""

from __future__ import annotations

from axvcpu_core.errors import AxError, AxErrorKind

VECTOR_TABLE_ALIGN = 0x800
"""VBAR_EL2 bits [10:0] are RES0: the table is 2 KiB-aligned (16 entries of 0x80 bytes)."""

LOWER_EL_AARCH64 = {"sync": 0x400, "irq": 0x480, "fiq": 0x500, "serror": 0x580}
"""Offsets of the entries a trap from an AArch64 guest (EL1/EL0) is taken through."""


def vector_entry(vbar: int, exception: str) -> int:
    """Address EL2 branches to for a lower-EL AArch64 `exception` ("sync", "irq", "fiq", "serror")."""
    offset = LOWER_EL_AARCH64.get(exception)
    if offset is None:
        raise AxError(
            AxErrorKind.InvalidData,
            f"exception {exception!r} is not one of {', '.join(LOWER_EL_AARCH64)}",
        )
    return vbar + offset
