"""`axvcpu decode`: JSON trap records in, decoded exits (or typed errors) out."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from .errors import AxError, AxErrorKind
from .registry import LoadedArch
from .services import OfflineServices


def decode_one(arch: LoadedArch, text: str) -> dict[str, Any]:
    """Decode one JSON record (or trace line) to its decoded-exit dict; AxError if it cannot be."""
    spec = arch.descriptor.decoder
    if spec is None:
        raise AxError(AxErrorKind.Unsupported, f"arch {arch.name} has no decoder yet")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise AxError(AxErrorKind.InvalidData, f"not JSON: {err.msg} at column {err.colno}") from None
    if isinstance(obj, dict) and "trap" in obj and "exit" in obj:
        obj = obj["trap"]
    if not isinstance(obj, dict):
        raise AxError(AxErrorKind.InvalidData, f"a trap record must be a JSON object, got {type(obj).__name__}")
    return spec.decode(spec.parse(obj), OfflineServices()).to_dict()


def decode_lines(arch: LoadedArch, lines: Iterable[str], emit: Callable[[str], None]) -> int:
    """Decode every non-blank line; returns how many failed."""
    failures = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            out: dict[str, Any] = decode_one(arch, line)
        except AxError as err:
            failures += 1
            out = {"error": err.to_dict()}
        emit(json.dumps(out))
    return failures
