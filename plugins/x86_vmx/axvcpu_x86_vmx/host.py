"""A simulated x86-64 host CPU: the registers, MSRs and VMX instructions `hardware_enable` touches.

The defaults are those of a VMX-capable Skylake-class CPU running a 64-bit host kernel, with firmware
that locked IA32_FEATURE_CONTROL with VMXON allowed outside SMX. Every default is a class setting, so a
test or another host model subclasses `X86HostCpu` to describe a different CPU.
"""

from __future__ import annotations

from typing import ClassVar

from axvcpu_core.errors import AxError, AxErrorKind

from .hwdefs import (
    CPUID1_ECX_VMX,
    CR4_VMXE,
    FEATURE_CONTROL_LOCK,
    FEATURE_CONTROL_VMXON_OUTSIDE_SMX,
    IA32_FEATURE_CONTROL,
    IA32_VMX_BASIC,
    IA32_VMX_CR0_FIXED0,
    IA32_VMX_CR0_FIXED1,
    IA32_VMX_CR4_FIXED0,
    IA32_VMX_CR4_FIXED1,
    fixed_bits_ok,
)
from .vmx_basic import VmxBasic
from .vmxon import FRAME_SIZE, VmxonRegion


class X86HostCpu:
    """One simulated host CPU: CPUID.1:ECX, CR0, CR4, the VMX MSRs, VMXON and VMXOFF."""

    CPUID1_ECX: ClassVar[int] = 0x7FFA_FBFF
    """CPUID.1:ECX of a Skylake client part: SSE3..AVX, XSAVE/OSXSAVE, VMX (bit 5); no hypervisor bit."""
    CR0: ClassVar[int] = 0x8005_0033
    """PE, MP, ET, NE, WP, AM, PG: a 64-bit kernel's CR0."""
    CR4: ClassVar[int] = 0x0036_06E0
    """PAE, MCE, PGE, OSFXSR, OSXMMEXCPT, PCIDE, OSXSAVE, SMEP, SMAP; VMXE clear."""
    FEATURE_CONTROL: ClassVar[int] = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUTSIDE_SMX
    """IA32_FEATURE_CONTROL (0x3A) as firmware leaves it: locked, VMXON allowed outside SMX (0x5)."""
    VMX_BASIC: ClassVar[int] = 0x00DA_0400_0000_0004
    """IA32_VMX_BASIC (0x480): revision 4, 1 KiB regions, WB, dual-monitor SMM, INS/OUTS info, TRUE MSRs."""
    CR0_FIXED0: ClassVar[int] = 0x8000_0021
    """IA32_VMX_CR0_FIXED0 (0x486): PE, NE and PG must be 1."""
    CR0_FIXED1: ClassVar[int] = 0xFFFF_FFFF
    """IA32_VMX_CR0_FIXED1 (0x487): any of CR0[31:0] may be 1."""
    CR4_FIXED0: ClassVar[int] = 0x2000
    """IA32_VMX_CR4_FIXED0 (0x488): VMXE must be 1."""
    CR4_FIXED1: ClassVar[int] = 0x0037_27FF
    """IA32_VMX_CR4_FIXED1 (0x489): CR4 bits 10:0, VMXE, FSGSBASE, PCIDE, OSXSAVE, SMEP, SMAP may be 1."""
    PHYS_ADDR_BITS: ClassVar[int] = 46
    """MAXPHYADDR (CPUID.80000008H:EAX[7:0]); a VMXON region must lie below it."""

    def __init__(self) -> None:
        self.cpuid1_ecx = self.CPUID1_ECX
        self.cr0 = self.CR0
        self.cr4 = self.CR4
        self.msrs: dict[int, int] = {
            IA32_FEATURE_CONTROL: self.FEATURE_CONTROL,
            IA32_VMX_BASIC: self.VMX_BASIC,
            IA32_VMX_CR0_FIXED0: self.CR0_FIXED0,
            IA32_VMX_CR0_FIXED1: self.CR0_FIXED1,
            IA32_VMX_CR4_FIXED0: self.CR4_FIXED0,
            IA32_VMX_CR4_FIXED1: self.CR4_FIXED1,
        }
        self.vmxon_region: VmxonRegion | None = None
        """The current VMXON region; not None exactly while the CPU is in VMX operation."""

    @property
    def in_vmx_operation(self) -> bool:
        """Whether VMXON succeeded and VMXOFF has not run since."""
        return self.vmxon_region is not None

    def rdmsr(self, index: int) -> int:
        """RDMSR; an MSR the model does not implement is #GP, reported as Unsupported."""
        if index not in self.msrs:
            raise AxError(AxErrorKind.Unsupported, f"RDMSR {index:#x}: #GP, the host CPU has no such MSR")
        return self.msrs[index]

    def wrmsr(self, index: int, value: int) -> None:
        """WRMSR; the model's VMX capability MSRs are read-only and a locked FEATURE_CONTROL #GPs."""
        if index != IA32_FEATURE_CONTROL:
            raise AxError(AxErrorKind.BadState, f"WRMSR {index:#x}: #GP, the MSR is not writable")
        if self.msrs[index] & FEATURE_CONTROL_LOCK:
            raise AxError(AxErrorKind.BadState, "WRMSR 0x3a: #GP, IA32_FEATURE_CONTROL is locked")
        self.msrs[index] = value

    def write_cr4(self, value: int) -> None:
        """MOV to CR4: #GP when VMXE is set without VMX support or cleared in VMX operation."""
        if value & CR4_VMXE and not self.cpuid1_ecx & CPUID1_ECX_VMX:
            raise AxError(AxErrorKind.BadState, "MOV to CR4: #GP, CR4.VMXE set on a CPU without VMX")
        if not value & CR4_VMXE and self.in_vmx_operation:
            raise AxError(AxErrorKind.BadState, "MOV to CR4: #GP, CR4.VMXE cleared in VMX operation")
        self.cr4 = value

    def vmxon(self, region: VmxonRegion) -> None:
        """VMXON with the SDM's checks; a failure (#UD, #GP, VMfail) is AxError(BadState)."""
        problem = self._vmxon_fault() or self._region_problem(region)
        if problem:
            raise AxError(AxErrorKind.BadState, f"VMXON at {region.address:#x}: {problem}")
        self.vmxon_region = region

    def vmxoff(self) -> None:
        """VMXOFF: leave VMX operation; #UD outside it, reported as BadState."""
        if not self.in_vmx_operation:
            raise AxError(AxErrorKind.BadState, "VMXOFF: #UD, the CPU is not in VMX operation")
        self.vmxon_region = None

    def _vmxon_fault(self) -> str | None:
        if not self.cr4 & CR4_VMXE:
            return "#UD, CR4.VMXE is clear"
        if self.in_vmx_operation:
            return "VMfail, the CPU is already in VMX root operation"
        cr0_ok = fixed_bits_ok(self.cr0, self.msrs[IA32_VMX_CR0_FIXED0], self.msrs[IA32_VMX_CR0_FIXED1])
        cr4_ok = fixed_bits_ok(self.cr4, self.msrs[IA32_VMX_CR4_FIXED0], self.msrs[IA32_VMX_CR4_FIXED1])
        if not (cr0_ok and cr4_ok):
            return "#GP, CR0 or CR4 violates the VMX fixed bits"
        control = self.msrs[IA32_FEATURE_CONTROL]
        if not (control & FEATURE_CONTROL_LOCK and control & FEATURE_CONTROL_VMXON_OUTSIDE_SMX):
            return "#GP, IA32_FEATURE_CONTROL is unlocked or forbids VMXON outside SMX"
        return None

    def _region_problem(self, region: VmxonRegion) -> str | None:
        if region.address % FRAME_SIZE or not 0 <= region.address < 1 << self.PHYS_ADDR_BITS:
            return f"VMfailInvalid, the region is not a 4 KiB-aligned address below 2**{self.PHYS_ADDR_BITS}"
        revision = VmxBasic.from_msr(self.msrs[IA32_VMX_BASIC]).revision_id
        if region.header != revision:
            return f"VMfailInvalid, region header {region.header:#x} is not revision id {revision:#x}"
        return None
