"""How the VMM completes each exit kind: at once inside the vCPU's hook, or in the run loop."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..exits import (
    CpuDown,
    CpuUp,
    ExternalInterrupt,
    FailEntry,
    Halt,
    Hypercall,
    IoRead,
    IoWrite,
    MmioRead,
    MmioWrite,
    NestedPageFault,
    Nothing,
    SendIPI,
    SysRegRead,
    SysRegWrite,
    SystemDown,
    VmExit,
)
from .hypercalls import HYPERCALLS
from .slots import HALTED, STARTED, STOPPED, VCpuSlot

if TYPE_CHECKING:
    from .vm import Vm

_M64 = (1 << 64) - 1


class StopRun(Exception):
    """The run ends for `reason` (see `result.EXIT_STATUS`)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def mmio_read(vm: Vm, slot: VCpuSlot, exit_: MmioRead) -> None:
    """Device read, extended as the exit says, into the destination register."""
    value = vm.mmio.read(exit_.addr, exit_.width)
    slot.arch.set_gpr(exit_.reg, extend(value, exit_.width, exit_.reg_width, exit_.signed_ext))


def mmio_write(vm: Vm, slot: VCpuSlot, exit_: MmioWrite) -> None:
    """Device write."""
    vm.mmio.write(exit_.addr, exit_.width, exit_.data)


def io_read(vm: Vm, slot: VCpuSlot, exit_: IoRead) -> None:
    """Port read into the return register."""
    slot.arch.set_return_value(vm.ports.read(exit_.port, exit_.width))


def io_write(vm: Vm, slot: VCpuSlot, exit_: IoWrite) -> None:
    """Port write."""
    vm.ports.write(exit_.port, exit_.width, exit_.data)


def hypercall(vm: Vm, slot: VCpuSlot, exit_: Hypercall) -> None:
    """The hypercall's result into the return register."""
    slot.arch.set_return_value(hypercall_result(vm, exit_.nr, exit_.args))


def hypercall_result(vm: Vm, nr: int, args: Sequence[int]) -> int:
    """A built-in hypercall's result, or -1 (all ones) for an unknown number (reported once)."""
    handler = HYPERCALLS.get(nr)
    if handler is None:
        vm.warn_once(("hypercall", nr), f"unknown hypercall {nr:#x} returns -1")
        return _M64
    return handler(args) & _M64


def sysreg_read(vm: Vm, slot: VCpuSlot, exit_: SysRegRead) -> None:
    """Unemulated system registers read 0 (reported once)."""
    vm.warn_once(("sysreg-read", exit_.addr), f"system register {exit_.addr:#x} is not emulated; reads 0")
    slot.arch.set_gpr(exit_.reg, 0)


def sysreg_write(vm: Vm, slot: VCpuSlot, exit_: SysRegWrite) -> None:
    """Writes to unemulated system registers are dropped (reported once)."""
    vm.warn_once(("sysreg-write", exit_.addr), f"system register {exit_.addr:#x} is not emulated; write dropped")


def send_ipi(vm: Vm, slot: VCpuSlot, exit_: SendIPI) -> None:
    """Inject the IPI into every target (waking halted ones); invalid_param for an unknown target."""
    targets = ipi_targets(vm, slot.id, exit_)
    if targets is None:
        slot.vcpu.set_return_value(vm.arch.status_codes.get("invalid_param", _M64))
        return
    for target in targets:
        vm.deliver_interrupt(vm.slots[target], exit_.vector)


def ipi_targets(vm: Vm, sender: int, exit_: SendIPI) -> list[int] | None:
    """The vCPU ids an IPI reaches, or None if one does not exist."""
    count = len(vm.slots)
    if exit_.send_to_all:
        return [i for i in range(count) if i != sender or exit_.send_to_self]
    targets = [exit_.target_cpu + bit for bit in range(64) if exit_.target_cpu_aux >> bit & 1]
    if exit_.send_to_self:
        targets.append(sender)
    if any(not 0 <= t < count for t in targets):
        return None
    return targets


def nothing(vm: Vm, slot: VCpuSlot, exit_: VmExit) -> None:
    """Nothing to complete."""
    return


def complete_in_loop(vm: Vm, slot: VCpuSlot, exit_: VmExit) -> None:
    """Complete an exit `run()` returned."""
    handler = IN_LOOP.get(type(exit_))
    if handler is None:
        raise StopRun("error", f"vCPU {slot.id}: no handler for exit {exit_!r}")
    handler(vm, slot, exit_)


def halt(vm: Vm, slot: VCpuSlot, exit_: Halt) -> None:
    """Park the vCPU until an interrupt or its timer."""
    slot.status = HALTED


def cpu_up(vm: Vm, slot: VCpuSlot, exit_: CpuUp) -> None:
    """Start a stopped vCPU at the entry point with its boot registers, or refuse with a status code."""
    codes = vm.arch.status_codes
    target = exit_.target_cpu
    if not 0 <= target < len(vm.slots):
        slot.vcpu.set_return_value(codes.get("invalid_param", _M64))
        return
    other = vm.slots[target]
    if other.status != STOPPED:
        slot.vcpu.set_return_value(codes.get("already_available", _M64))
        return
    if vm.memory.find(exit_.entry_point) is None:
        slot.vcpu.set_return_value(codes.get("invalid_address", _M64))
        return
    other.vcpu.set_entry(exit_.entry_point)
    regs = vm.arch.registers.cpu_up
    if "cpu_id" in regs:
        other.vcpu.set_gpr(regs["cpu_id"], target)
    if "arg" in regs:
        other.vcpu.set_gpr(regs["arg"], exit_.arg)
    other.status = STARTED


def cpu_down(vm: Vm, slot: VCpuSlot, exit_: CpuDown) -> None:
    """The vCPU stops (its timer with it)."""
    slot.status = STOPPED
    slot.deadline_ns = None


def system_down(vm: Vm, slot: VCpuSlot, exit_: SystemDown) -> None:
    """Power off (the run ends) or reset the VM."""
    if not exit_.reset:
        raise StopRun("poweroff", f"the guest powered the VM off (vCPU {slot.id})")
    vm.reset_guest()


def nested_page_fault(vm: Vm, slot: VCpuSlot, exit_: NestedPageFault) -> None:
    """Nothing can be mapped there: the run ends with the fault."""
    access = exit_.access_flags.name or str(int(exit_.access_flags))
    raise StopRun(
        "fault",
        f"vCPU {slot.id}: nested page fault at GPA {exit_.addr:#x} ({access.lower()}): "
        "no RAM or device is mapped there",
    )


def fail_entry(vm: Vm, slot: VCpuSlot, exit_: FailEntry) -> None:
    """The run ends with the entry failure."""
    raise StopRun("fault", f"vCPU {slot.id}: VM entry failed (reason {exit_.hardware_entry_failure_reason:#x})")


def extend(value: int, width: int, reg_width: int, signed: bool) -> int:
    """Zero- or sign-extend a `width`-byte value to `reg_width` bytes."""
    bits = 8 * width
    value &= (1 << bits) - 1
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value & ((1 << (8 * reg_width)) - 1)


IN_HOOK: dict[type, Callable[[Vm, VCpuSlot, Any], None]] = {
    MmioRead: mmio_read,
    MmioWrite: mmio_write,
    IoRead: io_read,
    IoWrite: io_write,
    Hypercall: hypercall,
    SysRegRead: sysreg_read,
    SysRegWrite: sysreg_write,
    SendIPI: send_ipi,
    Nothing: nothing,
    ExternalInterrupt: nothing,
}
IN_LOOP: dict[type, Callable[[Vm, VCpuSlot, Any], None]] = {
    Halt: halt,
    CpuUp: cpu_up,
    CpuDown: cpu_down,
    SystemDown: system_down,
    NestedPageFault: nested_page_fault,
    FailEntry: fail_entry,
}
