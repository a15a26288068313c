"""The simulated x86 host CPU: its defaults, MSRs, CR4 writes, VMXON and VMXOFF checks."""

from __future__ import annotations

from contextlib import AbstractContextManager

import pytest

from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_x86_vmx import VmxBasic, VmxonRegion, X86HostCpu
from axvcpu_x86_vmx.hwdefs import (
    CR4_VMXE,
    IA32_FEATURE_CONTROL,
    IA32_VMX_BASIC,
    IA32_VMX_CR0_FIXED0,
    IA32_VMX_CR4_FIXED1,
    fixed_bits_ok,
)


def bad_state(word: str) -> AbstractContextManager[pytest.ExceptionInfo[AxError]]:
    """Expect an AxError whose text contains `word`."""
    return pytest.raises(AxError, match=word)


def enabled_host() -> X86HostCpu:
    host = X86HostCpu()
    host.write_cr4(host.cr4 | CR4_VMXE)
    return host


def test_defaults_describe_a_vmx_capable_cpu() -> None:
    host = X86HostCpu()
    assert host.cpuid1_ecx & 1 << 5
    assert not host.cpuid1_ecx & 1 << 31  # not itself a guest
    assert host.rdmsr(IA32_FEATURE_CONTROL) == 0x5
    assert fixed_bits_ok(host.cr0, host.CR0_FIXED0, host.CR0_FIXED1)
    assert fixed_bits_ok(host.cr4 | CR4_VMXE, host.CR4_FIXED0, host.CR4_FIXED1)
    assert not fixed_bits_ok(host.cr4, host.CR4_FIXED0, host.CR4_FIXED1)
    basic = VmxBasic.from_msr(host.rdmsr(IA32_VMX_BASIC))
    assert basic == VmxBasic(4, 1024, False, 6, True, True)
    assert basic.problems() == []


def test_fixed_bits_rule() -> None:
    assert fixed_bits_ok(0b0110, 0b0010, 0b0111)
    assert not fixed_bits_ok(0b0100, 0b0010, 0b0111)  # a FIXED0 bit is clear
    assert not fixed_bits_ok(0b1010, 0b0010, 0b0111)  # a bit outside FIXED1 is set
    assert not fixed_bits_ok(1 << 40, 0, 0xFFFF_FFFF)


def test_msrs() -> None:
    host = X86HostCpu()
    assert host.rdmsr(IA32_VMX_CR0_FIXED0) == X86HostCpu.CR0_FIXED0
    with pytest.raises(AxError) as info:
        host.rdmsr(0x1234)
    assert info.value.kind is AxErrorKind.Unsupported
    with pytest.raises(AxError) as locked:
        host.wrmsr(IA32_FEATURE_CONTROL, 0)
    assert locked.value.kind is AxErrorKind.BadState
    assert "locked" in locked.value.message
    with bad_state("not writable"):
        host.wrmsr(IA32_VMX_CR4_FIXED1, 0)


def test_unlocked_feature_control_is_writable_once() -> None:
    host = type("Unlocked", (X86HostCpu,), {"FEATURE_CONTROL": 0})()
    host.wrmsr(IA32_FEATURE_CONTROL, 0x5)
    with bad_state("locked"):
        host.wrmsr(IA32_FEATURE_CONTROL, 0x0)


def test_cr4_vmxe_needs_vmx_and_stays_set_in_vmx_operation() -> None:
    no_vmx = type("NoVmx", (X86HostCpu,), {"CPUID1_ECX": 0})()
    with bad_state("without VMX"):
        no_vmx.write_cr4(CR4_VMXE)
    host = enabled_host()
    host.vmxon(VmxonRegion.new(0x1000, 4))
    with bad_state("cleared in VMX operation"):
        host.write_cr4(host.CR4)


def test_vmxon_and_vmxoff() -> None:
    host = enabled_host()
    region = VmxonRegion.new(0x2000, 4)
    host.vmxon(region)
    assert host.in_vmx_operation
    assert host.vmxon_region is region
    with bad_state("already in VMX root operation"):
        host.vmxon(VmxonRegion.new(0x3000, 4))
    host.vmxoff()
    assert not host.in_vmx_operation
    with bad_state("not in VMX operation"):
        host.vmxoff()


def test_vmxon_faults() -> None:
    with bad_state("CR4.VMXE is clear"):
        X86HostCpu().vmxon(VmxonRegion.new(0x1000, 4))
    unlocked = type("Unlocked", (X86HostCpu,), {"FEATURE_CONTROL": 0})()
    unlocked.write_cr4(unlocked.cr4 | CR4_VMXE)
    with bad_state("FEATURE_CONTROL"):
        unlocked.vmxon(VmxonRegion.new(0x1000, 4))
    bad_cr0 = type("BadCr0", (X86HostCpu,), {"CR0": 0})()
    bad_cr0.write_cr4(bad_cr0.cr4 | CR4_VMXE)
    with bad_state("fixed bits"):
        bad_cr0.vmxon(VmxonRegion.new(0x1000, 4))


@pytest.mark.parametrize("address", [0x1800, 1 << 46, -4096])
def test_vmxon_rejects_a_bad_region_address(address: int) -> None:
    with bad_state("VMfailInvalid"):
        enabled_host().vmxon(VmxonRegion.new(address, 4))


def test_vmxon_rejects_a_bad_revision() -> None:
    with bad_state("not revision id 0x4"):
        enabled_host().vmxon(VmxonRegion.new(0x1000, 5))
    region = VmxonRegion.new(0x1000, 4)
    region.data[3] |= 0x80  # bit 31 (shadow-VMCS indicator) must be 0
    with bad_state("VMfailInvalid"):
        enabled_host().vmxon(region)


def test_vmxon_region_layout() -> None:
    region = VmxonRegion.new(0x5000, 0xFFFF_FFFF)
    assert region.address == 0x5000
    assert len(region.data) == 4096
    assert region.header == region.revision_id == 0x7FFF_FFFF
