"""Pydantic configuration models of the x86_64 plugin."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_X2APIC_ID_MAX = 0xFFFF_FFFE
"""0xFFFF_FFFF is the x2APIC broadcast destination, so it cannot be a vCPU's id."""


class X86CreateConfig(BaseModel):
    """Per-vCPU creation settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    apic_id: int | None = Field(
        default=None,
        ge=0,
        le=_X2APIC_ID_MAX,
        description="x2APIC ID the guest sees (CPUID.1:EBX[31:24], CPUID.0xB:EDX); default: the vCPU id",
    )

    def apic_id_for(self, vcpu_id: int) -> int:
        """The configured APIC ID, or `vcpu_id` (so IPI destinations are vCPU numbers)."""
        return vcpu_id if self.apic_id is None else self.apic_id


class X86SetupConfig(BaseModel):
    """Per-vCPU setup settings (none are needed: the reset state of §12 is fixed by the plugin)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class X86VmConfig(BaseModel):
    """The VM spec's `arch_config` section for x86_64."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tsc_hz: int = Field(
        default=1_000_000_000,
        gt=0,
        le=10_000_000_000,
        description="frequency of the guest's virtual TSC: RDTSC ticks per second of virtual time (1 GHz)",
    )
