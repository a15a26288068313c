"""Native completion of the hottest exits: hypercalls and MMIO on hooked device windows.

A hardware model installs its INTR and device-window hooks through `ExitHooks`. With the native
module (`axvcpu_core._fastexit`, built from C when the package is installed) the hooks are C
functions that complete two kinds of exits without entering the plugin's Python code:

- a **call** whose registers match the plugin's `CallRule` (the hypercall ABI its decoder
  implements): the VMM's hypercall handler runs and its result goes into the return register;
- a **device-window access by an instruction the plugin's decoder has already decoded**: the
  model `remember`s the decoder's answer for (reported PC, address, direction) and the hook reuses
  it while the instruction bytes, the address operand and the guest's translation mode are
  unchanged. The VMM's MMIO handler runs; a read's value is placed in the shadow page before the
  guest's load executes, so the CPU itself applies the width and sign extension.

Everything else, and every exit once the VMM's budget is spent, goes to the model's Python hook
(the full trap record -> decoder -> `on_exit` path) with the arguments Unicorn's binding passes.
The VMM hands out handlers only when nobody watches single exits (no trace, no exit observers),
and a budget so that limits and scheduling slices end on an exit it sees
(`VmmServices.fast_exit_handlers`, `VmmServices.fast_exits_done`). Without the native module the
same calls install ordinary binding hooks and nothing is completed natively.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from unicorn import UC_HOOK_INTR, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, Uc
from unicorn.unicorn_py3.unicorn import uclib

from .errors import AxError, AxErrorKind

if TYPE_CHECKING:
    from ._fastexit import FastExits
    from .engine import DeviceWindow, MemHook
    from .services import FastExitHandlers, VmmServices

_fastexit: ModuleType | None
try:
    from . import _fastexit
except ImportError:  # built without a C compiler: every exit takes the Python path
    _fastexit = None

if _fastexit is not None:
    _lib = ctypes.CDLL(uclib._name)
    _fastexit.bind_library(
        *(
            ctypes.cast(getattr(_lib, name), ctypes.c_void_p).value
            for name in (
                "uc_hook_add",
                "uc_hook_del",
                "uc_reg_read",
                "uc_reg_write",
                "uc_reg_read_batch",
                "uc_mem_read",
                "uc_mem_write",
                "uc_emu_stop",
            )
        )
    )

IntrHook = Callable[[Uc, int, object], object]
EXIT_KINDS = ("MmioRead", "MmioWrite", "Hypercall")
"""The exit kinds completed natively, in the order `take_counts` reports them."""
_M64 = (1 << 64) - 1


@contextlib.contextmanager
def _refused(what: str) -> Iterator[None]:
    """The native module's ValueError/TypeError/RuntimeError/OverflowError as AxError(InvalidInput)."""
    try:
        yield
    except (ValueError, TypeError, RuntimeError, OverflowError) as err:
        raise AxError(AxErrorKind.InvalidInput, f"ExitHooks.{what}: {err}") from err


def native_available() -> bool:
    """True when the C module was built and imports."""
    return _fastexit is not None


@dataclass(frozen=True)
class CallRule:
    """A hypercall ABI in Unicorn register ids: on interrupt `intno`, if every guard register holds
    its value, the call is `nr_reg` with arguments `arg_regs`, and its result goes to `ret_reg`."""

    intno: int
    guards: tuple[tuple[int, int], ...]
    nr_reg: int
    arg_regs: tuple[int, ...]
    ret_reg: int

    def __post_init__(self) -> None:
        if len(self.guards) > 4 or len(self.arg_regs) > 6:
            raise AxError(AxErrorKind.InvalidInput, "a call rule has at most 4 guards and 6 argument registers")


class _DeferredStops:
    """The kick protocol without the native module, for stops asked for inside a memory hook.

    Such a stop waits for the next hook (a memory hook skips its access and stops; an INTR hook
    stops after it), so the access that asked is not run again. A kick from another thread that
    lands while an access is in flight can still repeat it: only the native module prevents that.
    """

    def __init__(self, uc: Uc) -> None:
        self.uc = uc
        self.in_mem_hook = False
        self.pending = False

    def memory(self, fallback: MemHook) -> MemHook:
        def hook(uc: Uc, access: int, address: int, size: int, value: int, user_data: object) -> object:
            if self.pending:
                self.pending = False
                uc.emu_stop()  # the access runs again, with its effects, after the restart
                return None
            self.in_mem_hook = True
            try:
                return fallback(uc, access, address, size, value, user_data)
            finally:
                self.in_mem_hook = False

        return hook

    def intr(self, fallback: IntrHook) -> IntrHook:
        def hook(uc: Uc, intno: int, user_data: object) -> object:
            result = fallback(uc, intno, user_data)
            if self.pending:
                self.pending = False
                uc.emu_stop()
            return result

        return hook

    def kick(self) -> None:
        if self.in_mem_hook:
            self.pending = True
        else:
            self.uc.emu_stop()


class ExitHooks:
    """The INTR and device-window hooks of one Unicorn instance, native when available."""

    def __init__(self, uc: Uc, pc_reg: int, native: bool = True) -> None:
        self.uc = uc
        self._native: FastExits | None = None
        self._deferred = _DeferredStops(uc)
        if native and _fastexit is not None:
            self._native = _fastexit.FastExits(uc, uc._uch.value, pc_reg)

    @property
    def native(self) -> bool:
        """Whether exits can be completed natively on this instance."""
        return self._native is not None

    def hook_intr(self, fallback: IntrHook) -> None:
        """Hook interrupts/exceptions; `fallback(uc, intno, None)` gets what the call rule does not take."""
        if self._native is None:
            self.uc.hook_add(UC_HOOK_INTR, self._deferred.intr(fallback))
        else:
            with _refused("hook_intr"):
                self._native.hook_intr(fallback)

    def hook_windows(self, windows: Iterable[DeviceWindow], on_read: MemHook, on_write: MemHook) -> None:
        """Hook reads and writes of each window; the fallbacks get Unicorn's memory-hook arguments.

        Every window of one instance shares one pair of fallbacks (AxError(InvalidInput) otherwise).
        """
        for window in windows:
            last = window.end - 1
            if self._native is None:
                self.uc.hook_add(UC_HOOK_MEM_READ, self._deferred.memory(on_read), begin=window.base, end=last)
                self.uc.hook_add(UC_HOOK_MEM_WRITE, self._deferred.memory(on_write), begin=window.base, end=last)
            else:
                with _refused("hook_windows"):
                    self._native.hook_window(window.base, last, on_read, on_write)

    def set_call_rule(self, rule: CallRule) -> None:
        """Complete calls matching `rule` natively (when armed)."""
        if self._native is not None:
            self._native.set_call_rule(rule.intno, rule.guards, rule.nr_reg, rule.arg_regs, rule.ret_reg)

    def set_translation_guard(self, reg: int, mask: int) -> None:
        """Reuse remembered accesses only while `reg & mask == 0` (the guest's translation is off)."""
        if self._native is not None:
            self._native.set_translation_guard(reg, mask & _M64)

    def remember(
        self, reported_pc: int, address: int, is_write: bool, insn_pc: int, insn: bytes, base_reg: int, offset: int,
        width: int,
    ) -> None:  # fmt: skip
        """Remember the decoder's answer for an access: the instruction at `insn_pc` (bytes `insn`),
        addressing `x[base_reg] + offset`, made a `width`-byte access the VMM completed at once."""
        if self._native is not None:
            with _refused("remember"):
                self._native.remember(reported_pc, address, is_write, insn_pc, insn, base_reg, offset & _M64, width)

    def kick(self) -> None:
        """Stop the running instance soon (thread-safe), never while a load or store is in flight.

        Unicorn executes a load or store again, hook included, when a stop arrives while it is in
        flight; with the native module a kick that arrives then waits for the next safe point (see
        `_fastexit.c`). Without it, only a kick from inside a memory hook waits (for the next hook).
        """
        if self._native is None:
            self._deferred.kick()
        else:
            self._native.kick()

    def emu_start(self, begin: int, until: int, timeout: int = 0, count: int = 0) -> None:
        """`uc.emu_start`, with the kick protocol told that the instance runs (use it for every run)."""
        if self._native is None:
            self.uc.emu_start(begin, until, timeout, count)
            return
        self._native.set_running(True)
        try:
            self.uc.emu_start(begin, until, timeout, count)
        finally:
            self._native.set_running(False)

    def clear_kick(self) -> None:
        """Forget a kick the caller has handled (it saw its flag after the run stopped)."""
        if self._native is None:
            self._deferred.pending = False
        else:
            self._native.clear_kick()

    def forget(self) -> None:
        """Drop every remembered access."""
        if self._native is not None:
            self._native.forget()

    def start(self, services: VmmServices, vcpu_id: int) -> bool:
        """At the start of `run()`: arm with the VMM's handlers and budget; False if nothing is completed natively."""
        handlers = services.fast_exit_handlers() if self._native is not None else None
        if handlers is None:
            self.arm(None, 0)
            return False
        self.arm(handlers, services.fast_exits_done(vcpu_id, {}))
        return True

    def report(self, services: VmmServices, vcpu_id: int) -> None:
        """Before an exit goes to `on_exit`: tell the VMM what was completed natively and take its new budget."""
        assert self._native is not None
        done = self.take_counts()
        if done:
            self._native.budget = services.fast_exits_done(vcpu_id, done)

    def spend(self) -> None:
        """After an exit went through `on_exit`: it used one exit of the budget."""
        assert self._native is not None
        self._native.budget = max(0, self._native.budget - 1)

    def stop(self, services: VmmServices, vcpu_id: int) -> None:
        """At the end of `run()`: report, then complete nothing natively until the next `start`."""
        self.report(services, vcpu_id)
        self.arm(None, 0)

    def arm(self, handlers: FastExitHandlers | None, budget: int) -> None:
        """Complete up to `budget` exits natively with the VMM's `handlers` (None: complete none)."""
        if self._native is None:
            return
        if handlers is None:
            self._native.disarm()
        else:
            self._native.arm(handlers.mmio_read, handlers.mmio_write, handlers.hypercall, budget)

    def set_budget(self, budget: int) -> None:
        """Exits left to complete natively before one must go through the Python path."""
        if self._native is not None:
            self._native.budget = budget

    def take_counts(self) -> dict[str, int]:
        """Exits completed natively since the last call, by kind (only kinds that occurred)."""
        counts = None if self._native is None else self._native.take_counts()
        if counts is None:
            return {}
        return {kind: n for kind, n in zip(EXIT_KINDS, counts, strict=True) if n}
