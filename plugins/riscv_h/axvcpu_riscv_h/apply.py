"""How the riscv64 vCPU applies the decoder's actions (everything but SetGpr, which run() inlines)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from axvcpu_core.errors import AxError

from . import actions as act
from .csrs import M64, NS_PER_TICK

if TYPE_CHECKING:
    from .vcpu import RiscvVCpu


def _set_timer(vcpu: RiscvVCpu, action: act.SetTimer) -> None:
    vcpu.program_timer(action.stime_value)


def _read_time(vcpu: RiscvVCpu, action: act.ReadTime) -> None:
    vcpu.set_gpr(action.rd, (vcpu.services.time_ns() // NS_PER_TICK) & M64)


def _console_write(vcpu: RiscvVCpu, action: act.ConsoleWrite) -> None:
    try:
        written = vcpu.services.console_write(action.data)
    except AxError:
        vcpu.set_gpr(10, act.SBI_FAILED)
        if action.result != act.ConsoleWrite.LEGACY:
            vcpu.set_gpr(11, 0)
        return
    vcpu.set_gpr(10, 0)
    if action.result == act.ConsoleWrite.DBCN_COUNT:
        vcpu.set_gpr(11, written)
    elif action.result == act.ConsoleWrite.DBCN_ZERO:
        vcpu.set_gpr(11, 0)


def _console_read(vcpu: RiscvVCpu, action: act.ConsoleRead) -> None:
    services = vcpu.services
    if action.legacy:
        try:
            data = services.console_read(1)
        except AxError:
            data = b""
        vcpu.set_gpr(10, data[0] if data else M64)
        return
    try:
        data = services.console_read(action.max_bytes)
        services.write_guest(action.gpa, data)
    except AxError:
        vcpu.set_gpr(10, act.SBI_FAILED)
        vcpu.set_gpr(11, 0)
        return
    vcpu.set_gpr(10, 0)
    vcpu.set_gpr(11, len(data))


def _flush(vcpu: RiscvVCpu, action: act.FlushTranslationCaches) -> None:
    vcpu.flush_translation_caches()


def _non_retentive(vcpu: RiscvVCpu, action: act.NonRetentiveSuspendState) -> None:
    vcpu.enter_resume_state(action.opaque)


def _set_vstip(vcpu: RiscvVCpu, action: act.SetVstip) -> None:
    vcpu.raise_vstip()


APPLY: dict[type, Callable[[Any, Any], None]] = {
    act.SetTimer: _set_timer,
    act.ReadTime: _read_time,
    act.ConsoleWrite: _console_write,
    act.ConsoleRead: _console_read,
    act.FlushTranslationCaches: _flush,
    act.NonRetentiveSuspendState: _non_retentive,
    act.SetVstip: _set_vstip,
}
"""Action type -> applier (the vCPU applies SetGpr itself, on the hot path)."""
