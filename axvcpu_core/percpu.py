"""`PerCpu`: checked, init-once access to one physical CPU's arch virtualization state."""

from __future__ import annotations

from types import TracebackType
from typing import Generic, TypeVar

from .arch import ArchPerCpu
from .errors import AxError, AxErrorKind
from .physcpu import check_cpu_id

P = TypeVar("P", bound=ArchPerCpu)


class PerCpu(Generic[P]):
    """Per-physical-CPU state: initialised once, refused before init, disabled when closed."""

    def __init__(self, arch_class: type[P]) -> None:
        self._arch_class = arch_class
        self._cpu_id: int | None = None
        self._arch: P | None = None
        self._closed = False

    def init(self, cpu_id: int) -> None:
        """Create the arch state for physical CPU `cpu_id`; a second init is refused."""
        if self._closed:
            raise AxError(AxErrorKind.BadState, f"per-CPU state of CPU {self._cpu_id} is closed")
        if self._arch is not None:
            raise AxError(
                AxErrorKind.AlreadyExists,
                f"per-CPU state is already initialised for CPU {self._cpu_id}; init it once per CPU",
            )
        check_cpu_id(cpu_id)
        self._arch = self._arch_class.new(cpu_id)
        self._cpu_id = cpu_id

    @property
    def is_initialised(self) -> bool:
        """Whether `init` has run (and `close` has not)."""
        return self._arch is not None and not self._closed

    @property
    def cpu_id(self) -> int:
        """The physical CPU id (checked)."""
        self._checked()
        assert self._cpu_id is not None
        return self._cpu_id

    @property
    def arch(self) -> P:
        """The arch per-CPU object (checked)."""
        return self._checked()

    def _checked(self) -> P:
        if self._closed:
            raise AxError(AxErrorKind.BadState, f"per-CPU state of CPU {self._cpu_id} is closed")
        if self._arch is None:
            raise AxError(
                AxErrorKind.BadState,
                f"per-CPU state ({self._arch_class.__name__}) used before init(cpu_id)",
            )
        return self._arch

    def is_enabled(self) -> bool:
        """Whether virtualization is enabled on this CPU."""
        return self._checked().is_enabled()

    def hardware_enable(self) -> None:
        """Enable virtualization on this CPU."""
        self._checked().hardware_enable()

    def hardware_disable(self) -> None:
        """Disable virtualization on this CPU."""
        self._checked().hardware_disable()

    def max_guest_page_table_levels(self) -> int:
        """Stage-2 levels the VMM must build for this CPU."""
        return self._checked().max_guest_page_table_levels()

    def close(self) -> None:
        """Disable virtualization if it is enabled; the state is unusable afterwards."""
        if self._closed or self._arch is None:
            self._closed = True
            return
        try:
            if self._arch.is_enabled():
                self._arch.hardware_disable()
        finally:
            self._closed = True

    def __enter__(self) -> PerCpu[P]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
