"""The VCpu state machine: every legal and illegal transition, failures, nesting, binding."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from axvcpu_core import AxError, AxErrorKind, Halt, VCpu, VCpuState, get_current_vcpu, running_on
from tests.conftest import FakeArchVCpu, FakeConfig

Op = Callable[[VCpu], object]
OPS: dict[str, Op] = {
    "setup": lambda v: v.setup(0x8000_0000, 0x1000, FakeConfig()),
    "bind": lambda v: v.bind(),
    "run": lambda v: v.run(),
    "unbind": lambda v: v.unbind(),
}
LEGAL = {
    "setup": VCpuState.CREATED,
    "bind": VCpuState.FREE,
    "run": VCpuState.READY,
    "unbind": VCpuState.READY,
}
AFTER = {"setup": VCpuState.FREE, "bind": VCpuState.READY, "run": VCpuState.READY, "unbind": VCpuState.FREE}
PATH = {  # operations that bring a fresh vCPU to each state
    VCpuState.CREATED: [],
    VCpuState.FREE: ["setup"],
    VCpuState.READY: ["setup", "bind"],
}


def make_vcpu(vcpu_id: int = 0) -> tuple[VCpu, FakeArchVCpu]:
    arch = FakeArchVCpu()
    return VCpu(7, vcpu_id, arch), arch


def vcpu_in(state: VCpuState) -> tuple[VCpu, FakeArchVCpu]:
    vcpu, arch = make_vcpu()
    for op in PATH[state]:
        OPS[op](vcpu)
    assert vcpu.state is state
    return vcpu, arch


def test_full_lifecycle() -> None:
    vcpu, arch = make_vcpu()
    assert vcpu.state is VCpuState.CREATED
    vcpu.setup(0x8000_0000, 0x4000, FakeConfig())
    assert vcpu.state is VCpuState.FREE
    assert (arch.entry, arch.root) == (0x8000_0000, 0x4000)
    vcpu.bind()
    assert vcpu.state is VCpuState.READY
    assert vcpu.run() == Halt()
    assert vcpu.state is VCpuState.READY
    vcpu.unbind()
    assert vcpu.state is VCpuState.FREE
    assert arch.calls == ["set_entry", "set_ept_root", "setup", "bind", "run", "unbind"]


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("state", list(PATH))
def test_every_transition_from_every_reachable_state(op: str, state: VCpuState) -> None:
    vcpu, _ = vcpu_in(state)
    if LEGAL[op] is state:
        OPS[op](vcpu)
        assert vcpu.state is AFTER[op]
        return
    with pytest.raises(AxError) as info:
        OPS[op](vcpu)
    assert info.value.kind is AxErrorKind.BadState
    assert f"but the vCPU was {state.name}" in info.value.message
    assert vcpu.state is VCpuState.INVALID


@pytest.mark.parametrize("op", list(OPS))
def test_invalid_is_terminal(op: str) -> None:
    vcpu, _ = vcpu_in(VCpuState.READY)
    with pytest.raises(AxError):
        vcpu.setup(0, 0, FakeConfig())
    with pytest.raises(AxError, match="but the vCPU was INVALID"):
        OPS[op](vcpu)
    assert vcpu.state is VCpuState.INVALID
    with pytest.raises(AxError, match="INVALID; set_gpr refused"):
        vcpu.set_gpr(0, 1)


def test_run_reports_running_while_the_guest_runs() -> None:
    vcpu, arch = vcpu_in(VCpuState.READY)
    seen: list[VCpuState] = []
    arch.during_run = lambda: seen.append(vcpu.state)
    vcpu.run()
    assert seen == [VCpuState.RUNNING]


@pytest.mark.parametrize(
    ("op", "arch_call", "state"),
    [
        ("setup", "set_entry", VCpuState.CREATED),
        ("setup", "set_ept_root", VCpuState.CREATED),
        ("setup", "setup", VCpuState.CREATED),
        ("bind", "bind", VCpuState.FREE),
        ("run", "run", VCpuState.RUNNING),
        ("unbind", "unbind", VCpuState.READY),
    ],
)
@pytest.mark.parametrize("how", ["fail_on", "crash_on"])
def test_failing_arch_call_leaves_vcpu_invalid(op: str, arch_call: str, state: VCpuState, how: str) -> None:
    vcpu, arch = vcpu_in(LEGAL[op])
    setattr(arch, how, arch_call)
    with pytest.raises(AxError) as info:
        OPS[op](vcpu)
    assert info.value.kind is AxErrorKind.BadState
    assert f"{op} failed in state {state.name}" in info.value.message
    assert info.value.__cause__ is not None
    assert vcpu.state is VCpuState.INVALID


def test_nested_operation_is_refused_without_breaking_either_vcpu() -> None:
    outer, outer_arch = vcpu_in(VCpuState.READY)
    inner, _ = vcpu_in(VCpuState.READY)
    errors: list[AxError] = []

    def nested() -> None:
        assert get_current_vcpu() is outer
        try:
            inner.run()
        except AxError as err:
            errors.append(err)

    outer_arch.during_run = nested
    outer.run()
    assert len(errors) == 1
    assert errors[0].kind is AxErrorKind.BadState
    assert "nested vCPU operation refused" in errors[0].message
    assert inner.state is VCpuState.READY
    assert outer.state is VCpuState.READY
    assert get_current_vcpu() is None


def test_current_vcpu_is_tracked_per_physical_cpu() -> None:
    a, a_arch = vcpu_in(VCpuState.FREE)
    b, _ = make_vcpu(1)
    b.setup(0, 0, FakeConfig())
    with running_on(1):
        b.bind()
    a.bind()
    seen: dict[str, object] = {}

    def run_b_on_cpu1() -> None:
        seen["cpu0"] = get_current_vcpu(0)
        with running_on(1):
            b.run()  # another physical CPU: not nested

    a_arch.during_run = run_b_on_cpu1
    a.run()
    assert seen["cpu0"] is a
    assert b.state is VCpuState.READY


def test_run_on_another_physical_cpu_than_bound_is_refused() -> None:
    vcpu, _ = vcpu_in(VCpuState.READY)
    assert vcpu.bound_phys_cpu == 0
    with (
        running_on(3),
        pytest.raises(AxError, match="bound to physical CPU 0; run was called on physical CPU 3"),
    ):
        vcpu.run()
    assert vcpu.state is VCpuState.READY


def test_phys_cpu_set_is_enforced_on_bind() -> None:
    vcpu = VCpu(1, 2, FakeArchVCpu(), favor_phys_cpu=1, phys_cpu_set=0b10)
    vcpu.setup(0, 0, FakeConfig())
    with pytest.raises(AxError) as info:
        vcpu.bind()
    assert info.value.kind is AxErrorKind.InvalidInput
    assert vcpu.state is VCpuState.FREE
    with running_on(1):
        vcpu.bind()
    assert vcpu.state is VCpuState.READY


def test_identity_and_pass_throughs() -> None:
    vcpu, arch = make_vcpu(0)
    other = VCpu(3, 2, FakeArchVCpu(), favor_phys_cpu=1, phys_cpu_set=0b11)
    assert (vcpu.id, vcpu.vm_id, vcpu.is_bsp) == (0, 7, True)
    assert (other.id, other.vm_id, other.is_bsp, other.favor_phys_cpu, other.phys_cpu_set) == (
        2,
        3,
        False,
        1,
        3,
    )
    vcpu.set_gpr(2, 0x55)
    assert vcpu.get_gpr(2) == 0x55
    vcpu.set_return_value(9)
    assert arch.regs[0] == 9
    vcpu.inject_interrupt(5)
    vcpu.set_entry(0x1234)
    assert arch.entry == 0x1234
    assert "inject:5" in arch.calls
    assert repr(vcpu) == "VCpu(vm=7, id=0, state=CREATED)"


def test_create_uses_the_arch_constructor(services: object) -> None:
    vcpu = VCpu.create(FakeArchVCpu, 1, 4, FakeConfig(), services)  # type: ignore[arg-type]
    assert isinstance(vcpu.arch_vcpu, FakeArchVCpu)
    assert vcpu.state is VCpuState.CREATED


def test_running_on_rejects_negative_cpu() -> None:
    with pytest.raises(AxError, match="negative"), running_on(-1):
        pass
