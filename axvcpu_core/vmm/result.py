"""Run statistics and the outcome of a run."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any

EXIT_STATUS = {
    "poweroff": 0,
    "all_stopped": 0,
    "max_exits": 3,
    "max_instructions": 3,
    "timeout": 3,
    "fault": 1,
    "deadlock": 1,
    "error": 1,
    "interrupted": 130,
}
"""Process exit status for each way a run ends: 0 guest finished, 3 a limit, 1 an error."""


@dataclass
class RunStats:
    """Counters kept while a VM runs."""

    exits: collections.Counter[str] = field(default_factory=collections.Counter)
    exits_per_vcpu: dict[int, collections.Counter[str]] = field(default_factory=dict)
    instructions: int | None = None
    native_exits: int = 0
    """Exits completed by the native exit path (`axvcpu_core.fastexit`); counted in `exits` too."""
    resets: int = 0
    wall_seconds: float = 0.0
    loop_seconds: float = 0.0
    """Time in the run loop proper (without creating the vCPUs)."""

    @property
    def total_exits(self) -> int:
        """All exits of all vCPUs."""
        return sum(self.exits.values())

    def add_vcpu(self, vcpu_id: int, exits: collections.Counter[str]) -> None:
        """Add one vCPU's exit counts."""
        self.exits.update(exits)
        self.exits_per_vcpu.setdefault(vcpu_id, collections.Counter()).update(exits)


@dataclass
class RunResult:
    """Why a run ended, the process exit status it maps to, and the statistics."""

    reason: str
    message: str
    stats: RunStats
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """0 when the guest finished, 3 when a limit ended the run, 1 on an error."""
        return EXIT_STATUS.get(self.reason, 1)

    def to_dict(self) -> dict[str, Any]:
        """The `--json` summary."""
        s = self.stats
        return {
            "reason": self.reason,
            "message": self.message,
            "exit_status": self.exit_status,
            "exits": dict(sorted(s.exits.items())),
            "exits_total": s.total_exits,
            "exits_per_vcpu": {str(k): dict(sorted(v.items())) for k, v in sorted(s.exits_per_vcpu.items())},
            "native_exits": s.native_exits,
            "instructions": s.instructions,
            "resets": s.resets,
            "wall_seconds": round(s.wall_seconds, 6),
            "warnings": self.warnings,
        }
