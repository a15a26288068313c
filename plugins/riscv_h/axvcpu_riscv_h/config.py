"""Pydantic configuration models of the RISC-V plugin."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_U64 = (1 << 64) - 1


class RiscvCreateConfig(BaseModel):
    """Per-vCPU creation settings: the boot registers of the SBI boot protocol."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hart_id: int | None = Field(default=None, ge=0, le=_U64, description="a0 at boot; default: the vCPU id")
    dtb_addr: int = Field(default=0, ge=0, le=_U64, description="a1 at boot: guest-physical address of the DTB")


class RiscvSetupConfig(BaseModel):
    """Per-vCPU setup settings (none are needed: the reset state is fixed by the plugin)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RiscvVmConfig(BaseModel):
    """The VM spec's `arch_config` section for riscv64."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dtb_addr: int = Field(
        default=0,
        ge=0,
        le=_U64,
        description="guest-physical DTB address passed in a1 to every hart (0: none)",
    )
    timebase_hz: int = Field(
        default=10_000_000,
        gt=0,
        le=1_000_000_000,
        description="frequency of the `time` CSR (QEMU virt: 10 MHz)",
    )
