"""What each conformance scenario must produce. Every failure message names the defect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..conformance_kit import (
    DEVICE_BASE,
    DEVICE_FILL,
    HYPERCALL_ARGS,
    HYPERCALL_NR,
    HYPERCALL_RESULT,
    MARKER,
    WRITE_PATTERN,
    ScenarioGuest,
)
from .harness import ScenarioRun

Check = Callable[[ScenarioRun, ScenarioGuest], None]
_EXECUTE = 4


def expect(condition: bool, defect: str) -> None:
    """Fail with `defect` as the message."""
    if not condition:
        raise AssertionError(defect)


def _mask(width: int) -> int:
    return (1 << (8 * width)) - 1


def _detail(guest: ScenarioGuest, key: str) -> int:
    if key not in guest.details:
        raise AssertionError(f"the scenario guest must give details[{key!r}]")
    return guest.details[key]


def check_exit_pcs(run: ScenarioRun, guest: ScenarioGuest) -> list[dict[str, Any]]:
    """Each declared exit happened at its trapping PC and resumes at the declared PC; returns their lines."""
    found = []
    for exit_offset, resume_offset in guest.exits:
        pc, resume = run.ram_base + exit_offset, run.ram_base + resume_offset
        lines = [line for line in run.trace if line["pc"] == pc]
        expect(bool(lines), f"trapping PC: no exit at {pc:#x} (exits were at {_pcs(run)})")
        got = lines[0]["exit"]["next_pc"]
        expect(got == resume, f"resume PC: the exit at {pc:#x} resumes at {got:#x}, expected {resume:#x}")
        found.append(lines[0])
    return found


def _pcs(run: ScenarioRun) -> str:
    return ", ".join(f"{line['pc']:#x} {line['exit']['kind']}" for line in run.trace[:12]) or "none"


def _only(run: ScenarioRun, guest: ScenarioGuest, kind: str) -> dict[str, Any]:
    lines = check_exit_pcs(run, guest)
    expect(bool(lines), "the scenario guest declares no exit")
    exit_: dict[str, Any] = lines[0]["exit"]
    expect(exit_["kind"] == kind, f"exit kind: expected {kind}, got {exit_['kind']} ({exit_})")
    return exit_


def _finished(run: ScenarioRun) -> None:
    expect(run.result.reason == "poweroff", f"the guest did not finish: {run.result.reason}: {run.result.message}")


def hypercall(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exit_ = _only(run, guest, "Hypercall")
    expect(exit_["nr"] == HYPERCALL_NR, f"hypercall number: expected {HYPERCALL_NR}, got {exit_['nr']}")
    expect(
        tuple(exit_["args"]) == HYPERCALL_ARGS, f"hypercall arguments: expected {HYPERCALL_ARGS}, got {exit_['args']}"
    )
    _finished(run)
    value = run.slot(guest, "value")
    expect(
        value & 0xFFFF_FFFF == HYPERCALL_RESULT,
        f"hypercall return value: the guest saw {value}, not {HYPERCALL_RESULT}",
    )


def mmio_write(width: int) -> Check:
    def check(run: ScenarioRun, guest: ScenarioGuest) -> None:
        exit_ = _only(run, guest, "MmioWrite")
        addr = DEVICE_BASE + _detail(guest, "offset")
        expect(exit_["addr"] == addr, f"MMIO address: expected {addr:#x}, got {exit_['addr']:#x}")
        expect(exit_["width"] == width, f"MMIO width: expected {width}, got {exit_['width']}")
        want = WRITE_PATTERN & _mask(width)
        expect(
            exit_["data"] == want, f"MMIO write data: expected {want:#x} (masked to the width), got {exit_['data']:#x}"
        )
        _finished(run)

    return check


def mmio_read(width: int, signed: bool) -> Check:
    def check(run: ScenarioRun, guest: ScenarioGuest) -> None:
        exit_ = _only(run, guest, "MmioRead")
        addr = DEVICE_BASE + _detail(guest, "offset")
        expect(exit_["addr"] == addr, f"MMIO address: expected {addr:#x}, got {exit_['addr']:#x}")
        expect(exit_["width"] == width, f"MMIO width: expected {width}, got {exit_['width']}")
        reg_width = exit_["reg_width"]
        want_ext = signed and width < reg_width
        expect(exit_["signed_ext"] == want_ext, f"sign extension flag: expected {want_ext}, got {exit_['signed_ext']}")
        if "reg" in guest.details:
            expect(exit_["reg"] == guest.details["reg"], f"destination register: expected {guest.details['reg']}, "
                   f"got {exit_['reg']}")  # fmt: skip
        _finished(run)
        raw = DEVICE_FILL & _mask(width)
        value = raw - (1 << (8 * width)) if want_ext and raw >> (8 * width - 1) else raw
        want = value & _mask(reg_width)
        got = run.slot(guest, "value") & _mask(reg_width)
        expect(got == want, f"loaded value: the guest's register holds {got:#x}, expected {want:#x}"
               f"{' (missing sign extension?)' if want_ext else ''}")  # fmt: skip

    return check


def stage2_rule(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exit_ = _only(run, guest, "NestedPageFault")
    addr = _detail(guest, "addr")
    expect(exit_["addr"] == addr, f"fault address: expected {addr:#x}, got {exit_['addr']:#x}")


def sysreg_read(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exit_ = _only(run, guest, "SysRegRead")
    expect(exit_["addr"] == _detail(guest, "addr"), f"system register: expected {guest.details['addr']:#x}, "
           f"got {exit_['addr']:#x}")  # fmt: skip
    expect(exit_["reg"] == _detail(guest, "reg"), f"destination register: expected {guest.details['reg']}, "
           f"got {exit_['reg']}")  # fmt: skip
    _finished(run)
    expect(run.slot(guest, "value") == 0, "completion: the VMM's value (0) did not reach the destination register")


def sysreg_write(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exit_ = _only(run, guest, "SysRegWrite")
    expect(exit_["addr"] == _detail(guest, "addr"), f"system register: got {exit_['addr']:#x}")
    expect(exit_["value"] == _detail(guest, "value"), f"written value: expected {guest.details['value']:#x}, "
           f"got {exit_['value']:#x}")  # fmt: skip
    _finished(run)


def io_read(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exit_ = _only(run, guest, "IoRead")
    expect(exit_["port"] == _detail(guest, "port"), f"port: got {exit_['port']:#x}")
    expect(exit_["width"] == _detail(guest, "width"), f"port width: got {exit_['width']}")
    _finished(run)


def io_write(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exit_ = _only(run, guest, "IoWrite")
    expect(exit_["port"] == _detail(guest, "port"), f"port: got {exit_['port']:#x}")
    width = _detail(guest, "width")
    expect(exit_["width"] == width, f"port width: got {exit_['width']}")
    want = _detail(guest, "value") & _mask(width)
    expect(exit_["data"] == want, f"port data: expected {want:#x}, got {exit_['data']:#x}")
    _finished(run)


def halt_wake(run: ScenarioRun, guest: ScenarioGuest) -> None:
    _only(run, guest, "Halt")
    _finished(run)
    expect(run.slot(guest, "marker") == MARKER, "wake-up: the guest did not continue after the injected interrupt")


def external_interrupt(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exits = run.exits("ExternalInterrupt")
    expect(bool(exits), "no ExternalInterrupt exit")
    vector = _detail(guest, "vector")
    expect(
        exits[0]["exit"]["vector"] == vector, f"interrupt vector: expected {vector}, got {exits[0]['exit']['vector']}"
    )


def fetch_fault(run: ScenarioRun, guest: ScenarioGuest) -> None:
    addr = _detail(guest, "addr")
    faults = run.exits("NestedPageFault")
    expect(bool(faults), f"no NestedPageFault for the fetch from {addr:#x} (run ended: {run.result.reason})")
    exit_ = faults[0]["exit"]
    expect(exit_["addr"] == addr, f"fault address: expected {addr:#x}, got {exit_['addr']:#x}")
    expect(exit_["access_flags"] & _EXECUTE != 0, f"access flags: expected EXECUTE, got {exit_['access_flags']}")
    expect(exit_["next_pc"] == addr, f"resume PC: a fetch fault resumes at the faulting PC {addr:#x}, "
           f"got {exit_['next_pc']:#x}")  # fmt: skip
    expect(run.result.reason == "fault", f"the VMM should stop on the fault, run ended: {run.result.reason}")


def cpu_up(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exit_ = _only(run, guest, "CpuUp")
    expect(exit_["target_cpu"] == 1, f"CpuUp target: expected vCPU 1, got {exit_['target_cpu']}")
    entry = run.ram_base + _detail(guest, "entry")
    expect(exit_["entry_point"] == entry, f"CpuUp entry: expected {entry:#x}, got {exit_['entry_point']:#x}")
    expect(exit_["arg"] == _detail(guest, "arg"), f"CpuUp argument: got {exit_['arg']:#x}")
    expect(run.slot(guest, "marker") == MARKER, "the started vCPU did not run")


def cpu_down(run: ScenarioRun, guest: ScenarioGuest) -> None:
    check_exit_pcs(run, guest)
    downs = [line for line in run.exits("CpuDown") if line["vcpu"] != 0]
    expect(bool(downs), "no CpuDown exit from a secondary vCPU")


def _targets(exit_: dict[str, Any], sender: int, count: int) -> set[int]:
    if exit_["send_to_all"]:
        targets = {i for i in range(count) if i != sender}
    else:
        targets = {exit_["target_cpu"] + bit for bit in range(64) if exit_["target_cpu_aux"] >> bit & 1}
    if exit_["send_to_self"]:
        targets.add(sender)
    return targets


def send_ipi(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exits = run.exits("SendIPI")
    expect(bool(exits), "no SendIPI exit")
    first = exits[0]
    targets = _targets(first["exit"], first["vcpu"], guest.vcpus)
    expect(1 in targets, f"IPI targets: vCPU 1 is not among {sorted(targets)}")
    if "vector" in guest.details:
        expect(first["exit"]["vector"] == guest.details["vector"], f"IPI vector: got {first['exit']['vector']}")
    check_exit_pcs(run, guest)
    expect(run.slot(guest, "marker") == MARKER, "the IPI did not reach vCPU 1")


def send_ipi_broadcast(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exits = run.exits("SendIPI")
    expect(bool(exits), "no SendIPI exit")
    exit_ = exits[0]["exit"]
    targets = _targets(exit_, exits[0]["vcpu"], guest.vcpus)
    expect(targets == set(range(guest.vcpus)), f"broadcast IPI targets: {sorted(targets)}, expected every vCPU")


def poweroff(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exit_ = _only(run, guest, "SystemDown")
    expect(exit_["reset"] is False, "SystemDown.reset: a power-off must have reset = false")
    _finished(run)


def reset(run: ScenarioRun, guest: ScenarioGuest) -> None:
    exit_ = _only(run, guest, "SystemDown")
    expect(exit_["reset"] is True, "SystemDown.reset: a reset must have reset = true")
    expect(run.result.stats.resets >= 1, "the VMM did not reset the VM")


CHECKS: dict[str, Check] = {
    "hypercall": hypercall,
    **{f"mmio_write_{w}": mmio_write(w) for w in (1, 2, 4, 8)},
    **{f"mmio_read_{w}_zero": mmio_read(w, False) for w in (1, 2, 4, 8)},
    **{f"mmio_read_{w}_sign": mmio_read(w, True) for w in (1, 2, 4)},
    "stage2_rule": stage2_rule,
    "sysreg_read": sysreg_read,
    "sysreg_write": sysreg_write,
    "io_read": io_read,
    "io_write": io_write,
    "halt_wake": halt_wake,
    "external_interrupt": external_interrupt,
    "fetch_fault": fetch_fault,
    "cpu_up": cpu_up,
    "cpu_down": cpu_down,
    "send_ipi": send_ipi,
    "send_ipi_broadcast": send_ipi_broadcast,
    "poweroff": poweroff,
    "reset": reset,
}
"""The check of every scenario in `conformance_kit.SCENARIOS`."""
