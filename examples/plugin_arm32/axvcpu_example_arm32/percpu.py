"""Per-physical-CPU state. The example model needs none, but the on/off contract is real.

A real plugin enables virtualization here (VMXON, HVBAR and HCR_EL2, hedeleg...) and undoes it in
`hardware_disable`; the VMM enables every physical CPU before a run and disables it afterwards.
"""

from __future__ import annotations

from typing import Self

from axvcpu_core.arch import ArchPerCpu
from axvcpu_core.errors import AxError, AxErrorKind


class Arm32PerCpu(ArchPerCpu):
    """One physical CPU of the example model: an enabled flag, with errors on misuse."""

    def __init__(self, cpu_id: int) -> None:
        self.cpu_id = cpu_id
        self._enabled = False

    @classmethod
    def new(cls, cpu_id: int) -> Self:
        """Record the CPU id; enable nothing."""
        return cls(cpu_id)

    def is_enabled(self) -> bool:
        """Whether `hardware_enable` ran and `hardware_disable` has not run since."""
        return self._enabled

    def hardware_enable(self) -> None:
        """Enable virtualization; AxError(ResourceBusy) if it already is."""
        if self._enabled:
            raise AxError(AxErrorKind.ResourceBusy, f"virtualization is already enabled on CPU {self.cpu_id}")
        self._enabled = True

    def hardware_disable(self) -> None:
        """Disable virtualization; AxError(BadState) if it is not enabled."""
        if not self._enabled:
            raise AxError(AxErrorKind.BadState, f"virtualization is not enabled on CPU {self.cpu_id}")
        self._enabled = False

    def max_guest_page_table_levels(self) -> int:
        """3: a 32-bit Arm stage-2 table (LPAE) has at most 3 levels."""
        return 3
