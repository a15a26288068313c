"""The arm32 example's guest programs: flat images assembled from the `NAME.S` sources next to this file.

Each program has `NAME.bin` (raw bytes, loaded at the start of RAM, entered at its first byte) and
`NAME.json` (image size, sha256, label offsets from the image start). `build.py` rebuilds both with
keystone-engine; the package itself needs no assembler.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from axvcpu_core.errors import AxError, AxErrorKind

GUESTS_DIR = Path(__file__).resolve().parent


def guest_names() -> list[str]:
    """Names of the available programs (those with both NAME.bin and NAME.json), sorted."""
    return sorted(p.stem for p in GUESTS_DIR.glob("*.bin") if p.with_suffix(".json").is_file())


def _checked(name: str) -> str:
    if name not in guest_names():
        raise AxError(AxErrorKind.NotFound, f"no arm32 guest named {name!r}; known: {', '.join(guest_names())}")
    return name


def guest_bytes(name: str) -> bytes:
    """The flat image of guest `name`."""
    return (GUESTS_DIR / f"{_checked(name)}.bin").read_bytes()


@cache
def guest_symbols(name: str) -> dict[str, int]:
    """Label -> offset from the image start, for guest `name`."""
    info = json.loads((GUESTS_DIR / f"{_checked(name)}.json").read_text(encoding="utf-8"))
    return {str(label): int(offset) for label, offset in info["symbols"].items()}
