"""The EPT pointer (VMCS 0x201A) the vCPU loads for a stage-2 root (§13)."""

from __future__ import annotations

from axvcpu_core.errors import AxError, AxErrorKind

EPTP_FLAGS = 0x5E
"""Memory type 6 (WB) in bits 2:0, walk length 4 - 1 in bits 5:3, accessed/dirty flags (bit 6)."""
_ROOT_LIMIT = 1 << 52
"""Bits 51:12 hold the root; higher bits are reserved."""


def eptp_for(root: int) -> int:
    """`root | 0x5E` for a 4 KiB-aligned PML4 address below 2**52; AxError(InvalidInput) otherwise."""
    if isinstance(root, bool) or not isinstance(root, int):
        raise AxError(AxErrorKind.InvalidInput, f"EPT root must be an integer address, got {root!r}")
    if not 0 <= root < _ROOT_LIMIT:
        raise AxError(AxErrorKind.InvalidInput, f"EPT root {root:#x} is outside 0..2**52-1 (EPTP bits 51:12)")
    if root & 0xFFF:
        raise AxError(
            AxErrorKind.InvalidInput,
            f"EPT root {root:#x} is not 4 KiB-aligned; pass the PML4 table's frame address",
        )
    return int(root) | EPTP_FLAGS
