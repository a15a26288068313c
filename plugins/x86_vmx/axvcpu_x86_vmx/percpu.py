"""Per-physical-CPU VMX state: the seven `hardware_enable` steps of the reference (§14) and VMXOFF."""

from __future__ import annotations

from typing import ClassVar, Self

from axvcpu_core.arch import ArchPerCpu
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.physcpu import check_cpu_id

from .host import X86HostCpu
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

EPT_LEVELS = 4
"""EPT page-walk length the plugin uses (EPTP bits 5:3 = 3)."""


class X86PerCpu(ArchPerCpu):
    """One physical CPU's VMX root-operation state.

    `HOST_CPU` is the simulated CPU model each per-CPU object gets its own instance of, and CPU n's
    VMXON region is the simulated host-physical frame `VMXON_REGION_BASE + n * 4096`; both are class
    settings so a host model (or a test) can subclass them.
    """

    HOST_CPU: ClassVar[type[X86HostCpu]] = X86HostCpu
    VMXON_REGION_BASE: ClassVar[int] = 0x1_0000_0000

    def __init__(self, cpu_id: int) -> None:
        self.cpu_id = cpu_id
        self.host = self.HOST_CPU()
        self.vmxon_region: VmxonRegion | None = None
        self._saved_cr4 = self.host.cr4

    @classmethod
    def new(cls, cpu_id: int) -> Self:
        """Record the CPU and model its host state; nothing is enabled."""
        check_cpu_id(cpu_id)
        return cls(cpu_id)

    def is_enabled(self) -> bool:
        """CR4.VMXE of this CPU."""
        return bool(self.host.cr4 & CR4_VMXE)

    def hardware_enable(self) -> None:
        """Enter VMX root operation: the seven checked steps of §14, in order."""
        self._check_vmx_implemented()
        self._check_not_enabled()
        self._allow_vmxon()
        self._check_fixed_bits()
        revision_id = self._check_vmx_basic()
        region = VmxonRegion.new(self.VMXON_REGION_BASE + self.cpu_id * FRAME_SIZE, revision_id)
        self._vmxon(region)

    def hardware_disable(self) -> None:
        """VMXOFF, then restore CR4 as it was before `hardware_enable` (VMXE clear)."""
        if not self.is_enabled():
            raise AxError(AxErrorKind.BadState, f"VMX is not enabled on CPU {self.cpu_id}; enable it first")
        try:
            self.host.vmxoff()
        except AxError as err:
            raise AxError(AxErrorKind.BadState, f"VMXOFF failed on CPU {self.cpu_id}: {err.message}") from err
        self.host.write_cr4(self._saved_cr4 & ~CR4_VMXE)
        self.vmxon_region = None

    def max_guest_page_table_levels(self) -> int:
        """4: the EPT walk length is fixed by the EPT pointer (§13)."""
        return EPT_LEVELS

    def _check_vmx_implemented(self) -> None:
        if not self.host.cpuid1_ecx & CPUID1_ECX_VMX:
            raise AxError(
                AxErrorKind.Unsupported,
                f"CPU {self.cpu_id} has no VMX (CPUID.1:ECX {self.host.cpuid1_ecx:#x}, bit 5 clear)",
            )

    def _check_not_enabled(self) -> None:
        if self.is_enabled():
            raise AxError(
                AxErrorKind.ResourceBusy,
                f"VMX is already enabled on CPU {self.cpu_id} (CR4.VMXE set); disable it first",
            )

    def _allow_vmxon(self) -> None:
        control = self.host.rdmsr(IA32_FEATURE_CONTROL)
        if not control & FEATURE_CONTROL_LOCK:
            allowed = control | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUTSIDE_SMX
            self.host.wrmsr(IA32_FEATURE_CONTROL, allowed)
        elif not control & FEATURE_CONTROL_VMXON_OUTSIDE_SMX:
            raise AxError(
                AxErrorKind.Unsupported,
                f"VMX is disabled by firmware on CPU {self.cpu_id}: IA32_FEATURE_CONTROL {control:#x} is "
                "locked without bit 2 (VMXON outside SMX); enable VT-x in the firmware setup",
            )

    def _check_fixed_bits(self) -> None:
        cr0, cr4 = self.host.cr0, self.host.cr4 | CR4_VMXE
        for name, value, fixed0, fixed1 in (
            ("CR0", cr0, IA32_VMX_CR0_FIXED0, IA32_VMX_CR0_FIXED1),
            ("CR4 | VMXE", cr4, IA32_VMX_CR4_FIXED0, IA32_VMX_CR4_FIXED1),
        ):
            low, high = self.host.rdmsr(fixed0), self.host.rdmsr(fixed1)
            if not fixed_bits_ok(value, low, high):
                raise AxError(
                    AxErrorKind.BadState,
                    f"{name} {value:#x} on CPU {self.cpu_id} violates the VMX fixed bits "
                    f"(FIXED0 {low:#x} must be set, only FIXED1 {high:#x} may be set)",
                )

    def _check_vmx_basic(self) -> int:
        value = self.host.rdmsr(IA32_VMX_BASIC)
        basic = VmxBasic.from_msr(value)
        problems = basic.problems()
        if problems:
            raise AxError(
                AxErrorKind.Unsupported,
                f"IA32_VMX_BASIC {value:#x} of CPU {self.cpu_id} is unusable: {'; '.join(problems)}",
            )
        return basic.revision_id

    def _vmxon(self, region: VmxonRegion) -> None:
        self._saved_cr4 = self.host.cr4
        self.host.write_cr4(self._saved_cr4 | CR4_VMXE)
        try:
            self.host.vmxon(region)
        except AxError as err:
            self.host.write_cr4(self._saved_cr4)
            raise AxError(AxErrorKind.BadState, f"VMXON failed on CPU {self.cpu_id}: {err.message}") from err
        self.vmxon_region = region
