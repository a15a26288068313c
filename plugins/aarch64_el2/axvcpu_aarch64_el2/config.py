"""Pydantic configuration models of the aarch64 plugin."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .affinity import AFFINITY_MASK, affinity_for
from .hcr import guest_hcr
from .stage2 import DEFAULT_IPA_BITS, IPA_BITS_MAX, IPA_BITS_MIN, levels, vtcr_for

_U64 = (1 << 64) - 1


class Aarch64CreateConfig(BaseModel):
    """Per-vCPU creation settings: the MPIDR the guest reads and the boot registers (reference §12.4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mpidr: int | None = Field(
        default=None,
        ge=0,
        le=AFFINITY_MASK,
        description="MPIDR affinity (Aff3 [39:32], Aff2..Aff0 [23:0]); default: derived from the vCPU id",
    )
    dtb_addr: int = Field(default=0, ge=0, le=_U64, description="x0 at boot: guest-physical address of the DTB")

    @field_validator("mpidr")
    @classmethod
    def _affinity_bits_only(cls, value: int | None) -> int | None:
        if value is not None and value & ~AFFINITY_MASK:
            raise ValueError(f"{value:#x} sets bits outside the affinity fields {AFFINITY_MASK:#x}")
        return value

    def mpidr_for(self, vcpu_id: int) -> int:
        """The configured affinity, or the default for `vcpu_id` (16 CPUs per cluster, as QEMU virt)."""
        return affinity_for(vcpu_id) if self.mpidr is None else self.mpidr


class Aarch64SetupConfig(BaseModel):
    """Per-vCPU setup settings (none are needed: the reset state of §12 is fixed by the plugin)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Aarch64VmConfig(BaseModel):
    """The VM spec's `arch_config` section for aarch64."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ipa_bits: int = Field(
        default=DEFAULT_IPA_BITS,
        ge=IPA_BITS_MIN,
        le=IPA_BITS_MAX,
        description="guest physical (IPA) size: 32-39 bits use a 3-level stage 2, 40-48 bits a 4-level one",
    )
    dtb_addr: int = Field(
        default=0, ge=0, le=_U64, description="guest-physical DTB address passed in x0 to the boot vCPU (0: none)"
    )
    virtual_id_registers: bool = Field(
        default=False, description="trap ID group 3 reads (HCR_EL2.TID3) so the VMM answers them"
    )

    def vtcr(self) -> int:
        """VTCR_EL2 for `ipa_bits`."""
        return vtcr_for(self.ipa_bits)

    def stage2_levels(self) -> int:
        """Levels of the stage-2 table the VMM builds: 3 or 4."""
        return levels(self.vtcr())

    def hcr(self) -> int:
        """The guest HCR_EL2 for this VM."""
        return guest_hcr(self.virtual_id_registers)
