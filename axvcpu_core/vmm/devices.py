"""Device models and the buses that route guest accesses to them."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..errors import AxError, AxErrorKind
from .console import Console


class Device(Protocol):
    """An emulated device: accesses arrive as offsets into its window."""

    def read(self, offset: int, width: int) -> int:
        """Value of a `width`-byte read at `offset`."""
        ...

    def write(self, offset: int, width: int, value: int) -> None:
        """A `width`-byte write of `value` at `offset`."""
        ...


class Ns16550a:
    """The ns16550a UART of QEMU virt (register stride 1): transmit to the console, receive from it."""

    _THR, _IER, _IIR, _LCR, _MCR, _LSR, _MSR, _SCR = range(8)

    def __init__(self, console: Console) -> None:
        self._console = console
        self._regs = [0] * 8
        self._dll = 0
        self._dlm = 0

    def _dlab(self) -> bool:
        return bool(self._regs[self._LCR] & 0x80)

    def read(self, offset: int, width: int) -> int:
        """Register read (only the low byte of a wider access is meaningful)."""
        reg = offset & 7
        if reg == self._THR:
            return self._dll if self._dlab() else (self._console.read(1) or b"\0")[0]
        if reg == self._IER and self._dlab():
            return self._dlm
        if reg == self._IIR:
            return 0xC1
        if reg == self._LSR:
            return 0x60 | (1 if self._console.has_input else 0)
        if reg == self._MSR:
            return 0xB0
        return self._regs[reg]

    def write(self, offset: int, width: int, value: int) -> None:
        """Register write: THR transmits one byte."""
        reg = offset & 7
        byte = value & 0xFF
        if reg == self._THR and not self._dlab():
            self._console.write(bytes((byte,)))
        elif reg == self._THR:
            self._dll = byte
        elif reg == self._IER and self._dlab():
            self._dlm = byte
        else:
            self._regs[reg] = byte


class Scratch:
    """A register file: a read returns what was last written at the offset, else `fill`.

    Useful as a test and benchmark device. Every access is appended to `log` (bounded).
    """

    LOG_LIMIT = 10_000

    def __init__(self, fill: int = 0) -> None:
        self._fill = fill
        self._values: dict[int, int] = {}
        self.log: list[tuple[str, int, int, int]] = []

    def read(self, offset: int, width: int) -> int:
        """Last value written at `offset` (masked to `width`), else the fill pattern."""
        value = self._values.get(offset, self._fill) & ((1 << (8 * width)) - 1)
        if len(self.log) < self.LOG_LIMIT:
            self.log.append(("read", offset, width, value))
        return value

    def write(self, offset: int, width: int, value: int) -> None:
        """Remember `value` for reads at `offset`."""
        self._values[offset] = value
        if len(self.log) < self.LOG_LIMIT:
            self.log.append(("write", offset, width, value))


DeviceFactory = Callable[[dict[str, Any], Console], Device]

BUILTIN_DEVICES: dict[str, DeviceFactory] = {
    "ns16550a": lambda options, console: Ns16550a(console),
    "scratch": lambda options, console: Scratch(int(options.get("fill", 0))),
}
"""Device models every VM can use, by spec `kind`."""


def make_device(
    kind: str, options: dict[str, Any], console: Console, extra: Mapping[str, DeviceFactory] | None = None
) -> Device:
    """Build a device model by kind (built-in or from a plugin); AxError(NotFound) lists the known kinds."""
    models = {**BUILTIN_DEVICES, **(extra or {})}
    factory = models.get(kind)
    if factory is None:
        raise AxError(AxErrorKind.NotFound, f"unknown device kind {kind!r}; known kinds: {', '.join(sorted(models))}")
    try:
        return factory(options, console)
    except (TypeError, ValueError) as err:
        raise AxError(AxErrorKind.InvalidInput, f"bad options for device {kind}: {err}") from err


class Bus:
    """Address windows mapped to devices; accesses outside every window are reported once."""

    def __init__(self, name: str, warn: Callable[[str], None]) -> None:
        self.name = name
        self._bases: list[int] = []
        self._windows: list[tuple[int, int, Device]] = []
        self._warn = warn
        self._reported: set[tuple[str, int]] = set()

    def add(self, base: int, size: int, device: Device) -> None:
        """Attach `device` at [base, base + size)."""
        index = bisect.bisect(self._bases, base)
        self._bases.insert(index, base)
        self._windows.insert(index, (base, size, device))

    def find(self, addr: int) -> tuple[int, Device] | None:
        """(window base, device) for `addr`, or None."""
        index = bisect.bisect(self._bases, addr) - 1
        if index >= 0:
            base, size, device = self._windows[index]
            if addr < base + size:
                return base, device
        return None

    def read(self, addr: int, width: int) -> int:
        """Device read; an unassigned address reads 0."""
        hit = self.find(addr)
        if hit is None:
            self._unassigned("read", addr)
            return 0
        return hit[1].read(addr - hit[0], width) & ((1 << (8 * width)) - 1)

    def write(self, addr: int, width: int, value: int) -> None:
        """Device write; a write to an unassigned address is dropped."""
        hit = self.find(addr)
        if hit is None:
            self._unassigned("write", addr)
            return
        hit[1].write(addr - hit[0], width, value)

    def _unassigned(self, what: str, addr: int) -> None:
        key = (what, addr)
        if key not in self._reported:
            self._reported.add(key)
            action = "reads as 0" if what == "read" else "was dropped"
            self._warn(f"unassigned {self.name} {what} at {addr:#x} {action} (reported once)")
