"""The AArch64 register model: x0..x30, XZR as index 31 (reads 0, writes ignored), x0 as return register."""

from __future__ import annotations

from axvcpu_core.descriptor import RegisterModel

X0 = 0
XZR = 31
"""Register number 31 in a load/store or MSR/MRS encoding: the zero register, never `sp` (reference §1)."""

GPR_NAMES = (*(f"x{i}" for i in range(31)), "xzr")

REGISTER_MODEL = RegisterModel(
    gpr_names=GPR_NAMES,
    return_value_index=X0,
    zero_indices=frozenset({XZR}),
    aliases={"ip0": 16, "ip1": 17, "fp": 29, "lr": 30},
)
"""AAPCS64 names are aliases; `sp` is not a general-purpose register index."""
