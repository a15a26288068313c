"""Minimal version-range checks for the plugin API (`">=1.0,<2"`)."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable

from .errors import AxError, AxErrorKind

_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+)*)\s*$")
_OPS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}


def parse_version(text: str) -> tuple[int, ...]:
    """`"1.2"` -> (1, 2); AxError(InvalidInput) for anything else."""
    if not re.fullmatch(r"\d+(?:\.\d+)*", text.strip()):
        raise AxError(AxErrorKind.InvalidInput, f"version {text!r} is not dotted numbers like 1.0")
    return tuple(int(p) for p in text.strip().split("."))


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def version_in_range(version: str, spec: str) -> bool:
    """Whether `version` satisfies every comma-separated clause of `spec`."""
    have = parse_version(version)
    clauses = [c for c in spec.split(",") if c.strip()]
    if not clauses:
        raise AxError(AxErrorKind.InvalidInput, f"version range {spec!r} is empty")
    for clause in clauses:
        match = _CLAUSE.match(clause)
        if match is None:
            raise AxError(AxErrorKind.InvalidInput, f"version range clause {clause.strip()!r} is not like '>=1.0'")
        left, right = _padded(have, parse_version(match.group(2)))
        if not _OPS[match.group(1)](left, right):
            return False
    return True
