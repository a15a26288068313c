"""Virtual time: wall-clock time that skips ahead while every vCPU is idle."""

from __future__ import annotations

import time


class VirtualClock:
    """Nanoseconds since the VM started, plus the time skipped while all vCPUs waited."""

    def __init__(self) -> None:
        self._start = time.monotonic_ns()
        self._skipped = 0

    def now_ns(self) -> int:
        """Current virtual time."""
        return time.monotonic_ns() - self._start + self._skipped

    def skip_to(self, deadline_ns: int) -> None:
        """Jump forward to `deadline_ns` (no-op if it has passed)."""
        now = self.now_ns()
        if deadline_ns > now:
            self._skipped += deadline_ns - now
