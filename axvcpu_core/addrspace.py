"""The guest-physical address space: RAM regions with mapping flags, backed by host buffers."""

from __future__ import annotations

import bisect
import ctypes
import mmap
from dataclasses import dataclass, field

from .addr import MappingFlags
from .errors import AxError, AxErrorKind

_U64 = (1 << 64) - 1


class GuestMemoryFault(AxError):
    """An access the address space refused: `gpa`, `access` and whether the GPA is mapped at all."""

    def __init__(self, gpa: int, size: int, access: MappingFlags, mapped: bool) -> None:
        what = _access_name(access)
        if mapped:
            text = f"{what} of {size} byte(s) at GPA {gpa:#x} is not permitted by the region's flags"
        else:
            text = f"{what} of {size} byte(s) at GPA {gpa:#x} touches unmapped guest memory"
        super().__init__(AxErrorKind.BadAddress, text)
        self.gpa = gpa
        self.size = size
        self.access = access
        self.mapped = mapped


def _access_name(access: MappingFlags) -> str:
    if access & MappingFlags.EXECUTE:
        return "instruction fetch"
    if access & MappingFlags.WRITE:
        return "write"
    return "read"


@dataclass(eq=False)
class MemoryRegion:
    """`size` bytes of guest-physical memory at `base` with `flags`, backed by `backing`."""

    base: int
    size: int
    flags: MappingFlags
    backing: mmap.mmap = field(repr=False)
    name: str = "ram"

    @property
    def end(self) -> int:
        """First address past the region."""
        return self.base + self.size

    _anchor: ctypes.c_char | None = field(default=None, repr=False)

    def contains(self, gpa: int, size: int = 1) -> bool:
        """Whether [gpa, gpa+size) lies inside the region."""
        return self.base <= gpa and gpa + size <= self.end

    @property
    def host_address(self) -> int:
        """Host address of the backing buffer (for mapping it into CPU emulators)."""
        if self._anchor is None:
            self._anchor = ctypes.c_char.from_buffer(self.backing)
        return ctypes.addressof(self._anchor)

    def release(self) -> None:
        """Free the backing buffer; the region is unusable afterwards."""
        self._anchor = None
        self.backing.close()


class GuestAddressSpace:
    """Non-overlapping RAM regions; every GPA resolves to a region or a `GuestMemoryFault`."""

    def __init__(self) -> None:
        self._regions: list[MemoryRegion] = []
        self._bases: list[int] = []

    @property
    def regions(self) -> tuple[MemoryRegion, ...]:
        """All regions in address order."""
        return tuple(self._regions)

    def add_region(
        self,
        base: int,
        size: int,
        flags: MappingFlags = MappingFlags.READ | MappingFlags.WRITE | MappingFlags.EXECUTE,
        name: str = "ram",
    ) -> MemoryRegion:
        """Map `size` zeroed bytes at `base` (page aligned); overlap is AxError(AlreadyExists)."""
        if size <= 0 or base < 0 or base + size - 1 > _U64:
            raise AxError(AxErrorKind.InvalidInput, f"region {name} at {base:#x} of size {size:#x} is invalid")
        if base % mmap.PAGESIZE or size % mmap.PAGESIZE:
            raise AxError(
                AxErrorKind.InvalidInput,
                f"region {name} at {base:#x} of size {size:#x} is not aligned to {mmap.PAGESIZE:#x}",
            )
        for other in self._regions:
            if base < other.end and other.base < base + size:
                raise AxError(
                    AxErrorKind.AlreadyExists,
                    f"region {name} [{base:#x}, {base + size:#x}) overlaps region {other.name} "
                    f"[{other.base:#x}, {other.end:#x})",
                )
        try:
            backing = mmap.mmap(-1, size)
        except (OSError, OverflowError, ValueError) as err:
            raise AxError(AxErrorKind.NoMemory, f"cannot allocate {size:#x} bytes for region {name}: {err}") from err
        region = MemoryRegion(base, size, flags, backing, name)
        index = bisect.bisect(self._bases, base)
        self._regions.insert(index, region)
        self._bases.insert(index, base)
        return region

    def find(self, gpa: int) -> MemoryRegion | None:
        """The region containing `gpa`, or None."""
        index = bisect.bisect(self._bases, gpa) - 1
        if index >= 0 and self._regions[index].contains(gpa):
            return self._regions[index]
        return None

    def resolve(self, gpa: int, size: int, access: MappingFlags) -> tuple[MemoryRegion, int]:
        """(region, offset) for an access of `size` bytes; `GuestMemoryFault` if refused."""
        region = self.find(gpa)
        if region is None or not region.contains(gpa, size):
            raise GuestMemoryFault(gpa, size, access, mapped=region is not None)
        if access & ~region.flags & (MappingFlags.READ | MappingFlags.WRITE | MappingFlags.EXECUTE):
            raise GuestMemoryFault(gpa, size, access, mapped=True)
        return region, gpa - region.base

    def read(self, gpa: int, size: int) -> bytes:
        """Read guest memory (a host-side access: needs READ permission)."""
        region, offset = self.resolve(gpa, size, MappingFlags.READ)
        return region.backing[offset : offset + size]

    def write(self, gpa: int, data: bytes) -> None:
        """Write guest memory (a host-side access: the VMM may load images into read-only RAM)."""
        region = self.find(gpa)
        if region is None or not region.contains(gpa, len(data)):
            raise GuestMemoryFault(gpa, len(data), MappingFlags.WRITE, mapped=region is not None)
        offset = gpa - region.base
        region.backing[offset : offset + len(data)] = data

    def close(self) -> None:
        """Release every host buffer."""
        for region in self._regions:
            region.release()
        self._regions.clear()
        self._bases.clear()
