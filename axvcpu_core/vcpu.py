"""`VCpu`: the architecture-neutral wrapper that enforces the vCPU state machine."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn, TypeVar

from .addr import GuestPhysAddr, HostPhysAddr
from .errors import AxError, AxErrorKind
from .physcpu import as_current, current_phys_cpu

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .arch import ArchVCpu
    from .exits import VmExit
    from .services import VmmServices

T = TypeVar("T")


class VCpuState(enum.IntEnum):
    """vCPU lifecycle states (same numbering as the reference)."""

    INVALID = 0
    CREATED = 1
    FREE = 2
    READY = 3
    RUNNING = 4
    BLOCKED = 5


class VCpu:
    """A vCPU: its identity, its state machine and its arch vCPU.

    Transitions: `setup` CREATED->FREE, `bind` FREE->READY, `run` READY->RUNNING->READY,
    `unbind` READY->FREE. A call from the wrong state, or an arch call that fails, leaves the
    vCPU INVALID and raises AxError(BadState) naming the state it was really in.
    """

    def __init__(
        self,
        vm_id: int,
        vcpu_id: int,
        arch_vcpu: ArchVCpu,
        favor_phys_cpu: int = 0,
        phys_cpu_set: int | None = None,
    ) -> None:
        self._vm_id = vm_id
        self._id = vcpu_id
        self._favor_phys_cpu = favor_phys_cpu
        self._phys_cpu_set = phys_cpu_set
        self._arch = arch_vcpu
        self._state = VCpuState.CREATED
        self._bound_cpu: int | None = None

    @classmethod
    def create(
        cls,
        arch_class: type[ArchVCpu],
        vm_id: int,
        vcpu_id: int,
        config: BaseModel,
        services: VmmServices,
        favor_phys_cpu: int = 0,
        phys_cpu_set: int | None = None,
    ) -> VCpu:
        """Create the arch vCPU with `arch_class.new(...)` and wrap it (state CREATED)."""
        arch = arch_class.new(vm_id, vcpu_id, config, services)
        return cls(vm_id, vcpu_id, arch, favor_phys_cpu, phys_cpu_set)

    # identity -------------------------------------------------------------------------------
    @property
    def id(self) -> int:
        """The vCPU id inside its VM."""
        return self._id

    @property
    def vm_id(self) -> int:
        """The id of the VM the vCPU belongs to."""
        return self._vm_id

    @property
    def favor_phys_cpu(self) -> int:
        """The physical CPU the scheduler should prefer."""
        return self._favor_phys_cpu

    @property
    def phys_cpu_set(self) -> int | None:
        """Bitmask of physical CPUs the vCPU may run on (None: any)."""
        return self._phys_cpu_set

    @property
    def is_bsp(self) -> bool:
        """Whether this is the bootstrap processor (vCPU 0)."""
        return self._id == 0

    @property
    def state(self) -> VCpuState:
        """The current state."""
        return self._state

    @property
    def arch_vcpu(self) -> ArchVCpu:
        """The wrapped arch vCPU."""
        return self._arch

    @property
    def bound_phys_cpu(self) -> int | None:
        """The physical CPU the vCPU is bound to (None unless READY or RUNNING)."""
        return self._bound_cpu

    def __repr__(self) -> str:
        return f"VCpu(vm={self._vm_id}, id={self._id}, state={self._state.name})"

    # state machine --------------------------------------------------------------------------
    def _transition(
        self,
        op: str,
        expected: VCpuState,
        target: VCpuState,
        action: Callable[[], T],
        during: VCpuState | None = None,
    ) -> T:
        if self._state is not expected:
            actual = self._state
            self._state = VCpuState.INVALID
            raise AxError(
                AxErrorKind.BadState,
                f"vCPU {self._vm_id}.{self._id}: {op} needs state {expected.name}, but the vCPU was "
                f"{actual.name}; it is now INVALID",
            )
        with as_current(self):  # a nested operation is refused here, before any state change
            if during is not None:
                self._state = during
            try:
                result = action()
            except Exception as err:
                self._fail(op, self._state, err)
        self._state = target
        return result

    def _fail(self, op: str, state: VCpuState, err: Exception) -> NoReturn:
        self._state = VCpuState.INVALID
        raise AxError(
            AxErrorKind.BadState,
            f"vCPU {self._vm_id}.{self._id}: {op} failed in state {state.name} ({err}); it is now INVALID",
        ) from err

    def setup(self, entry: int, ept_root: int, config: BaseModel) -> None:
        """CREATED -> FREE: set the entry point and stage-2 root, then the arch setup."""

        def action() -> None:
            self._arch.set_entry(GuestPhysAddr(entry))
            self._arch.set_ept_root(HostPhysAddr(ept_root))
            self._arch.setup(config)

        self._transition("setup", VCpuState.CREATED, VCpuState.FREE, action)

    def bind(self) -> None:
        """FREE -> READY on the caller's physical CPU (which must be in `phys_cpu_set`)."""
        cpu = current_phys_cpu()
        if self._phys_cpu_set is not None and not (self._phys_cpu_set >> cpu) & 1:
            raise AxError(
                AxErrorKind.InvalidInput,
                f"vCPU {self._vm_id}.{self._id} may not run on physical CPU {cpu} "
                f"(allowed set {self._phys_cpu_set:#x})",
            )
        self._transition("bind", VCpuState.FREE, VCpuState.READY, self._arch.bind)
        self._bound_cpu = cpu

    def unbind(self) -> None:
        """READY -> FREE."""
        self._check_bound_here("unbind")
        self._transition("unbind", VCpuState.READY, VCpuState.FREE, self._arch.unbind)
        self._bound_cpu = None

    def run(self) -> VmExit:
        """READY -> RUNNING -> READY: run the guest until its next exit."""
        self._check_bound_here("run")
        return self._transition("run", VCpuState.READY, VCpuState.READY, self._arch.run, VCpuState.RUNNING)

    def _check_bound_here(self, op: str) -> None:
        cpu = current_phys_cpu()
        if self._bound_cpu is not None and self._bound_cpu != cpu:
            raise AxError(
                AxErrorKind.BadState,
                f"vCPU {self._vm_id}.{self._id} is bound to physical CPU {self._bound_cpu}; "
                f"{op} was called on physical CPU {cpu}",
            )

    # pass-throughs --------------------------------------------------------------------------
    def _usable(self, op: str) -> ArchVCpu:
        if self._state is VCpuState.INVALID:
            raise AxError(AxErrorKind.BadState, f"vCPU {self._vm_id}.{self._id} is INVALID; {op} refused")
        return self._arch

    def set_entry(self, entry: int) -> None:
        """Set the entry point (used by the VMM for CpuUp)."""
        self._usable("set_entry").set_entry(GuestPhysAddr(entry))

    def set_gpr(self, index: int, value: int) -> None:
        """Write a general-purpose register."""
        self._usable("set_gpr").set_gpr(index, value)

    def get_gpr(self, index: int) -> int:
        """Read a general-purpose register."""
        return self._usable("get_gpr").get_gpr(index)

    def inject_interrupt(self, vector: int) -> None:
        """Queue an interrupt for the guest."""
        self._usable("inject_interrupt").inject_interrupt(vector)

    def set_return_value(self, value: int) -> None:
        """Write the hypercall return register."""
        self._usable("set_return_value").set_return_value(value)
