"""The abstract contracts every architecture plugin implements: `ArchVCpu` and `ArchPerCpu`."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, ClassVar, Self

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .addr import GuestPhysAddr, HostPhysAddr
    from .exits import VmExit
    from .services import VmmServices


class ArchVCpu(abc.ABC):
    """One architecture's virtual CPU: register state, guest execution and exit production.

    `CreateConfig` and `SetupConfig` are the plugin's pydantic models for `new()` and `setup()`.
    """

    CreateConfig: ClassVar[type[BaseModel]]
    SetupConfig: ClassVar[type[BaseModel]]

    @classmethod
    @abc.abstractmethod
    def new(cls, vm_id: int, vcpu_id: int, config: BaseModel, services: VmmServices) -> Self:
        """Create the vCPU in its reset state."""

    @abc.abstractmethod
    def set_entry(self, entry: GuestPhysAddr) -> None:
        """Set the guest address the vCPU starts (or restarts) at."""

    @abc.abstractmethod
    def set_ept_root(self, root: HostPhysAddr) -> None:
        """Set the stage-2 (EPT / VTTBR / hgatp) page-table root."""

    @abc.abstractmethod
    def setup(self, config: BaseModel) -> None:
        """Finish configuration before the first bind."""

    @abc.abstractmethod
    def run(self) -> VmExit:
        """Run the guest until the next exit the VMM must see; the resume PC is already applied."""

    @abc.abstractmethod
    def bind(self) -> None:
        """Load the vCPU's state onto the current physical CPU."""

    @abc.abstractmethod
    def unbind(self) -> None:
        """Save the vCPU's state off the current physical CPU."""

    @abc.abstractmethod
    def set_gpr(self, index: int, value: int) -> None:
        """Write general-purpose register `index` (the architecture's documented order)."""

    @abc.abstractmethod
    def get_gpr(self, index: int) -> int:
        """Read general-purpose register `index`."""

    @abc.abstractmethod
    def inject_interrupt(self, vector: int) -> None:
        """Queue interrupt `vector` for delivery to the guest."""

    @abc.abstractmethod
    def set_return_value(self, value: int) -> None:
        """Write the hypercall / firmware-call return register."""

    @abc.abstractmethod
    def kick(self, external_vector: int | None = None) -> None:
        """Make a `run()` in progress (or the next one) return soon; callable from another thread.

        The VMM's watchdog kicks the running vCPU at the end of its time slice, at its timer
        deadline and for scheduled interrupts, so a guest that never exits still yields. A kick that
        arrives between two guest runs must not be lost. With `external_vector`, the kick is a host
        device interrupt, reported as the architecture's external-interrupt trap (an
        `ExternalInterrupt` exit); a vCPU that cannot present one raises AxError(Unsupported).
        """


class ArchPerCpu(abc.ABC):
    """One architecture's per-physical-CPU virtualization state (VMXON, EL2 vectors, hedeleg...)."""

    @classmethod
    @abc.abstractmethod
    def new(cls, cpu_id: int) -> Self:
        """Record the CPU; enable nothing."""

    @abc.abstractmethod
    def is_enabled(self) -> bool:
        """Whether virtualization is enabled on this CPU."""

    @abc.abstractmethod
    def hardware_enable(self) -> None:
        """Enable virtualization; AxError when the CPU cannot."""

    @abc.abstractmethod
    def hardware_disable(self) -> None:
        """Disable virtualization and restore what enable changed."""

    def max_guest_page_table_levels(self) -> int:
        """Levels of the stage-2 table the VMM must build (default 4)."""
        return 4
