"""A thin ctypes layer on the Unicorn C library for the exit path (3-4x cheaper than the binding).

It calls `libunicorn` through its own `CDLL` handle with pre-built argument buffers. It relies on
two private names of the pinned unicorn 2.1.4 binding, `Uc._uch` and the loaded `uclib`; a test
covers both, so a unicorn upgrade that moves them fails loudly.
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Sequence

from unicorn import Uc
from unicorn.unicorn_py3.unicorn import uclib

from .errors import AxError, AxErrorKind

_lib = ctypes.CDLL(uclib._name)
_reg_read = _lib.uc_reg_read
_reg_write = _lib.uc_reg_write
_reg_read_batch = _lib.uc_reg_read_batch
_mem_read = _lib.uc_mem_read
_mem_read.argtypes = (ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t)
_mem_write = _lib.uc_mem_write
_mem_write.argtypes = (ctypes.c_void_p, ctypes.c_uint64, ctypes.c_char_p, ctypes.c_size_t)
_vmem_read = _lib.uc_vmem_read
_vmem_read.argtypes = (ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t)


class FastUc:
    """Register and memory access to one `Uc` without the binding's per-call overhead."""

    __slots__ = ("_handle", "_mem", "_ref", "_value", "uc")

    def __init__(self, uc: Uc) -> None:
        self.uc = uc
        self._handle = ctypes.c_void_p(uc._uch.value)
        self._value = ctypes.c_uint64(0)
        self._ref = ctypes.byref(self._value)
        self._mem = ctypes.create_string_buffer(64)

    def reg_read(self, reg_id: int) -> int:
        """Read a 64-bit register by Unicorn id."""
        if _reg_read(self._handle, reg_id, self._ref):
            raise AxError(AxErrorKind.Io, f"unicorn refused to read register id {reg_id}")
        return self._value.value

    def reg_write(self, reg_id: int, value: int) -> None:
        """Write a 64-bit register by Unicorn id (value masked to 64 bits)."""
        self._value.value = value & 0xFFFF_FFFF_FFFF_FFFF
        if _reg_write(self._handle, reg_id, self._ref):
            raise AxError(AxErrorKind.Io, f"unicorn refused to write register id {reg_id}")

    def batch_reader(self, reg_ids: Sequence[int]) -> BatchReader:
        """A reader of several registers in one C call."""
        return BatchReader(self._handle, reg_ids)

    def mem_read(self, address: int, size: int) -> bytes:
        """Read guest-physical memory; AxError(BadAddress) if unmapped."""
        buffer = self._mem if size <= 64 else ctypes.create_string_buffer(size)
        if _mem_read(self._handle, address, buffer, size):
            raise AxError(AxErrorKind.BadAddress, f"guest memory at {address:#x} ({size} bytes) is not mapped")
        return buffer.raw[:size]

    def vmem_read(self, address: int, size: int, prot: int) -> bytes:
        """Read through the guest's own address translation (`prot`: UC_PROT_READ or UC_PROT_EXEC)."""
        buffer = self._mem if size <= 64 else ctypes.create_string_buffer(size)
        if _vmem_read(self._handle, address, prot, buffer, size):
            raise AxError(
                AxErrorKind.BadAddress, f"guest virtual address {address:#x} ({size} bytes) does not translate"
            )
        return buffer.raw[:size]

    def mem_write(self, address: int, data: bytes) -> None:
        """Write guest-physical memory; AxError(BadAddress) if unmapped."""
        if _mem_write(self._handle, address, data, len(data)):
            raise AxError(AxErrorKind.BadAddress, f"guest memory at {address:#x} ({len(data)} bytes) is not mapped")


class BatchReader:
    """Reads a fixed list of registers with one `uc_reg_read_batch` call."""

    __slots__ = ("_count", "_handle", "_ids", "_ptrs", "_unpack", "_values")

    def __init__(self, handle: ctypes.c_void_p, reg_ids: Sequence[int]) -> None:
        count = len(reg_ids)
        self._handle = handle
        self._count = count
        self._ids = (ctypes.c_int * count)(*reg_ids)
        self._values = (ctypes.c_uint64 * count)()
        base = ctypes.addressof(self._values)
        self._ptrs = (ctypes.c_void_p * count)(*[base + 8 * i for i in range(count)])
        self._unpack = struct.Struct(f"<{count}Q").unpack_from

    def __call__(self) -> tuple[int, ...]:
        """The registers' current values, in the order given."""
        if _reg_read_batch(self._handle, self._ids, self._ptrs, self._count):
            raise AxError(AxErrorKind.Io, "unicorn refused a batched register read")
        return self._unpack(self._values)
