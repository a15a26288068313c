"""What a vCPU may ask of the VMM (the reference's `axvisor_api`), and the offline stand-in."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .errors import AxError, AxErrorKind


@runtime_checkable
class VmmServices(Protocol):
    """Services the VMM offers an arch vCPU. Plugins use only these to reach the VMM."""

    def time_ns(self) -> int:
        """Current virtual time in nanoseconds (the clock guest time reads follow)."""
        ...

    def set_timer(self, vcpu_id: int, deadline_ns: int | None) -> None:
        """Arm (or with None, cancel) the one-shot timer of `vcpu_id` in this VM."""
        ...

    def console_write(self, data: bytes) -> int:
        """Write guest console bytes; returns how many were written."""
        ...

    def console_read(self, max_bytes: int) -> bytes:
        """Read up to `max_bytes` pending console input bytes without blocking (b"" when none)."""
        ...

    def vcpu_count(self) -> int:
        """Number of vCPUs in this VM."""
        ...

    def vcpu_status(self, vcpu_id: int) -> str:
        """Power state of a vCPU of this VM: "started", "stopped", "start_pending" or "suspended".

        Raises AxError(NotFound) for an id the VM does not have.
        """
        ...

    def read_guest(self, gpa: int, size: int) -> bytes:
        """Read guest-physical memory; AxError(BadAddress) if any byte is not RAM."""
        ...

    def write_guest(self, gpa: int, data: bytes) -> None:
        """Write guest-physical memory; AxError(BadAddress) if any byte is not RAM."""
        ...


class OfflineServices:
    """Services for decoding recorded traps with no VM behind them.

    Time is frozen at zero, the console is discarded, there is one vCPU, and any guest-memory
    access fails with AxError(BadAddress) naming the address, so a decoder never invents data.
    """

    def time_ns(self) -> int:
        return 0

    def set_timer(self, vcpu_id: int, deadline_ns: int | None) -> None:
        return None

    def console_write(self, data: bytes) -> int:
        return len(data)

    def console_read(self, max_bytes: int) -> bytes:
        return b""

    def vcpu_count(self) -> int:
        return 1

    def vcpu_status(self, vcpu_id: int) -> str:
        if vcpu_id != 0:
            raise AxError(AxErrorKind.NotFound, f"vCPU {vcpu_id} does not exist (offline decode has one vCPU)")
        return "started"

    def read_guest(self, gpa: int, size: int) -> bytes:
        raise AxError(
            AxErrorKind.BadAddress,
            f"guest memory at {gpa:#x} ({size} bytes) is not available when decoding offline",
        )

    def write_guest(self, gpa: int, data: bytes) -> None:
        raise AxError(
            AxErrorKind.BadAddress,
            f"guest memory at {gpa:#x} ({len(data)} bytes) is not available when decoding offline",
        )
