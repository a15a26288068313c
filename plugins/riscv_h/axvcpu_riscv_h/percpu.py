"""Per-physical-hart H-extension state: the misa.H check and the trap-delegation CSRs."""

from __future__ import annotations

from enum import Enum
from typing import ClassVar, Self

from axvcpu_core.arch import ArchPerCpu
from axvcpu_core.errors import AxError, AxErrorKind

MISA_H = 1 << 7
"""misa bit of the H extension (letter H)."""
DEFAULT_HOST_MISA = 0x8000_0000_0014_11AD
"""RV64 IMAFDC + H + S + U: the simulated host hart."""

HEDELEG = 0xB10D
"""Exceptions the guest handles itself: misaligned fetch, illegal insn, breakpoint, VU ecall, page faults."""
HIDELEG = 0x444
"""VSSI, VSTI, VSEI delegated to VS-mode."""


class GStageMode(Enum):
    """G-stage translation mode: hgatp.MODE and the levels of the table the VMM builds."""

    SV39X4 = (8, 3)
    SV48X4 = (9, 4)

    @property
    def hgatp_mode(self) -> int:
        """Value of hgatp.MODE."""
        return self.value[0]

    @property
    def levels(self) -> int:
        """Page-table levels."""
        return self.value[1]


class RiscvPerCpu(ArchPerCpu):
    """One physical hart's hypervisor CSRs.

    `HOST_MISA` is the simulated hart's misa and `G_STAGE` the host-wide G-stage mode; both are
    class settings so a host model (or a test) can subclass them.
    """

    HOST_MISA: ClassVar[int] = DEFAULT_HOST_MISA
    G_STAGE: ClassVar[GStageMode] = GStageMode.SV39X4

    def __init__(self, cpu_id: int) -> None:
        self.cpu_id = cpu_id
        self.hedeleg = 0
        self.hideleg = 0
        self.hcounteren = 0
        self.hvip = 0
        self._enabled = False

    @classmethod
    def new(cls, cpu_id: int) -> Self:
        """Record the hart id; no CSR is touched."""
        return cls(cpu_id)

    def is_enabled(self) -> bool:
        """Whether `hardware_enable` succeeded and `hardware_disable` has not run since."""
        return self._enabled

    def hardware_enable(self) -> None:
        """Check misa.H, then delegate guest traps and interrupts (hedeleg, hideleg)."""
        if not self.HOST_MISA & MISA_H:
            raise AxError(
                AxErrorKind.Unsupported,
                f"hart {self.cpu_id} has no H extension (misa {self.HOST_MISA:#x}, bit 7 clear)",
            )
        if self._enabled:
            raise AxError(AxErrorKind.ResourceBusy, f"virtualization is already enabled on hart {self.cpu_id}")
        self.hedeleg = HEDELEG
        self.hideleg = HIDELEG
        self.hcounteren = 0
        self.hvip = 0
        self._enabled = True

    def hardware_disable(self) -> None:
        """Clear the delegation CSRs and hvip."""
        if not self._enabled:
            raise AxError(AxErrorKind.BadState, f"virtualization is not enabled on hart {self.cpu_id}")
        self.hedeleg = self.hideleg = self.hcounteren = self.hvip = 0
        self._enabled = False

    def max_guest_page_table_levels(self) -> int:
        """3 for Sv39x4, 4 for Sv48x4 (the same mode hgatp uses)."""
        return self.G_STAGE.levels
