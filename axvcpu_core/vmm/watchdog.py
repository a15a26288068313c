"""A thread that kicks the running vCPU at a deadline (run bound, timer, scheduled interrupt).

Unicorn's own `emu_start(timeout=...)` starts a thread on every call, which costs more than a
stop/restart exit itself; one long-lived watchdog per VM replaces it.
"""

from __future__ import annotations

import threading
import time

from ..arch import ArchVCpu


class Watchdog:
    """Kicks one armed vCPU when its wall-clock deadline passes, and again every `REPEAT_NS` until disarmed."""

    REPEAT_NS = 20_000_000

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._target: ArchVCpu | None = None
        self._deadline = 0
        self._closed = False
        self._thread = threading.Thread(target=self._watch, name="axvcpu-watchdog", daemon=True)
        self._thread.start()

    def arm(self, target: ArchVCpu, after_ns: int) -> None:
        """Kick `target` in `after_ns` nanoseconds unless disarmed first."""
        with self._cond:
            self._target = target
            self._deadline = time.monotonic_ns() + max(0, after_ns)
            self._cond.notify()

    def disarm(self) -> None:
        """Cancel the pending kick."""
        with self._cond:
            self._target = None

    def close(self) -> None:
        """Stop the thread."""
        with self._cond:
            self._closed = True
            self._target = None
            self._cond.notify()
        self._thread.join(timeout=1)

    def _watch(self) -> None:
        with self._cond:
            while not self._closed:
                target = self._target
                if target is None:
                    self._cond.wait()
                    continue
                remaining = self._deadline - time.monotonic_ns()
                if remaining > 0:
                    self._cond.wait(remaining / 1e9)
                    continue
                self._deadline += self.REPEAT_NS  # kick again until disarmed, in case a kick is lost
                target.kick()
