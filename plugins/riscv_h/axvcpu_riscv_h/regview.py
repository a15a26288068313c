"""A lazy view of the hart's x0..x31 for trap records built on the exit path."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from axvcpu_core.unicorn_fast import BatchReader, FastUc

from .hart import gpr_id


class RegisterView(Sequence[int]):
    """x0..x31 read from the CPU on first use (x0 reads 0); `prefetch` loads a0..a7 in one call.

    Valid only while the trap is being decoded, before any action changes a register; a trace
    takes `snapshot()` first.
    """

    __slots__ = ("_args", "_cache", "_fast")
    is_live_view = True
    """Tells `RiscvTrap` to keep the view instead of copying it into a tuple."""

    def __init__(self, fast: FastUc, args: BatchReader) -> None:
        self._fast = fast
        self._args = args
        self._cache: dict[int, int] = {0: 0}

    def prefetch_args(self) -> None:
        """Load a0..a7 (x10..x17), the SBI registers, with one batched read."""
        for offset, value in enumerate(self._args()):
            self._cache[10 + offset] = value

    def _get(self, index: int) -> int:
        value = self._cache.get(index)
        if value is None:
            if not 0 <= index < 32:
                raise IndexError(index)
            value = self._cache[index] = self._fast.reg_read(gpr_id(index))
        return value

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[int, ...]: ...

    def __getitem__(self, index: int | slice) -> int | tuple[int, ...]:
        if isinstance(index, slice):
            return tuple(self._get(i) for i in range(32)[index])
        return self._get(index if index >= 0 else 32 + index)

    def __len__(self) -> int:
        return 32

    def __iter__(self) -> Iterator[int]:
        return (self._get(i) for i in range(32))

    def snapshot(self) -> tuple[int, ...]:
        """All 32 registers as a tuple."""
        return tuple(self)
