"""Guest images: raw binaries and ELF64 files (little-endian), detected by their magic."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from .errors import AxError, AxErrorKind

ELF_MAGIC = b"\x7fELF"
_PT_LOAD = 1


@dataclass(frozen=True)
class Segment:
    """Bytes to place at a guest-physical address; `mem_size` >= len(data) (the rest is zero)."""

    gpa: int
    data: bytes
    mem_size: int

    @property
    def end(self) -> int:
        """First address past the segment."""
        return self.gpa + self.mem_size


@dataclass(frozen=True)
class GuestImage:
    """A loaded image: its segments and, for ELF, its entry point."""

    path: Path
    format: str
    segments: tuple[Segment, ...]
    entry: int | None

    @property
    def start(self) -> int:
        """Lowest address the image occupies."""
        return min(s.gpa for s in self.segments)

    @property
    def end(self) -> int:
        """First address past the image."""
        return max(s.end for s in self.segments)


def detect_format(data: bytes) -> str:
    """ "elf" when the bytes start with the ELF magic, else "raw"."""
    return "elf" if data[:4] == ELF_MAGIC else "raw"


def load_image(path: Path, fmt: str = "auto", load_addr: int | None = None) -> GuestImage:
    """Read an image; a raw one needs `load_addr`, an ELF one is placed by its physical addresses."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise AxError(AxErrorKind.NotFound, f"cannot read image {str(path)!r}: {err.strerror or err}") from err
    kind = detect_format(data) if fmt == "auto" else fmt
    if kind == "elf":
        return _load_elf(path, data, load_addr)
    if kind != "raw":
        raise AxError(AxErrorKind.InvalidInput, f"image format {fmt!r} is not auto, raw or elf")
    if load_addr is None:
        raise AxError(AxErrorKind.InvalidInput, f"raw image {str(path)!r} needs a load address")
    if not data:
        raise AxError(AxErrorKind.InvalidData, f"image {str(path)!r} is empty")
    return GuestImage(path, "raw", (Segment(load_addr, data, len(data)),), None)


def _load_elf(path: Path, data: bytes, load_addr: int | None) -> GuestImage:
    name = str(path)
    if len(data) < 64 or data[:4] != ELF_MAGIC:
        raise AxError(AxErrorKind.InvalidData, f"{name!r} is not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise AxError(AxErrorKind.Unsupported, f"{name!r}: only little-endian ELF64 images are supported")
    entry, phoff = struct.unpack_from("<QQ", data, 24)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    if phentsize < 56 or phoff + phnum * phentsize > len(data):
        raise AxError(AxErrorKind.InvalidData, f"{name!r}: program headers lie outside the file")
    segments = []
    for i in range(phnum):
        p_type, _flags, offset, _vaddr, paddr, filesz, memsz = struct.unpack_from(
            "<IIQQQQQ", data, phoff + i * phentsize
        )
        if p_type != _PT_LOAD or memsz == 0:
            continue
        if offset + filesz > len(data) or filesz > memsz:
            raise AxError(AxErrorKind.InvalidData, f"{name!r}: segment {i} lies outside the file")
        segments.append(Segment(paddr, data[offset : offset + filesz], memsz))
    if not segments:
        raise AxError(AxErrorKind.InvalidData, f"{name!r} has no loadable segment")
    if load_addr is not None:
        shift = load_addr - min(s.gpa for s in segments)
        segments = [Segment(s.gpa + shift, s.data, s.mem_size) for s in segments]
        entry += shift
    return GuestImage(path, "elf", tuple(segments), entry)
