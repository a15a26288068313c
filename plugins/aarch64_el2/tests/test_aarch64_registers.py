"""The AArch64 register model (reference §1, §12.3)."""

from __future__ import annotations

import pytest

from axvcpu_aarch64_el2 import REGISTER_MODEL
from axvcpu_aarch64_el2.registers import X0, XZR


def test_x0_to_x30_then_xzr() -> None:
    assert len(REGISTER_MODEL.gpr_names) == 32
    assert REGISTER_MODEL.gpr_names[:31] == tuple(f"x{i}" for i in range(31))
    assert REGISTER_MODEL.gpr_names[31] == "xzr"


@pytest.mark.parametrize("index", range(31))
def test_index_of_each_register(index: int) -> None:
    assert REGISTER_MODEL.index_of(f"x{index}") == index
    assert REGISTER_MODEL.index_of(f"X{index}") == index


def test_index_31_is_the_zero_register_not_sp() -> None:
    assert REGISTER_MODEL.zero_indices == frozenset({XZR}) == frozenset({31})
    assert REGISTER_MODEL.index_of("xzr") == 31
    assert REGISTER_MODEL.index_of("sp") is None
    assert REGISTER_MODEL.index_of("x31") is None


def test_return_value_is_x0() -> None:
    assert REGISTER_MODEL.return_value_index == X0 == 0


@pytest.mark.parametrize(("alias", "index"), [("fp", 29), ("lr", 30), ("ip0", 16), ("ip1", 17), ("LR", 30)])
def test_aapcs64_aliases(alias: str, index: int) -> None:
    assert REGISTER_MODEL.index_of(alias) == index


@pytest.mark.parametrize("name", ["w0", "pc", "elr_el2", "x32", "r0"])
def test_other_names_are_not_gprs(name: str) -> None:
    assert REGISTER_MODEL.index_of(name) is None
