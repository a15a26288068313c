"""The x86-64 register model (reference §11)."""

from __future__ import annotations

import pytest

from axvcpu_x86_vmx import REGISTER_MODEL
from axvcpu_x86_vmx.registers import RAX, RSP

ORDER = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]


def test_index_order_is_the_modrm_encoding() -> None:
    assert list(REGISTER_MODEL.gpr_names) == ORDER


@pytest.mark.parametrize(("index", "name"), list(enumerate(ORDER)))
def test_index_of_each_register(index: int, name: str) -> None:
    assert REGISTER_MODEL.index_of(name) == index
    assert REGISTER_MODEL.index_of(name.upper()) == index


def test_return_value_is_rax_and_nothing_is_hardwired_to_zero() -> None:
    assert REGISTER_MODEL.return_value_index == RAX == 0
    assert REGISTER_MODEL.zero_indices == frozenset()
    assert RSP == 4


@pytest.mark.parametrize("name", ["eax", "al", "rip", "rflags", "r16", "xzr", "sp"])
def test_partial_and_non_gpr_names_are_not_gprs(name: str) -> None:
    assert REGISTER_MODEL.index_of(name) is None
