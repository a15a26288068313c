"""The x86-64 register model: the 16 GPRs in ModRM encoding order, RAX as return register (§11)."""

from __future__ import annotations

from axvcpu_core.descriptor import RegisterModel

GPR_NAMES = (
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
)  # fmt: skip
"""`set_gpr` index -> register; also the ModRM/REX register number."""

RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI = range(8)

REGISTER_MODEL = RegisterModel(gpr_names=GPR_NAMES, return_value_index=RAX)
"""No register is hard-wired to zero; index 4 is the guest RSP."""
