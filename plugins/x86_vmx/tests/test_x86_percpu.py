"""X86PerCpu: the seven hardware_enable steps of reference §14, their error kinds, disable and restore."""

from __future__ import annotations

import pytest

from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.percpu import PerCpu
from axvcpu_x86_vmx import X86HostCpu, X86PerCpu
from axvcpu_x86_vmx.hwdefs import CR4_VMXE, IA32_FEATURE_CONTROL
from axvcpu_x86_vmx.vmxon import VmxonRegion

DEFAULT_BASIC = X86HostCpu.VMX_BASIC


def percpu_on(host: type[X86HostCpu], cpu_id: int = 0, **settings: object) -> X86PerCpu:
    """A per-CPU object of a subclass whose HOST_CPU is `host` (plus other class settings)."""
    cls: type[X86PerCpu] = type("TestPerCpu", (X86PerCpu,), {"HOST_CPU": host, **settings})
    return cls.new(cpu_id)


def host_with(**settings: object) -> type[X86HostCpu]:
    """A subclass of the default host CPU with some class settings replaced."""
    return type("TestHost", (X86HostCpu,), settings)


def expect_error(percpu: X86PerCpu, kind: AxErrorKind, *words: str) -> AxError:
    """hardware_enable fails with `kind`, a message containing `words`, and leaves VMX off."""
    cr4_before = percpu.host.cr4
    with pytest.raises(AxError) as info:
        percpu.hardware_enable()
    assert info.value.kind is kind
    for word in words:
        assert word in info.value.message
    assert percpu.host.cr4 == cr4_before
    assert not percpu.host.in_vmx_operation
    assert percpu.vmxon_region is None
    return info.value


# --- new, enable, disable on the default (VMX-capable) host -------------------------------------


def test_new_records_the_cpu_and_enables_nothing() -> None:
    percpu = X86PerCpu.new(3)
    assert percpu.cpu_id == 3
    assert not percpu.is_enabled()
    assert percpu.vmxon_region is None
    assert percpu.host.cr4 == X86HostCpu.CR4


@pytest.mark.parametrize("bad", [-1, True, "0", 1.0])
def test_new_rejects_a_bad_cpu_id(bad: object) -> None:
    with pytest.raises(AxError) as info:
        X86PerCpu.new(bad)  # type: ignore[arg-type]
    assert info.value.kind is AxErrorKind.InvalidInput


def test_enable_sets_vmxe_and_enters_vmx_operation_with_a_vmxon_region() -> None:
    percpu = X86PerCpu.new(2)
    percpu.hardware_enable()
    assert percpu.is_enabled()
    assert percpu.host.cr4 == X86HostCpu.CR4 | CR4_VMXE
    region = percpu.vmxon_region
    assert region is not None
    assert percpu.host.vmxon_region is region
    assert region.address == X86PerCpu.VMXON_REGION_BASE + 2 * 4096
    assert region.address % 4096 == 0
    assert len(region.data) == 4096
    assert region.header == 4  # revision id of the default IA32_VMX_BASIC, bit 31 clear
    assert not any(region.data[4:])


def test_disable_restores_the_host_exactly() -> None:
    percpu = X86PerCpu.new(0)
    before = (percpu.host.cr0, percpu.host.cr4, dict(percpu.host.msrs))
    percpu.hardware_enable()
    percpu.hardware_disable()
    assert not percpu.is_enabled()
    assert (percpu.host.cr0, percpu.host.cr4, percpu.host.msrs) == before
    assert percpu.vmxon_region is None
    assert not percpu.host.in_vmx_operation


def test_repeated_enable_and_disable() -> None:
    percpu = X86PerCpu.new(1)
    for _ in range(5):
        percpu.hardware_enable()
        assert percpu.is_enabled()
        percpu.hardware_disable()
        assert not percpu.is_enabled()
    assert percpu.host.cr4 == X86HostCpu.CR4


def test_enable_twice_is_resource_busy_and_keeps_vmx_on() -> None:
    percpu = X86PerCpu.new(0)
    percpu.hardware_enable()
    region = percpu.vmxon_region
    with pytest.raises(AxError) as info:
        percpu.hardware_enable()
    assert info.value.kind is AxErrorKind.ResourceBusy
    assert "already enabled" in info.value.message
    assert percpu.is_enabled()
    assert percpu.vmxon_region is region


def test_disable_when_not_enabled_is_bad_state() -> None:
    percpu = X86PerCpu.new(0)
    with pytest.raises(AxError) as info:
        percpu.hardware_disable()
    assert info.value.kind is AxErrorKind.BadState
    assert "not enabled" in info.value.message
    percpu.hardware_enable()
    percpu.hardware_disable()
    with pytest.raises(AxError) as again:
        percpu.hardware_disable()
    assert again.value.kind is AxErrorKind.BadState


def test_cpus_are_independent() -> None:
    first, second = X86PerCpu.new(0), X86PerCpu.new(1)
    first.hardware_enable()
    assert not second.is_enabled()
    second.hardware_enable()
    assert first.vmxon_region is not None
    assert second.vmxon_region is not None
    assert first.vmxon_region.address != second.vmxon_region.address


def test_max_guest_page_table_levels_is_4() -> None:
    assert X86PerCpu.new(0).max_guest_page_table_levels() == 4


def test_core_percpu_wrapper_disables_on_close() -> None:
    with PerCpu(X86PerCpu) as state:
        state.init(0)
        state.hardware_enable()
        arch = state.arch
        assert state.is_enabled()
        assert state.max_guest_page_table_levels() == 4
    assert not arch.is_enabled()
    assert arch.host.cr4 == X86HostCpu.CR4


# --- step 1: CPUID.1:ECX.VMX ----------------------------------------------------------------------


def test_step1_cpu_without_vmx_is_unsupported() -> None:
    percpu = percpu_on(host_with(CPUID1_ECX=X86HostCpu.CPUID1_ECX & ~(1 << 5)))
    expect_error(percpu, AxErrorKind.Unsupported, "no VMX", "bit 5")
    assert percpu.host.msrs[IA32_FEATURE_CONTROL] == X86HostCpu.FEATURE_CONTROL


def test_step1_comes_before_every_other_check() -> None:
    host = host_with(CPUID1_ECX=0, FEATURE_CONTROL=0x1, CR0=0, VMX_BASIC=0)
    expect_error(percpu_on(host), AxErrorKind.Unsupported, "no VMX")


# --- step 2: CR4.VMXE already set ------------------------------------------------------------------


def test_step2_vmxe_already_set_is_resource_busy() -> None:
    percpu = percpu_on(host_with(CR4=X86HostCpu.CR4 | CR4_VMXE))
    assert percpu.is_enabled()  # is_enabled() is CR4.VMXE, whoever set it
    expect_error(percpu, AxErrorKind.ResourceBusy, "already enabled")


def test_step2_comes_before_feature_control() -> None:
    host = host_with(CR4=X86HostCpu.CR4 | CR4_VMXE, FEATURE_CONTROL=0x1)
    expect_error(percpu_on(host), AxErrorKind.ResourceBusy)


def test_disable_of_vmxe_set_by_someone_else_is_bad_state_and_changes_nothing() -> None:
    percpu = percpu_on(host_with(CR4=X86HostCpu.CR4 | CR4_VMXE))
    with pytest.raises(AxError) as info:
        percpu.hardware_disable()
    assert info.value.kind is AxErrorKind.BadState
    assert "VMXOFF" in info.value.message
    assert percpu.host.cr4 == X86HostCpu.CR4 | CR4_VMXE


# --- step 3: IA32_FEATURE_CONTROL -------------------------------------------------------------------


@pytest.mark.parametrize(("initial", "written"), [(0x0, 0x5), (0x2, 0x7), (0x4, 0x5), (0xFF00, 0xFF05)])
def test_step3_unlocked_feature_control_is_locked_with_vmxon_allowed(initial: int, written: int) -> None:
    percpu = percpu_on(host_with(FEATURE_CONTROL=initial))
    percpu.hardware_enable()
    assert percpu.host.msrs[IA32_FEATURE_CONTROL] == written
    percpu.hardware_disable()
    # The lock bit is write-once until reset: disable cannot (and does not try to) undo it.
    assert percpu.host.msrs[IA32_FEATURE_CONTROL] == written


@pytest.mark.parametrize("locked", [0x1, 0x3])
def test_step3_locked_without_bit2_is_unsupported(locked: int) -> None:
    percpu = percpu_on(host_with(FEATURE_CONTROL=locked))
    expect_error(percpu, AxErrorKind.Unsupported, "disabled by firmware", f"{locked:#x}")
    assert percpu.host.msrs[IA32_FEATURE_CONTROL] == locked


def test_step3_locked_with_bit2_is_left_alone() -> None:
    percpu = percpu_on(host_with(FEATURE_CONTROL=0x7))
    percpu.hardware_enable()
    assert percpu.host.msrs[IA32_FEATURE_CONTROL] == 0x7


# --- step 4: CR0 / CR4 fixed bits --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "register"),
    [
        ({"CR0": X86HostCpu.CR0 & ~0x20}, "CR0"),  # NE clear, FIXED0 requires it
        ({"CR0_FIXED1": 0xFFFF_FFFF & ~(1 << 16)}, "CR0"),  # WP set, FIXED1 forbids it
        ({"CR4": X86HostCpu.CR4 | 1 << 22}, "CR4"),  # PKE set, not in FIXED1
        ({"CR4_FIXED0": 0x2000 | 1 << 5, "CR4": X86HostCpu.CR4 & ~(1 << 5)}, "CR4"),  # PAE required
        ({"CR4_FIXED1": X86HostCpu.CR4_FIXED1 & ~CR4_VMXE}, "CR4"),  # VMXE itself not allowed
    ],
)
def test_step4_fixed_bit_violation_is_bad_state(settings: dict[str, int], register: str) -> None:
    percpu = percpu_on(host_with(**settings))
    expect_error(percpu, AxErrorKind.BadState, register, "fixed bits")


def test_step4_checks_cr4_with_vmxe_included() -> None:
    # CR4_FIXED0 requires VMXE, which the host's CR4 does not have before enable: that must pass.
    assert not X86HostCpu.CR4 & CR4_VMXE
    assert X86HostCpu.CR4_FIXED0 & CR4_VMXE
    X86PerCpu.new(0).hardware_enable()


def test_step4_failure_after_step3_keeps_the_write_once_lock() -> None:
    percpu = percpu_on(host_with(FEATURE_CONTROL=0x0, CR0=X86HostCpu.CR0 & ~0x20))
    expect_error(percpu, AxErrorKind.BadState)
    assert percpu.host.msrs[IA32_FEATURE_CONTROL] == 0x5


# --- step 5: IA32_VMX_BASIC ------------------------------------------------------------------------

SIZE = 0x1FFF << 32
MEMTYPE = 0xF << 50


@pytest.mark.parametrize(
    ("basic", "words"),
    [
        (DEFAULT_BASIC & ~SIZE | 0x1001 << 32, "region size 4097"),
        (DEFAULT_BASIC & ~SIZE, "region size 0"),
        (DEFAULT_BASIC | 1 << 48, "32 bits"),
        (DEFAULT_BASIC & ~MEMTYPE, "memory type is 0"),
        (DEFAULT_BASIC & ~(1 << 54), "INS/OUTS"),
        (DEFAULT_BASIC & ~(1 << 55), "TRUE capability"),
    ],
)
def test_step5_bad_vmx_basic_field_is_unsupported(basic: int, words: str) -> None:
    expect_error(percpu_on(host_with(VMX_BASIC=basic)), AxErrorKind.Unsupported, "IA32_VMX_BASIC", words)


def test_step5_names_every_bad_field() -> None:
    err = expect_error(percpu_on(host_with(VMX_BASIC=1 << 48)), AxErrorKind.Unsupported)
    assert err.message.count(";") == 4  # five problems: size, 32-bit, memory type, bit 54, bit 55


@pytest.mark.parametrize("size", [1024, 4096, 1])
def test_step5_region_size_up_to_4096_is_accepted(size: int) -> None:
    percpu = percpu_on(host_with(VMX_BASIC=DEFAULT_BASIC & ~SIZE | size << 32))
    percpu.hardware_enable()
    assert percpu.is_enabled()


# --- step 6: the VMXON region ------------------------------------------------------------------------


def test_step6_region_holds_bits_30_0_of_the_revision_id_with_bit31_clear() -> None:
    percpu = percpu_on(host_with(VMX_BASIC=DEFAULT_BASIC & ~0xFFFF_FFFF | 0xFFFF_FFFF))
    percpu.hardware_enable()
    assert percpu.vmxon_region is not None
    assert percpu.vmxon_region.header == 0x7FFF_FFFF
    assert percpu.vmxon_region.data[0:4] == bytes([0xFF, 0xFF, 0xFF, 0x7F])


# --- step 7: CR4.VMXE then VMXON ------------------------------------------------------------------------


@pytest.mark.parametrize("base", [0x1_0000_0800, 1 << 46])
def test_step7_vmxon_failure_is_bad_state_and_rolls_back_cr4(base: int) -> None:
    percpu = percpu_on(X86HostCpu, VMXON_REGION_BASE=base)
    expect_error(percpu, AxErrorKind.BadState, "VMXON failed", "VMfailInvalid")
    assert not percpu.is_enabled()


def test_step7_sets_vmxe_before_vmxon() -> None:
    seen: list[int] = []

    class RecordingHost(X86HostCpu):
        def vmxon(self, region: VmxonRegion) -> None:
            seen.append(self.cr4)
            super().vmxon(region)

    percpu = percpu_on(RecordingHost)
    percpu.hardware_enable()
    assert seen == [X86HostCpu.CR4 | CR4_VMXE]


def test_step7_any_vmxon_failure_is_bad_state() -> None:
    class FailingHost(X86HostCpu):
        def vmxon(self, region: VmxonRegion) -> None:
            raise AxError(AxErrorKind.BadState, "VMfail, simulated")

    percpu = percpu_on(FailingHost)
    expect_error(percpu, AxErrorKind.BadState, "simulated")
    percpu_ok = percpu_on(X86HostCpu)
    percpu_ok.hardware_enable()
