"""Address and access types shared by every layer (the reference's memory_addr and axaddrspace)."""

from __future__ import annotations

import enum
from typing import Self

from .errors import AxError, AxErrorKind

_U64 = (1 << 64) - 1


class _Address(int):
    """An unsigned 64-bit address shown in hex, with alignment helpers."""

    __slots__ = ()

    def __new__(cls, value: int) -> Self:
        if not 0 <= value <= _U64:
            raise AxError(AxErrorKind.InvalidInput, f"{cls.__name__} {value:#x} is outside 0..2**64-1")
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({int(self):#x})"

    def __str__(self) -> str:
        return f"{int(self):#x}"

    def align_down(self, align: int) -> Self:
        """The largest address <= self that is a multiple of `align` (a power of two)."""
        _check_align(align)
        return type(self)(int(self) & ~(align - 1))

    def align_up(self, align: int) -> Self:
        """The smallest address >= self that is a multiple of `align` (a power of two)."""
        _check_align(align)
        return type(self)((int(self) + align - 1) & ~(align - 1))

    def is_aligned(self, align: int) -> bool:
        """Whether the address is a multiple of `align` (a power of two)."""
        _check_align(align)
        return int(self) & (align - 1) == 0

    def page_offset(self, page_size: int = 4096) -> int:
        """Offset inside its page."""
        _check_align(page_size)
        return int(self) & (page_size - 1)


def _check_align(align: int) -> None:
    if align <= 0 or align & (align - 1):
        raise AxError(AxErrorKind.InvalidInput, f"alignment {align} is not a power of two")


class GuestPhysAddr(_Address):
    """A guest-physical address (GPA / IPA)."""

    __slots__ = ()


class GuestVirtAddr(_Address):
    """A guest-virtual address."""

    __slots__ = ()


class HostPhysAddr(_Address):
    """A host-physical address (for example a stage-2 page-table root)."""

    __slots__ = ()


class SysRegAddr(_Address):
    """A system-register address: MSR number (x86), CSR number (RISC-V), ISS encoding (AArch64)."""

    __slots__ = ()


class Port(int):
    """An x86 I/O port number, 0..0xFFFF."""

    __slots__ = ()

    def __new__(cls, value: int) -> Self:
        if not 0 <= value <= 0xFFFF:
            raise AxError(AxErrorKind.InvalidInput, f"port {value:#x} is outside 0..0xffff")
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        return f"Port({int(self):#x})"


class AccessWidth(enum.IntEnum):
    """Width of a memory or I/O access; the value is the byte count."""

    BYTE = 1
    WORD = 2
    DWORD = 4
    QWORD = 8

    @property
    def bits(self) -> int:
        """Width in bits."""
        return self.value * 8

    @property
    def mask(self) -> int:
        """All-ones mask of this width."""
        return (1 << (self.value * 8)) - 1

    @classmethod
    def from_bytes_count(cls, size: int) -> AccessWidth:
        """The width of `size` bytes; AxError(InvalidInput) for anything but 1, 2, 4 or 8."""
        try:
            return cls(size)
        except ValueError:
            raise AxError(AxErrorKind.InvalidInput, f"access width {size} is not 1, 2, 4 or 8 bytes") from None


class MappingFlags(enum.IntFlag):
    """Permissions and attributes of a guest mapping; also the access kind of a fault."""

    READ = 1
    WRITE = 2
    EXECUTE = 4
    USER = 8
    DEVICE = 16
    UNCACHED = 32

    @classmethod
    def parse(cls, names: str) -> MappingFlags:
        """Flags from letters (`"rwx"`) or names joined by `|` or `,` (`"read|write"`)."""
        letters = {"r": cls.READ, "w": cls.WRITE, "x": cls.EXECUTE, "u": cls.USER, "d": cls.DEVICE}
        text = names.strip().lower()
        if text and all(ch in letters for ch in text):
            result = cls(0)
            for ch in text:
                result |= letters[ch]
            return result
        result = cls(0)
        for part in text.replace(",", "|").split("|"):
            part = part.strip()
            if not part:
                continue
            try:
                result |= cls[part.upper()]
            except KeyError:
                valid = ", ".join(m.name.lower() for m in cls if m.name)
                raise AxError(
                    AxErrorKind.InvalidInput, f"unknown mapping flag {part!r}; use rwxud letters or {valid}"
                ) from None
        return result
