"""The per-CPU class: enable, disable, and the errors on misuse (directly and through PerCpu)."""

from __future__ import annotations

import pytest

from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.percpu import PerCpu
from axvcpu_example_arm32.percpu import Arm32PerCpu


def test_enable_and_disable() -> None:
    cpu = Arm32PerCpu.new(3)
    assert cpu.cpu_id == 3
    assert not cpu.is_enabled()
    cpu.hardware_enable()
    assert cpu.is_enabled()
    cpu.hardware_disable()
    assert not cpu.is_enabled()


def test_double_enable_is_resource_busy() -> None:
    cpu = Arm32PerCpu.new(0)
    cpu.hardware_enable()
    with pytest.raises(AxError, match="already enabled on CPU 0") as info:
        cpu.hardware_enable()
    assert info.value.kind is AxErrorKind.ResourceBusy
    assert cpu.is_enabled()


def test_disable_when_off_is_bad_state() -> None:
    with pytest.raises(AxError, match="not enabled on CPU 1") as info:
        Arm32PerCpu.new(1).hardware_disable()
    assert info.value.kind is AxErrorKind.BadState


def test_stage2_has_three_levels() -> None:
    assert Arm32PerCpu.new(0).max_guest_page_table_levels() == 3


def test_core_percpu_wrapper_disables_on_close() -> None:
    percpu = PerCpu(Arm32PerCpu)
    percpu.init(2)
    percpu.hardware_enable()
    arch = percpu.arch
    percpu.close()
    assert not arch.is_enabled()
