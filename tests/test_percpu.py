"""PerCpu: init once, checked access before init, disable on close."""

from __future__ import annotations

import pytest

from axvcpu_core import AxError, AxErrorKind, PerCpu
from tests.conftest import FakePerCpu


def test_access_before_init_is_refused() -> None:
    percpu = PerCpu(FakePerCpu)
    assert not percpu.is_initialised
    for call in (
        lambda: percpu.arch,
        lambda: percpu.cpu_id,
        percpu.hardware_enable,
        percpu.is_enabled,
        percpu.hardware_disable,
        percpu.max_guest_page_table_levels,
    ):
        with pytest.raises(AxError) as info:
            call()
        assert info.value.kind is AxErrorKind.BadState
        assert "used before init" in info.value.message


def test_init_once() -> None:
    percpu = PerCpu(FakePerCpu)
    percpu.init(3)
    assert percpu.cpu_id == 3
    assert percpu.arch.cpu_id == 3
    with pytest.raises(AxError) as info:
        percpu.init(4)
    assert info.value.kind is AxErrorKind.AlreadyExists
    assert percpu.cpu_id == 3


def test_negative_cpu_id_is_invalid_input() -> None:
    with pytest.raises(AxError) as info:
        PerCpu(FakePerCpu).init(-1)
    assert info.value.kind is AxErrorKind.InvalidInput


def test_enable_disable_and_default_levels() -> None:
    percpu = PerCpu(FakePerCpu)
    percpu.init(0)
    assert not percpu.is_enabled()
    percpu.hardware_enable()
    assert percpu.is_enabled()
    with pytest.raises(AxError, match="already enabled"):
        percpu.hardware_enable()
    percpu.hardware_disable()
    assert not percpu.is_enabled()
    assert percpu.max_guest_page_table_levels() == 4


def test_close_disables_virtualization_once() -> None:
    with PerCpu(FakePerCpu) as percpu:
        percpu.init(1)
        percpu.hardware_enable()
        arch = percpu.arch
    assert arch.disables == 1
    assert not arch.enabled
    with pytest.raises(AxError, match="closed"):
        percpu.is_enabled()
    percpu.close()
    assert arch.disables == 1


def test_close_of_disabled_or_uninitialised_state_calls_no_disable() -> None:
    percpu = PerCpu(FakePerCpu)
    percpu.init(0)
    arch = percpu.arch
    percpu.close()
    assert arch.disables == 0
    with pytest.raises(AxError, match="closed"):
        percpu.init(1)
    never_initialised = PerCpu(FakePerCpu)
    never_initialised.close()
    assert not never_initialised.is_initialised
