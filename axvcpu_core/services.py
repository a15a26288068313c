"""What a vCPU may ask of the VMM (the reference's `axvisor_api`), and the offline stand-in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

from .errors import AxError, AxErrorKind

if TYPE_CHECKING:
    from .addrspace import GuestAddressSpace
    from .descriptor import Decoded
    from .engine import DeviceWindow


class FastExitHandlers(NamedTuple):
    """The VMM's completions a hardware model may run without a trap record (`axvcpu_core.fastexit`)."""

    mmio_read: Callable[[int, int], int]
    """(gpa, width) -> the device's value."""
    mmio_write: Callable[[int, int, int], None]
    """(gpa, width, data)."""
    hypercall: Callable[..., int]
    """(nr, *args) -> the value for the return register."""


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

    def guest_memory(self) -> GuestAddressSpace:
        """The VM's RAM, whose buffers the hardware model maps into its CPU."""
        ...

    def device_windows(self) -> Sequence[DeviceWindow]:
        """The VM's MMIO windows and how each is intercepted."""
        ...

    def slice_instructions(self) -> int:
        """Instructions per scheduling slice; 0 (run until an exit) or > 0 for the VM's whole life."""
        ...

    def run_timeout_ns(self) -> int | None:
        """How long one guest run may last before the vCPU returns to the VMM.

        None: the VMM kicks the vCPU itself (`ArchVCpu.kick`) at the run bound, at the vCPU's timer
        deadline and for scheduled interrupts, so the vCPU sets no timeout of its own.
        """
        ...

    def code_ranges(self) -> Sequence[tuple[int, int]]:
        """[start, end) ranges of guest code loaded by the VMM, for pre-decoding bounded hooks."""
        ...

    def retired_instructions(self, vcpu_id: int, count: int) -> None:
        """Report instructions the vCPU knows it executed (whole scheduling slices)."""
        ...

    def on_exit(self, vcpu_id: int, pc: int, trap: object, decoded: Decoded) -> bool:
        """Report an exit as it happens (inside the CPU hook when possible).

        The VMM counts and traces it and completes it if it can do so at once. True: completed,
        keep running the guest. False: stop and return the exit from `run()`.
        """
        ...

    def fast_exit_handlers(self) -> FastExitHandlers | None:
        """Handlers for exits the vCPU may complete natively, or None: report every exit to `on_exit`."""
        ...

    def fast_exits_done(self, vcpu_id: int, counts: Mapping[str, int]) -> int:
        """Account exits (by kind) the vCPU completed natively since it last said; returns how many
        more it may complete before the next one must go through `on_exit`."""
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

    def guest_memory(self) -> GuestAddressSpace:
        from .addrspace import GuestAddressSpace

        return GuestAddressSpace()

    def device_windows(self) -> Sequence[DeviceWindow]:
        return ()

    def slice_instructions(self) -> int:
        return 0

    def run_timeout_ns(self) -> int | None:
        return None

    def code_ranges(self) -> Sequence[tuple[int, int]]:
        return ()

    def retired_instructions(self, vcpu_id: int, count: int) -> None:
        return None

    def on_exit(self, vcpu_id: int, pc: int, trap: object, decoded: Decoded) -> bool:
        return False

    def fast_exit_handlers(self) -> FastExitHandlers | None:
        return None

    def fast_exits_done(self, vcpu_id: int, counts: Mapping[str, int]) -> int:
        return 0
