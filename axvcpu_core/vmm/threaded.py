"""Threaded scheduling: every vCPU runs on its own host thread, so guest code runs in parallel.

Unicorn releases the GIL while it executes guest code, so vCPUs that compute run on several host
cores at once; exits still take the GIL. The VM's lock (`Vm.lock`) guards all VMM state: every
exit a vCPU thread reports or completes, device accesses, statistics. A vCPU's Unicorn instance is
only ever touched by its own thread while the threads run: interrupts for another vCPU go to that
vCPU's mailbox (`VCpuSlot.mailbox`) and a kick, and its thread injects them before its next run.

The run loop's own thread supervises: it delivers scheduled interrupts, skips virtual time ahead
while every vCPU is halted, notices the end of the run (a limit, power-off, all stopped, deadlock,
an error in any vCPU thread, Ctrl-C) and a guest reset, which it performs with the threads stopped.
Scheduling is not deterministic; round-robin (the default) is.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, NoReturn

from ..errors import AxError
from ..physcpu import running_on
from .completion import StopRun, complete_in_loop
from .slots import HALTED, STARTED, VCpuSlot
from .watchdog import Watchdog

if TYPE_CHECKING:
    from .vm import Vm

WAIT_S = 0.02
"""Longest wait of the supervisor and of an idle vCPU thread before they look again."""


class ThreadedRunner:
    """Runs a VM's vCPUs on one host thread each until the run ends; `run()` raises its StopRun."""

    def __init__(self, vm: Vm) -> None:
        self.vm = vm
        self.cond = vm.wakeup
        self._outcome: StopRun | None = None
        self._reset = False
        self._threads: list[threading.Thread] = []
        self._watchdogs: list[Watchdog] = []

    # ---- the supervisor (the run loop's thread) ---------------------------------------------
    def run(self) -> NoReturn:
        """Run until the run ends; raises the StopRun that ends it."""
        while True:
            self._start_threads()
            try:
                self._supervise()
            finally:
                self._stop_threads()
            if self._outcome is not None:
                raise self._outcome
            self._reset = False
            self.vm.reset_now()

    def request_reset(self) -> None:
        """A vCPU asked for a guest reset: stop every thread; the supervisor resets, then restarts them."""
        with self.cond:
            self._reset = True
            self._kick_all()
            self.cond.notify_all()

    def _supervise(self) -> None:
        vm = self.vm
        with self.cond:
            while self._outcome is None and not self._reset:
                try:
                    vm.deliver_scheduled()
                    vm.check_stop()
                    now = vm.clock.now_ns()
                    for slot in vm.slots:
                        slot.wake_if_due(now)
                    if not any(slot.status == STARTED for slot in vm.slots):
                        vm.idle()  # skips virtual time, or ends the run (all stopped, deadlock)
                        self.cond.notify_all()
                except StopRun as stop:
                    self._end(stop)
                    return
                self.cond.wait(WAIT_S)

    def _end(self, stop: StopRun) -> None:
        """The run ends with `stop` (the first one wins); wake and kick every thread. Call with the lock held."""
        if self._outcome is None:
            self._outcome = stop
        self._kick_all()
        self.cond.notify_all()

    def _kick_all(self) -> None:
        for slot in self.vm.slots:
            slot.arch.kick()

    def _start_threads(self) -> None:
        self._watchdogs = [Watchdog() for _ in self.vm.slots]
        self._threads = [
            threading.Thread(target=self._vcpu_thread, args=(slot, dog), name=f"axvcpu-vcpu{slot.id}", daemon=True)
            for slot, dog in zip(self.vm.slots, self._watchdogs, strict=True)
        ]
        for thread in self._threads:
            thread.start()

    def _stop_threads(self) -> None:
        with self.cond:
            if self._outcome is None and not self._reset:
                self._outcome = StopRun("interrupted", "interrupted by the user")
            self._kick_all()
            self.cond.notify_all()
        for thread in self._threads:
            while thread.is_alive():
                thread.join(WAIT_S)
                with self.cond:
                    self._kick_all()  # a kick can land between two runs and be taken as the slice's end
        for dog in self._watchdogs:
            dog.close()

    # ---- one vCPU thread ------------------------------------------------------------------
    def _vcpu_thread(self, slot: VCpuSlot, watchdog: Watchdog) -> None:
        try:
            with running_on(slot.pcpu):
                while self._next_run(slot, watchdog):
                    try:
                        slot.vcpu.run()
                    finally:
                        watchdog.disarm()
                    self._complete(slot)
        except Exception as err:  # a bug must end the run with its name, not leave a thread dead
            with self.cond:
                self._end(_as_stop(err, slot.id))

    def _next_run(self, slot: VCpuSlot, watchdog: Watchdog) -> bool:
        """Wait until `slot` may run, inject its mail and arm its watchdog; False when the threads stop."""
        with self.cond:
            if not self._wait_runnable(slot):
                return False
            mail, slot.mailbox = slot.mailbox, []
            slot.slice_exits = 0
            watchdog.arm(slot.arch, self.vm.run_bound_ns(slot))
        for vector in mail:
            slot.vcpu.inject_interrupt(vector)
        return True

    def _wait_runnable(self, slot: VCpuSlot) -> bool:
        clock = self.vm.clock
        while self._outcome is None and not self._reset:
            slot.wake_if_due(clock.now_ns())
            if slot.status == STARTED:
                return True
            timeout = WAIT_S
            if slot.status == HALTED and slot.deadline_ns is not None:
                timeout = min(timeout, max(0, slot.deadline_ns - clock.now_ns()) / 1e9)
            self.cond.wait(timeout)
        return False

    def _complete(self, slot: VCpuSlot) -> None:
        with self.cond:
            pending, slot.pending = slot.pending, None
            if pending is not None:
                complete_in_loop(self.vm, slot, pending)
            self.vm.check_stop()
            self.cond.notify_all()


def _as_stop(err: Exception, vcpu_id: int) -> StopRun:
    """How an exception from a vCPU thread ends the run."""
    if isinstance(err, StopRun):
        return err
    if isinstance(err, AxError):
        return StopRun("error", str(err))
    return StopRun("error", f"vCPU {vcpu_id} thread: {type(err).__name__}: {err}")
