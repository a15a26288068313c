"""The plugin's pydantic configuration models and `vcpu_configs` (VM settings -> per-vCPU configs).

`extra="forbid"` everywhere: a misspelt key in a VM spec's `arch_config` is an error, not ignored.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_U32 = 0xFFFF_FFFF
_DTB = "guest-physical address of the device tree, in r2 at boot (the Linux Arm boot protocol)"


class Arm32CreateConfig(BaseModel):
    """Per-vCPU creation settings: the boot registers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dtb_addr: int = Field(default=0, ge=0, le=_U32, description=_DTB)


class Arm32SetupConfig(BaseModel):
    """Per-vCPU setup settings (none: the reset state is fixed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Arm32VmConfig(BaseModel):
    """The VM spec's `arch_config` section for arm32."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dtb_addr: int = Field(default=0, ge=0, le=_U32, description=_DTB)


def vcpu_configs(vm: BaseModel, vcpu_id: int) -> tuple[Arm32CreateConfig, Arm32SetupConfig]:
    """The create and setup configs of vCPU `vcpu_id` (every vCPU boots the same way)."""
    assert isinstance(vm, Arm32VmConfig)
    return Arm32CreateConfig(dtb_addr=vm.dtb_addr), Arm32SetupConfig()
