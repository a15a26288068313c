"""Parsing of addresses and sizes written by people: `0x8000_0000`, `128MiB`, `64K`."""

from __future__ import annotations

import re

_U64 = (1 << 64) - 1
_SIZE = re.compile(r"^\s*(0x[0-9a-f_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)\s*([a-z]*)\s*$", re.IGNORECASE)
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1 << 10,
    "ki": 1 << 10,
    "kib": 1 << 10,
    "m": 1 << 20,
    "mi": 1 << 20,
    "mib": 1 << 20,
    "g": 1 << 30,
    "gi": 1 << 30,
    "gib": 1 << 30,
    "t": 1 << 40,
    "ti": 1 << 40,
    "tib": 1 << 40,
}


def parse_size(value: object) -> int:
    """A byte count from an int or a string like `128MiB`, `64K`, `0x8000000`; ValueError otherwise."""
    number, unit = _split(value, "a size", "'0x1000', '4096' or '4KiB'")
    factor = _UNITS.get(unit.lower())
    if factor is None:
        raise ValueError(f"unknown size unit {unit!r} in {value!r}; use B, KiB, MiB, GiB or TiB (K, M, G, T)")
    return _bounded(number * factor, value)


def parse_address(value: object) -> int:
    """An address from an int or a string like `0x8000_0000`; ValueError otherwise."""
    number, unit = _split(value, "an address", "'0x80000000' or '4096'")
    if unit:
        raise ValueError(f"an address takes no unit, got {value!r}")
    return _bounded(number, value)


def _split(value: object, what: str, examples: str) -> tuple[int, str]:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if isinstance(value, int):
        return value, ""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be an integer or a string like {examples}, got {value!r}")
    match = _SIZE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not {what}; write it like {examples}")
    return int(match.group(1).replace("_", ""), 0), match.group(2)


def _bounded(number: int, original: object) -> int:
    if not 0 <= number <= _U64:
        raise ValueError(f"{original!r} is outside 0..2**64-1")
    return number
