"""Side effects the RISC-V decoder asks the vCPU to apply (`Decoded.actions`).

The decoder is pure: what a trap changes in the vCPU (SBI return registers, the timer, hvip,
console bytes, translation caches) is returned as these small immutable actions. The vCPU applies
them in order inside `run()`, before it returns the exit and before the VMM sees it (so a VMM that
later calls `set_return_value` overrides a pre-set a0). They are not part of the exit JSON.

Time unit: guest time is the VMM's virtual clock in 10 MHz ticks, `services.time_ns() // 100`
(§6: QEMU `virt` timebase); `SetTimer.stime_value` uses the same ticks.
"""

from __future__ import annotations

from typing import ClassVar

from axvcpu_core.frozen import Frozen

_set = object.__setattr__

SBI_FAILED = (1 << 64) - 1
"""SBI error FAILED (-1) as the u64 written to a0."""


class Action(Frozen):
    """Base of the actions: immutable, slotted, equal by type and fields."""

    __slots__ = ()


class SetGpr(Action):
    """Write `value` (u64) into GPR `index` (1..31; index 0 is ignored like `set_gpr(0, v)`)."""

    __slots__ = ("index", "value")
    _fields = ("index", "value")
    index: int
    value: int

    def __init__(self, index: int, value: int) -> None:
        _set(self, "index", index)
        _set(self, "value", value)


class SetTimer(Action):
    """Replace this vCPU's one-shot timer deadline and clear hvip.VSTIP (bit 6).

    `stime_value` is in guest ticks (10 MHz). Call `services.set_timer(vcpu_id, stime_value * 100)`
    (nanoseconds), or `services.set_timer(vcpu_id, None)` when `stime_value` is 2**64 - 1 (never).
    A deadline already in the past fires at the next opportunity (§6).
    """

    __slots__ = ("stime_value",)
    _fields = ("stime_value",)
    stime_value: int

    def __init__(self, stime_value: int) -> None:
        _set(self, "stime_value", stime_value)


class ReadTime(Action):
    """Write the guest time, `services.time_ns() // 100` (10 MHz ticks, masked to 64 bits), into GPR `rd`."""

    __slots__ = ("rd",)
    _fields = ("rd",)
    rd: int

    def __init__(self, rd: int) -> None:
        _set(self, "rd", rd)


class ConsoleWrite(Action):
    """Write `data` with `services.console_write(data)` and report the result per `result`.

    - `DBCN_COUNT` (DBCN console_write): a0 = 0, a1 = the count `console_write` returned.
    - `DBCN_ZERO` (DBCN console_write_byte): a0 = 0, a1 = 0.
    - `LEGACY` (legacy console_putchar): a0 = 0; a1 and every other register unchanged.
    If `console_write` raises AxError the console failed: a0 = FAILED (2**64 - 1), and a1 = 0
    except for `LEGACY`, which never touches a1.
    """

    DBCN_COUNT: ClassVar[int] = 0
    DBCN_ZERO: ClassVar[int] = 1
    LEGACY: ClassVar[int] = 2

    __slots__ = ("data", "result")
    _fields = ("data", "result")
    data: bytes
    result: int

    def __init__(self, data: bytes, result: int) -> None:
        _set(self, "data", data)
        _set(self, "result", result)


class ConsoleRead(Action):
    """Read pending console input without blocking: `data = services.console_read(max_bytes)`.

    - `legacy` false (DBCN console_read; the decoder has checked `gpa` is RAM): store `data` with
      `services.write_guest(gpa, data)`, then a0 = 0, a1 = len(data) (0 when no input). If
      `console_read` or `write_guest` raises AxError: a0 = FAILED (2**64 - 1), a1 = 0.
    - `legacy` true (legacy console_getchar, `max_bytes` = 1, `gpa` unused): a0 = the byte
      (0..255), or 2**64 - 1 (-1) when there is no input or the console fails; a1 unchanged.
    """

    __slots__ = ("gpa", "legacy", "max_bytes")
    _fields = ("max_bytes", "gpa", "legacy")
    max_bytes: int
    gpa: int
    legacy: bool

    def __init__(self, max_bytes: int, gpa: int, legacy: bool) -> None:
        _set(self, "max_bytes", max_bytes)
        _set(self, "gpa", gpa)
        _set(self, "legacy", legacy)


class FlushTranslationCaches(Action):
    """Flush every simulated translation cache of this vCPU (VS-stage and G-stage, all ASIDs)."""

    __slots__ = ()


class NonRetentiveSuspendState(Action):
    """Enter the SBI non-retentive resume state: a0 = this vCPU's hart id, a1 = `opaque`,
    vsatp = 0, vsstatus.SIE = 0. The exit's next_pc already is the resume address."""

    __slots__ = ("opaque",)
    _fields = ("opaque",)
    opaque: int

    def __init__(self, opaque: int) -> None:
        _set(self, "opaque", opaque)


class SetVstip(Action):
    """Set hvip.VSTIP (bit 6): the vCPU's timer expired; it stays set until the next SetTimer."""

    __slots__ = ()


FLUSH = FlushTranslationCaches()
"""The shared FlushTranslationCaches instance."""
SET_VSTIP = SetVstip()
"""The shared SetVstip instance."""
