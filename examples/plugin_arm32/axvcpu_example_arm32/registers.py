"""The register model: r0..r15 in architectural order (`set_gpr` index = register number)."""

from __future__ import annotations

from unicorn import arm_const

from axvcpu_core.descriptor import RegisterModel

GPR_NAMES = tuple(f"r{i}" for i in range(16))
R0, R2, PC = 0, 2, 15

REGISTER_MODEL = RegisterModel(
    gpr_names=GPR_NAMES,
    return_value_index=R0,
    aliases={"fp": 11, "ip": 12, "sp": 13, "lr": 14, "pc": 15},
    cpu_up={},  # the example model has no CpuUp: the VMM never starts a secondary vCPU
)
"""What `set_gpr`/`get_gpr` index, the hypercall return register, and the usual AAPCS aliases."""

# Unicorn's register ids are not in architectural order (r13..r15 are 12, 10, 11): keep one table.
UC_GPR_IDS: tuple[int, ...] = (
    *(getattr(arm_const, f"UC_ARM_REG_R{i}") for i in range(13)),
    arm_const.UC_ARM_REG_SP,
    arm_const.UC_ARM_REG_LR,
    arm_const.UC_ARM_REG_PC,
)
"""Unicorn id of r0..r15, by register number."""
UC_CPSR: int = arm_const.UC_ARM_REG_CPSR
CPSR_THUMB = 1 << 5
