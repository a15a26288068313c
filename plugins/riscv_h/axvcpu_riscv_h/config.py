"""Pydantic configuration models of the RISC-V plugin."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_U64 = (1 << 64) - 1
HtinstMode = Literal["transformed", "zero"]
_HTINST = (
    "what the hart writes to htinst on a guest-page fault: the transformed instruction, or 0 "
    "(the hypervisor then fetches and decodes the instruction itself)"
)


class RiscvCreateConfig(BaseModel):
    """Per-vCPU creation settings: the boot registers of the SBI boot protocol."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hart_id: int | None = Field(default=None, ge=0, le=_U64, description="a0 at boot; default: the vCPU id")
    dtb_addr: int = Field(default=0, ge=0, le=_U64, description="a1 at boot: guest-physical address of the DTB")
    htinst: HtinstMode = Field(default="transformed", description=_HTINST)


class RiscvSetupConfig(BaseModel):
    """Per-vCPU setup settings (none are needed: the reset state is fixed by the plugin)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RiscvVmConfig(BaseModel):
    """The VM spec's `arch_config` section for riscv64."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dtb_addr: int = Field(default=0, ge=0, le=_U64, description="guest-physical DTB address in a1 of every hart")
    htinst: HtinstMode = Field(default="transformed", description=_HTINST)


def vcpu_configs(vm: BaseModel, vcpu_id: int) -> tuple[RiscvCreateConfig, RiscvSetupConfig]:
    """The create and setup configs of vCPU `vcpu_id` (hart id = vCPU id)."""
    assert isinstance(vm, RiscvVmConfig)
    return RiscvCreateConfig(hart_id=vcpu_id, dtb_addr=vm.dtb_addr, htinst=vm.htinst), RiscvSetupConfig()
