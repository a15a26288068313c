"""`Vm`: one simulated VM built from a `VmSpec`, its services to the vCPUs and its run loop.

The loop is Firecracker-style: `exit = vcpu.run(); handle(exit)`. Exits the VMM can complete at
once (device accesses, hypercalls, IPIs) are completed inside the vCPU's hook through `on_exit`;
the rest (halt, CPU power, system power, faults) come back from `run()` and are handled here.
vCPUs are scheduled round-robin, deterministically, one physical CPU each; with `threads=True`
each runs on its own host thread instead (`threaded.py`).
"""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TypeVar

from ..addrspace import GuestAddressSpace
from ..descriptor import ArchDescriptor, Decoded
from ..engine import DeviceWindow
from ..errors import AxError, AxErrorKind
from ..percpu import PerCpu
from ..physcpu import running_on
from ..registry import ArchRegistry, default_registry
from ..services import FastExitHandlers
from ..spec import VmSpec
from ..vcpu import VCpu, VCpuState
from .clock import VirtualClock
from .completion import IN_HOOK, StopRun, complete_in_loop, hypercall_result
from .console import Console
from .devices import Bus, make_device
from .result import RunResult, RunStats
from .slots import HALTED, STARTED, STOPPED, VCpuSlot
from .threaded import ThreadedRunner
from .watchdog import Watchdog

SLICE_INSTRUCTIONS = 20_000
"""Instructions per round-robin slice when several vCPUs share the loop (or instructions are counted)."""
SLICE_EXITS = 200
"""Exits per slice when several vCPUs share the loop, so a vCPU polling with hypercalls cannot starve
the one it waits for."""
RUN_BOUND_NS = 100_000_000
"""Longest single guest run, so Ctrl-C and the wall-clock limit are noticed."""
EPT_ROOT_BASE = 0x10_0000_0000
"""Host-physical address given as stage-2 root (stage 2 is modelled by the address space itself)."""
_M64 = (1 << 64) - 1
_UNLIMITED = 1 << 62
_T = TypeVar("_T")


def _locked(lock: threading.RLock, function: Callable[..., _T]) -> Callable[..., _T]:
    """`function` called with `lock` held."""

    def call(*args: int) -> _T:
        with lock:
            return function(*args)

    return call


def require_vcpu_model(arch: ArchDescriptor) -> None:
    """AxError(Unsupported) unless the arch plugin can run guests."""
    if arch.vcpu_class is None or arch.vcpu_configs is None:
        features = ", ".join(sorted(arch.capabilities.features)) or "none"
        raise AxError(
            AxErrorKind.Unsupported,
            f"arch {arch.name} cannot run guests yet: its plugin has no vCPU model (features: {features})",
        )


class Vm:
    """A VM: memory, devices, vCPUs on simulated physical CPUs, and the services they use."""

    def __init__(
        self,
        spec: VmSpec,
        console: Console | None = None,
        trace: IO[str] | None = None,
        vm_id: int = 0,
        warn: Callable[[str], None] | None = None,
        registry: ArchRegistry | None = None,
        fast_exits: bool = True,
        threads: bool = False,
    ) -> None:
        self.spec = spec
        self.vm_id = vm_id
        self.threads = threads
        self.lock = threading.RLock()
        """Guards the VMM's state against the vCPU threads (threaded mode; uncontended otherwise)."""
        self.wakeup = threading.Condition(self.lock)
        self._runner: ThreadedRunner | None = None
        self.arch = spec.loaded_arch.descriptor
        require_vcpu_model(self.arch)
        self.console = console if console is not None else Console()
        self.clock = VirtualClock()
        self.stats = RunStats()
        self.warnings: list[str] = []
        self._warn_sink = warn
        self._trace = trace
        self._seq = 0
        self._max_exits = spec.limits.max_exits
        self._stop: StopRun | None = None
        self._deadline_wall: float | None = None
        self.memory = GuestAddressSpace()
        for region in spec.memory:
            self.memory.add_region(region.base, region.size, region.mapping_flags, region.name)
        self._load_images()
        self._registry = registry if registry is not None else default_registry()
        self._observers = self._registry.exit_observers()
        self.mmio = Bus("MMIO", self.warn)
        self.ports = Bus("port", self.warn)
        self._fast_handlers = (
            self._native_handlers() if fast_exits and trace is None and self._observers is None else None
        )
        self._windows = self._attach_devices()
        self.percpus = [PerCpu(self.arch.percpu_class) for _ in range(spec.vcpus)]
        for cpu_id, percpu in enumerate(self.percpus):
            percpu.init(cpu_id)
        self.slots: list[VCpuSlot] = []
        self._next = 0
        self._scheduled: list[tuple[int, int, int, bool]] = []
        self._warned: set[tuple[str, int]] = set()
        self._ran = False

    # ---- construction ----------------------------------------------------------------------
    def _load_images(self) -> None:
        for image in self.spec.loaded_images:
            for segment in image.segments:
                self.memory.write(segment.gpa, segment.data + bytes(segment.mem_size - len(segment.data)))

    def _attach_devices(self) -> list[DeviceWindow]:
        windows = []
        for dev in self.spec.devices:
            device = make_device(dev.kind, dev.options, self.console, self._registry.device_models())
            bus = self.mmio if dev.bus == "mmio" else self.ports
            bus.add(dev.base, dev.size, device)
            if dev.bus == "mmio":
                windows.append(DeviceWindow(dev.base, dev.size, dev.access == "hook", dev.kind))
        return windows

    def _create_vcpus(self) -> None:
        assert self.arch.vcpu_class is not None
        assert self.arch.vcpu_configs is not None
        entry = self.spec.entry if self.spec.entry is not None else self.spec.memory[0].base
        root = EPT_ROOT_BASE + self.vm_id * 0x10_0000
        self.slots = []
        for vcpu_id in range(self.spec.vcpus):
            create, setup = self.arch.vcpu_configs(self.spec.arch_settings, vcpu_id)
            vcpu = VCpu.create(self.arch.vcpu_class, self.vm_id, vcpu_id, create, self, vcpu_id)
            vcpu.setup(entry, root, setup)
            with running_on(vcpu_id):
                vcpu.bind()
            self.slots.append(VCpuSlot(vcpu, vcpu_id))
        self.slots[0].status = STARTED

    def _drop_vcpus(self) -> None:
        for slot in self.slots:
            self.stats.add_vcpu(slot.id, slot.exits)
            if slot.vcpu.state is VCpuState.READY:
                with running_on(slot.pcpu):
                    slot.vcpu.unbind()
        self.slots = []

    # ---- running ---------------------------------------------------------------------------
    def run(self) -> RunResult:
        """Run until the guest powers off, every vCPU stops, a limit is hit or an error occurs."""
        if self._ran:
            raise AxError(AxErrorKind.BadState, f"VM {self.vm_id} has already run; a Vm runs once, build a new one")
        self._ran = True
        started = time.perf_counter()
        self._watchdog = Watchdog()
        limits = self.spec.limits
        self._deadline_wall = None if limits.timeout is None else started + limits.timeout
        try:
            for cpu_id, percpu in enumerate(self.percpus):
                with running_on(cpu_id):
                    percpu.hardware_enable()
            self._create_vcpus()
            self.clock = VirtualClock()  # guest time starts with the guest
            loop_started = time.perf_counter()
            try:
                reason, message = self._loop()
            finally:
                self.stats.loop_seconds = time.perf_counter() - loop_started
        except StopRun as stop:
            reason, message = stop.reason, stop.message
        except AxError as err:
            reason, message = "error", str(err)
        except KeyboardInterrupt:
            reason, message = "interrupted", "interrupted by the user"
        finally:
            self._watchdog.close()
            self._drop_vcpus()
            gc.collect()  # hooks form cycles with the vCPUs; free the Unicorn instances now
            for percpu in self.percpus:
                percpu.close()
            self.stats.wall_seconds = time.perf_counter() - started
        return RunResult(reason, message, self.stats, self.warnings)

    def _loop(self) -> tuple[str, str]:
        if self.threads:
            self._runner = ThreadedRunner(self)
            self._runner.run()  # raises the StopRun that ends the run
        while True:
            slot = self._next_runnable()
            if slot is None:
                self.idle()
                continue
            slot.slice_exits = 0
            self._watchdog.arm(slot.arch, self.run_bound_ns(slot))
            try:
                with running_on(slot.pcpu):
                    slot.vcpu.run()
            finally:
                self._watchdog.disarm()
            pending, slot.pending = slot.pending, None
            if pending is not None:
                complete_in_loop(self, slot, pending)
            self.check_stop()

    def _next_runnable(self) -> VCpuSlot | None:
        self.deliver_scheduled()
        now = self.clock.now_ns()
        count = len(self.slots)
        for step in range(count):
            slot = self.slots[(self._next + step) % count]
            slot.wake_if_due(now)
            if slot.status == STARTED:
                self._next = (self._next + step + 1) % count
                return slot
        return None

    def idle(self) -> None:
        """Nothing can run: skip virtual time to the next deadline, or end the run (StopRun)."""
        self.check_stop()
        waiting = [s.deadline_ns for s in self.slots if s.status == HALTED and s.deadline_ns is not None]
        waiting += [at for at, vcpu_id, _, _ in self._scheduled if self.slots[vcpu_id].status != STOPPED]
        if waiting:
            self.clock.skip_to(min(waiting))
            return
        if all(s.status == STOPPED for s in self.slots):
            raise StopRun("all_stopped", "every vCPU has stopped")
        raise StopRun("deadlock", "every vCPU is halted with no timer armed and nothing left to wake it")

    def check_stop(self) -> None:
        """Raise the StopRun of a limit, an error or a request, if the run must end."""
        if self._stop is not None:
            raise self._stop
        if self._deadline_wall is not None and time.perf_counter() >= self._deadline_wall:
            raise StopRun("timeout", f"the run reached its time limit of {self.spec.limits.timeout} s")

    def warn(self, message: str) -> None:
        """Record a warning (and print it, once, to stderr or the configured sink)."""
        self.warnings.append(message)
        if self._warn_sink is not None:
            self._warn_sink(message)
        else:
            print(f"axvcpu: {message}", file=sys.stderr)

    # ---- services offered to the vCPUs (VmmServices) ---------------------------------------
    def time_ns(self) -> int:
        """Virtual time in ns."""
        return self.clock.now_ns()

    def set_timer(self, vcpu_id: int, deadline_ns: int | None) -> None:
        """Arm or cancel a vCPU's one-shot timer."""
        self.slots[vcpu_id].deadline_ns = deadline_ns

    def console_write(self, data: bytes) -> int:
        """Guest console output."""
        return self.console.write(data)

    def console_read(self, max_bytes: int) -> bytes:
        """Guest console input (non-blocking)."""
        return self.console.read(max_bytes)

    def vcpu_count(self) -> int:
        """Number of vCPUs."""
        return self.spec.vcpus

    def vcpu_status(self, vcpu_id: int) -> str:
        """The vCPU's power state, "started" (running or halted) or "stopped"; NotFound for an unknown id."""
        if not 0 <= vcpu_id < len(self.slots):
            raise AxError(AxErrorKind.NotFound, f"VM {self.vm_id} has no vCPU {vcpu_id}")
        return STOPPED if self.slots[vcpu_id].status == STOPPED else STARTED

    def read_guest(self, gpa: int, size: int) -> bytes:
        """Guest RAM read."""
        return self.memory.read(gpa, size)

    def write_guest(self, gpa: int, data: bytes) -> None:
        """Guest RAM write."""
        self.memory.write(gpa, data)

    def guest_memory(self) -> GuestAddressSpace:
        """The VM's RAM."""
        return self.memory

    def device_windows(self) -> Sequence[DeviceWindow]:
        """The MMIO windows and their interception mode."""
        return self._windows

    def slice_instructions(self) -> int:
        """Count-mode slices when several vCPUs share the loop or instructions are limited."""
        if (self.spec.vcpus > 1 and not self.threads) or self.spec.limits.max_instructions is not None:
            return SLICE_INSTRUCTIONS
        return 0

    def run_timeout_ns(self) -> int | None:
        """None: the VMM's watchdog kicks the running vCPU at its run bound, timer and scheduled interrupts."""
        return None

    def run_bound_ns(self, slot: VCpuSlot) -> int:
        """How long `slot` may run before the watchdog kicks it."""
        now = self.clock.now_ns()
        bound = RUN_BOUND_NS
        if slot.deadline_ns is not None:
            bound = min(bound, slot.deadline_ns - now)
        if self._scheduled:
            bound = min(bound, self._scheduled[0][0] - now)
        return max(0, bound)

    def code_ranges(self) -> Sequence[tuple[int, int]]:
        """Where the images were loaded."""
        return [(seg.gpa, seg.gpa + len(seg.data)) for img in self.spec.loaded_images for seg in img.segments]

    def retired_instructions(self, vcpu_id: int, count: int) -> None:
        """Count whole slices; stop at the first slice boundary past `max_instructions`."""
        with self.lock:
            self.stats.instructions = (self.stats.instructions or 0) + count
            limit = self.spec.limits.max_instructions
            if limit is not None and self.stats.instructions >= limit and self._stop is None:
                self._stop = StopRun("max_instructions", f"the run reached its limit of {limit:,} instructions")

    def raise_interrupt(self, vcpu_id: int, vector: int, at_ns: int | None = None) -> None:
        """Inject `vector` into a vCPU now, or when virtual time reaches `at_ns` (a modelled interrupt source)."""
        self._schedule(vcpu_id, vector, at_ns, external=False)

    def raise_host_interrupt(self, vcpu_id: int, vector: int, at_ns: int | None = None) -> None:
        """A host device interrupt while `vcpu_id` runs: the vCPU reports it as an ExternalInterrupt exit."""
        self._schedule(vcpu_id, vector, at_ns, external=True)

    def _schedule(self, vcpu_id: int, vector: int, at_ns: int | None, external: bool) -> None:
        if not 0 <= vcpu_id < self.spec.vcpus:
            raise AxError(AxErrorKind.NotFound, f"VM {self.vm_id} has no vCPU {vcpu_id}")
        self._scheduled.append((self.clock.now_ns() if at_ns is None else at_ns, vcpu_id, vector, external))
        self._scheduled.sort()

    def request_stop(self, message: str = "stopped on request") -> None:
        """End the run as soon as possible; callable from another thread (kicks every vCPU)."""
        self._stop = StopRun("interrupted", message)
        for slot in list(self.slots):
            slot.arch.kick()

    def deliver_scheduled(self) -> None:
        """Deliver the scheduled interrupts whose virtual time has come."""
        now = self.clock.now_ns()
        while self._scheduled and self._scheduled[0][0] <= now and self.slots:
            _, vcpu_id, vector, external = self._scheduled.pop(0)
            slot = self.slots[vcpu_id]
            if external:
                slot.arch.kick(vector)
                continue
            self.deliver_interrupt(slot, vector)

    def deliver_interrupt(self, slot: VCpuSlot, vector: int) -> None:
        """Inject `vector` into a vCPU and wake it if it is halted. In threaded mode the vCPU's own
        thread injects it (from its mailbox) before its next run; a running vCPU is kicked for that."""
        if not self.threads:
            slot.vcpu.inject_interrupt(vector)
        else:
            with self.lock:
                slot.mailbox.append(vector)
                if slot.status == STARTED:
                    slot.arch.kick()
                self.wakeup.notify_all()
        if slot.status == HALTED:
            slot.status = STARTED

    def on_exit(self, vcpu_id: int, pc: int, trap: object, decoded: Decoded) -> bool:
        """Count, trace and, when possible, complete an exit; False makes the vCPU return it."""
        exit_ = decoded[0]
        with self.lock:
            slot = self.slots[vcpu_id]
            slot.exits[exit_.kind] += 1
            self._seq += 1
            if self._trace is not None:
                self._write_trace(vcpu_id, pc, trap, decoded)
            if self._observers is not None:
                self._observers(vm_id=self.vm_id, vcpu_id=vcpu_id, pc=pc, exit=exit_)
            handler = IN_HOOK.get(type(exit_))
            if handler is None:
                slot.pending = exit_
                return False
            handler(self, slot, exit_)
            if self._max_exits is not None and self._seq >= self._max_exits:
                self._stop = StopRun("max_exits", f"the run reached its limit of {self._max_exits} exits")
            slot.slice_exits += 1
            if slot.slice_exits >= SLICE_EXITS and self._slicing():
                return False  # completed; yield so the other vCPUs run
            return self._stop is None

    def _slicing(self) -> bool:
        """Whether vCPUs take turns on the loop's thread (round-robin with several vCPUs)."""
        return len(self.slots) > 1 and not self.threads

    def fast_exit_handlers(self) -> FastExitHandlers | None:
        """The VMM's handlers, unless exits are traced or observed (or `fast_exits` is off)."""
        return self._fast_handlers

    def fast_exits_done(self, vcpu_id: int, counts: Mapping[str, int]) -> int:
        """Count natively completed exits; the budget keeps `max_exits` and the slice on `on_exit`.

        With vCPU threads and `max_exits`, no exit is completed natively: the budgets of vCPUs that
        run at once would add up past the limit.
        """
        with self.lock:
            slot = self.slots[vcpu_id]
            if counts:
                total = sum(counts.values())
                slot.exits.update(counts)
                self.stats.native_exits += total
                self._seq += total
                slot.slice_exits += total
            if self._stop is not None or (self.threads and self._max_exits is not None):
                return 0
            remaining = _UNLIMITED if self._max_exits is None else self._max_exits - self._seq - 1
            if self._slicing():
                remaining = min(remaining, SLICE_EXITS - slot.slice_exits - 1)
            return max(0, remaining)

    def hypercall(self, nr: int, *args: int) -> int:
        """A hypercall's result (the native handler; with vCPU threads it runs under the VM's lock)."""
        return hypercall_result(self, nr, args)

    def _native_handlers(self) -> FastExitHandlers:
        """The handlers vCPUs may call without `on_exit`; with vCPU threads, each under the VM's lock."""
        if not self.threads:
            return FastExitHandlers(self.mmio.read, self.mmio.write, self.hypercall)
        lock = self.lock
        return FastExitHandlers(
            _locked(lock, self.mmio.read), _locked(lock, self.mmio.write), _locked(lock, self.hypercall)
        )

    def _write_trace(self, vcpu_id: int, pc: int, trap: object, decoded: Decoded) -> None:
        assert self._trace is not None
        assert self.arch.decoder is not None
        line = {
            "seq": self._seq,
            "vcpu": vcpu_id,
            "pc": pc,
            "trap": self.arch.decoder.dump(trap),
            "exit": decoded.to_dict(),
        }
        self._trace.write(json.dumps(line) + "\n")

    # ---- used by the exit handlers --------------------------------------------------------
    def warn_once(self, key: tuple[str, int], message: str) -> None:
        """Warn about `key` the first time only."""
        if key not in self._warned:
            self._warned.add(key)
            self.warn(message + " (reported once)")

    def reset_guest(self) -> None:
        """Reset: new vCPUs in their reset state, images loaded again, vCPU 0 started (threaded mode:
        once every vCPU thread has stopped)."""
        if self._runner is not None:
            self._runner.request_reset()
        else:
            self.reset_now()

    def reset_now(self) -> None:
        """Reset at once (no vCPU may be running)."""
        self.stats.resets += 1
        self._drop_vcpus()
        self._load_images()
        self._create_vcpus()
