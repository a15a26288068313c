"""The RISC-V register model: x0..x31 in architectural order, ABI names, a0 as return register."""

from __future__ import annotations

from axvcpu_core.descriptor import RegisterModel

ABI_NAMES = (
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
)  # fmt: skip
"""ABI name of x0..x31."""

A0 = 10
A1 = 11

REGISTER_MODEL = RegisterModel(
    gpr_names=tuple(f"x{i}" for i in range(32)),
    return_value_index=A0,
    zero_indices=frozenset({0}),
    aliases={**{name: i for i, name in enumerate(ABI_NAMES)}, "fp": 8},
    cpu_up={"cpu_id": A0, "arg": A1},
)
