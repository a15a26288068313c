"""The VMM's view of one vCPU: its power state, physical CPU, timer and exit awaiting handling."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

from ..arch import ArchVCpu
from ..exits import VmExit
from ..vcpu import VCpu

STARTED, STOPPED, HALTED = "started", "stopped", "halted"


@dataclass
class VCpuSlot:
    """A vCPU as the scheduler sees it."""

    vcpu: VCpu
    pcpu: int
    status: str = STOPPED
    deadline_ns: int | None = None
    pending: VmExit | None = None
    """An exit `run()` returned that the run loop still has to complete."""
    exits: collections.Counter[str] = field(default_factory=collections.Counter)
    """Exits of this vCPU by kind."""
    slice_exits: int = 0
    """Exits in the current scheduling slice."""
    mailbox: list[int] = field(default_factory=list)
    """Interrupt vectors for the vCPU's own thread to inject before its next run (threaded mode)."""

    arch: ArchVCpu = field(init=False)
    """The arch vCPU: the hot path completes exits on it directly (the vCPU is RUNNING)."""

    def __post_init__(self) -> None:
        self.arch = self.vcpu.arch_vcpu

    def wake_if_due(self, now_ns: int) -> None:
        """A halted vCPU with mail (threaded mode: an interrupt that came while it ran) or a passed
        timer deadline runs again."""
        if self.status == HALTED and (self.mailbox or (self.deadline_ns is not None and self.deadline_ns <= now_ns)):
            self.status = STARTED

    @property
    def id(self) -> int:
        """The vCPU id."""
        return self.vcpu.id
