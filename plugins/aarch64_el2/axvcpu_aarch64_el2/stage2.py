"""Stage-2 translation control: VTCR_EL2 for an IPA size, and the walk levels a VTCR_EL2 describes (§13)."""

from __future__ import annotations

from axvcpu_core.errors import AxError, AxErrorKind

IPA_BITS_MIN = 32
IPA_BITS_MAX = 48
DEFAULT_IPA_BITS = 40
THREE_LEVEL_MAX_IPA_BITS = 39
"""32-39 bit IPAs use a 3-level walk (start level 1), 40-48 bits a 4-level walk (start level 0)."""

PS_BITS = (32, 36, 40, 42, 44, 48, 52)
"""VTCR_EL2.PS (and ID_AA64MMFR0_EL1.PARange) encoding -> physical address bits."""

VTCR_RES1 = 1 << 31
_ATTRIBUTES = 0b01 << 8 | 0b01 << 10 | 0b11 << 12
"""IRGN0 = ORGN0 = write-back read/write-allocate, SH0 = inner shareable, TG0 = 0 (4 KiB granule)."""
_SL0_START_LEVEL = {0b00: 2, 0b01: 1, 0b10: 0}
"""SL0 with the 4 KiB granule; 0b11 is reserved without FEAT_TTST / FEAT_LPA2."""


def vtcr_for(ipa_bits: int, pa_bits: int = 48) -> int:
    """VTCR_EL2 for an IPA size of 32..48 bits on a host with `pa_bits` of physical address.

    PS is the smallest output size holding the IPA size (0x8002_3559 for 39 bits, 0x8005_3590 for 48).
    """
    _check_bits("IPA size", ipa_bits, range(IPA_BITS_MIN, IPA_BITS_MAX + 1))
    _check_bits("physical address size", pa_bits, PS_BITS)
    ps = next(code for code, bits in enumerate(PS_BITS) if bits >= ipa_bits)
    if PS_BITS[ps] > pa_bits:
        raise AxError(
            AxErrorKind.InvalidInput,
            f"a {ipa_bits}-bit IPA needs a {PS_BITS[ps]}-bit stage-2 output, above the host's {pa_bits} bits",
        )
    sl0 = 0b01 if ipa_bits <= THREE_LEVEL_MAX_IPA_BITS else 0b10
    return VTCR_RES1 | ps << 16 | _ATTRIBUTES | sl0 << 6 | (64 - ipa_bits)


def start_level(vtcr: int) -> int:
    """The stage-2 walk's start level (0..2) from VTCR_EL2.SL0; AxError when the VTCR is not usable."""
    if (vtcr >> 14) & 0b11:
        raise AxError(AxErrorKind.Unsupported, f"VTCR_EL2 {vtcr:#x}: only the 4 KiB granule (TG0 = 0) is modelled")
    sl0 = (vtcr >> 6) & 0b11
    level = _SL0_START_LEVEL.get(sl0)
    if level is None:
        raise AxError(AxErrorKind.InvalidData, f"VTCR_EL2 {vtcr:#x}: SL0 = 0b11 is reserved with a 4 KiB granule")
    ipa_bits = 64 - (vtcr & 0x3F)
    low, high = _ipa_range(level)
    if not low <= ipa_bits <= high:
        raise AxError(
            AxErrorKind.InvalidData,
            f"VTCR_EL2 {vtcr:#x}: a {ipa_bits}-bit IPA (T0SZ {vtcr & 0x3F}) cannot start at level {level}; "
            f"that level takes {low}..{high} bits",
        )
    return level


def levels(vtcr: int) -> int:
    """Page-table levels of the stage-2 walk VTCR_EL2 describes: 4 - start level."""
    return 4 - start_level(vtcr)


def _ipa_range(level: int) -> tuple[int, int]:
    """IPA sizes a walk starting at `level` can translate (4 KiB granule, up to 16 concatenated tables)."""
    resolved = 12 + 9 * (4 - level)
    concatenated = 4 if level > 0 else 0
    return resolved - 9 + 1, min(resolved + concatenated, IPA_BITS_MAX)


def _check_bits(label: str, value: int, allowed: range | tuple[int, ...]) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        shown = f"{allowed.start}..{allowed.stop - 1}" if isinstance(allowed, range) else str(allowed)[1:-1]
        raise AxError(AxErrorKind.InvalidInput, f"{label} {value!r} is not one of {shown}")
