"""The riscv64 guest programs: flat images assembled from the `NAME.S` sources next to this file.

Each program has `NAME.bin` (raw bytes, loaded at the start of RAM, entered at its first byte,
position-independent) and `NAME.json` (entry offset, image size, symbol offsets from the image
start, global constants, and for `mmio` the list of device accesses). `build.py` rebuilds both
from the sources with GNU binutils; the package itself needs no toolchain.

Programs: `demo` (the built-in SMP demo), `mmio`, `csr`, `wfi`, `fetch_fault`, `cpu`,
`hypercall`, `loop` (scenario guests for the exit kinds; see the comment at the top of each source).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any, Final

from axvcpu_core.errors import AxError, AxErrorKind

__all__ = ["GUESTS_DIR", "guest_bytes", "guest_info", "guest_names", "guest_symbols"]

GUESTS_DIR: Final[Path] = Path(__file__).resolve().parent


def guest_names() -> list[str]:
    """Names of the available guest programs (those with both NAME.bin and NAME.json), sorted."""
    return sorted(p.stem for p in GUESTS_DIR.glob("*.bin") if p.with_suffix(".json").is_file())


def _checked(name: str) -> str:
    known = guest_names()
    if name not in known:
        raise AxError(
            AxErrorKind.NotFound,
            f"no riscv64 guest program named {name!r}; known guests: {', '.join(known) or '(none)'}",
        )
    return name


def guest_bytes(name: str) -> bytes:
    """The flat image of guest `name` (raw bytes; load it at the start of RAM, enter at entry_offset)."""
    return (GUESTS_DIR / f"{_checked(name)}.bin").read_bytes()


@cache
def _load_info(name: str) -> dict[str, Any]:
    info = json.loads((GUESTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    if not isinstance(info, dict):
        raise AxError(AxErrorKind.InvalidData, f"{name}.json is not a JSON object; rebuild it with build.py")
    return info


def guest_info(name: str) -> dict[str, Any]:
    """The parsed NAME.json of guest `name` (a fresh copy each call: the caller may modify it)."""
    return copy.deepcopy(_load_info(_checked(name)))


def guest_symbols(name: str) -> dict[str, int]:
    """Symbol name -> offset from the image start, for guest `name`."""
    symbols = _load_info(_checked(name)).get("symbols", {})
    return {str(k): int(v) for k, v in symbols.items()}
