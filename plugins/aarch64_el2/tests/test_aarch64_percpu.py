"""Aarch64PerCpu: the EL2 checks, vector and HCR_EL2 installation, exact restore (reference §15)."""

from __future__ import annotations

import pytest

from axvcpu_aarch64_el2 import HCR_EL2_GUEST, Aarch64HostCpu, Aarch64PerCpu, vtcr_for
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.percpu import PerCpu


def host_with(**settings: object) -> type[Aarch64HostCpu]:
    """A subclass of the default host CPU with some class settings replaced."""
    return type("TestHost", (Aarch64HostCpu,), settings)


def percpu_on(host: type[Aarch64HostCpu] = Aarch64HostCpu, cpu_id: int = 0, **settings: object) -> Aarch64PerCpu:
    """A per-CPU object of a subclass whose HOST_CPU is `host` (plus other class settings)."""
    cls: type[Aarch64PerCpu] = type("TestPerCpu", (Aarch64PerCpu,), {"HOST_CPU": host, **settings})
    return cls.new(cpu_id)


def host_registers(percpu: Aarch64PerCpu) -> tuple[int, int, int, int]:
    host = percpu.host
    return host.current_el, host.id_aa64pfr0_el1, host.vbar_el2, host.hcr_el2


def expect_enable_error(percpu: Aarch64PerCpu, kind: AxErrorKind, *words: str) -> None:
    """hardware_enable fails with `kind` and a message containing `words`, changing nothing."""
    before = (host_registers(percpu), percpu.is_enabled())
    with pytest.raises(AxError) as info:
        percpu.hardware_enable()
    assert info.value.kind is kind
    for word in words:
        assert word in info.value.message
    assert (host_registers(percpu), percpu.is_enabled()) == before


def test_new_records_the_cpu_and_enables_nothing() -> None:
    percpu = Aarch64PerCpu.new(5)
    assert percpu.cpu_id == 5
    assert not percpu.is_enabled()
    assert host_registers(percpu) == (0x8, Aarch64HostCpu.ID_AA64PFR0_EL1, 0x4008_0800, 0x8000_0000)


@pytest.mark.parametrize("bad", [-1, False, "1", 2.0])
def test_new_rejects_a_bad_cpu_id(bad: object) -> None:
    with pytest.raises(AxError) as info:
        Aarch64PerCpu.new(bad)  # type: ignore[arg-type]
    assert info.value.kind is AxErrorKind.InvalidInput


def test_enable_installs_vectors_and_the_guest_hcr() -> None:
    percpu = Aarch64PerCpu.new(0)
    percpu.hardware_enable()
    assert percpu.is_enabled()
    assert percpu.host.vbar_el2 == Aarch64PerCpu.EL2_VECTORS
    assert percpu.host.vbar_el2 & 0x7FF == 0
    assert percpu.host.hcr_el2 == HCR_EL2_GUEST == 0x8008_603B


@pytest.mark.parametrize(("vbar", "hcr"), [(0x4008_0800, 0x8000_0000), (0, 0), (0xFFFF_FFFF_FFFF_F800, (1 << 64) - 1)])
def test_disable_restores_exactly(vbar: int, hcr: int) -> None:
    percpu = percpu_on(host_with(VBAR_EL2=vbar, HCR_EL2=hcr))
    percpu.hardware_enable()
    percpu.hardware_disable()
    assert not percpu.is_enabled()
    assert (percpu.host.vbar_el2, percpu.host.hcr_el2) == (vbar, hcr)


def test_disable_restores_values_present_at_enable_time_not_reset_values() -> None:
    percpu = Aarch64PerCpu.new(0)
    percpu.host.hcr_el2 = 0x0000_0300_8000_0000  # RW | API | APK, set after reset by someone else
    percpu.host.vbar_el2 = 0x8000_1000
    percpu.hardware_enable()
    percpu.hardware_disable()
    assert (percpu.host.vbar_el2, percpu.host.hcr_el2) == (0x8000_1000, 0x0000_0300_8000_0000)


def test_repeated_enable_and_disable() -> None:
    percpu = Aarch64PerCpu.new(1)
    for _ in range(5):
        percpu.hardware_enable()
        assert percpu.host.hcr_el2 == HCR_EL2_GUEST
        percpu.hardware_disable()
        assert host_registers(percpu) == host_registers(Aarch64PerCpu.new(1))


def test_enable_twice_is_resource_busy_and_keeps_the_saved_state() -> None:
    percpu = Aarch64PerCpu.new(0)
    percpu.hardware_enable()
    expect_enable_error(percpu, AxErrorKind.ResourceBusy, "already enabled")
    percpu.hardware_disable()
    assert (percpu.host.vbar_el2, percpu.host.hcr_el2) == (Aarch64HostCpu.VBAR_EL2, Aarch64HostCpu.HCR_EL2)


def test_disable_when_not_enabled_is_bad_state() -> None:
    percpu = Aarch64PerCpu.new(0)
    for _ in range(2):
        with pytest.raises(AxError) as info:
            percpu.hardware_disable()
        assert info.value.kind is AxErrorKind.BadState
        assert "not enabled" in info.value.message
        assert (percpu.host.vbar_el2, percpu.host.hcr_el2) == (Aarch64HostCpu.VBAR_EL2, Aarch64HostCpu.HCR_EL2)
        percpu.hardware_enable()
        percpu.hardware_disable()


@pytest.mark.parametrize(("current_el", "level"), [(0x4, 1), (0x0, 0), (0xC, 3)])
def test_enable_outside_el2_is_unsupported(current_el: int, level: int) -> None:
    expect_enable_error(percpu_on(host_with(CURRENT_EL=current_el)), AxErrorKind.Unsupported, f"EL{level}")


def test_enable_without_el2_in_pfr0_is_unsupported() -> None:
    pfr0 = Aarch64HostCpu.ID_AA64PFR0_EL1 & ~0xF00
    expect_enable_error(percpu_on(host_with(ID_AA64PFR0_EL1=pfr0)), AxErrorKind.Unsupported, "does not implement EL2")


@pytest.mark.parametrize("el2_field", [1, 2])
def test_el2_aarch64_only_or_both_is_enough(el2_field: int) -> None:
    pfr0 = Aarch64HostCpu.ID_AA64PFR0_EL1 & ~0xF00 | el2_field << 8
    percpu = percpu_on(host_with(ID_AA64PFR0_EL1=pfr0))
    percpu.hardware_enable()
    assert percpu.is_enabled()


def test_misaligned_vector_table_is_refused_before_any_change() -> None:
    expect_enable_error(percpu_on(EL2_VECTORS=0x1_0000_0400), AxErrorKind.InvalidData, "2 KiB-aligned")


@pytest.mark.parametrize(("ipa_bits", "levels"), [(32, 3), (39, 3), (40, 4), (48, 4)])
def test_levels_follow_the_configured_vtcr(ipa_bits: int, levels: int) -> None:
    assert percpu_on(VTCR_EL2=vtcr_for(ipa_bits)).max_guest_page_table_levels() == levels


def test_default_levels_are_those_of_a_40_bit_ipa() -> None:
    assert vtcr_for(40) == Aarch64PerCpu.VTCR_EL2
    assert Aarch64PerCpu.new(0).max_guest_page_table_levels() == 4


def test_levels_are_read_from_sl0_not_a_constant() -> None:
    percpu = Aarch64PerCpu.new(0)
    percpu.vtcr_el2 = 0x8002_3559
    assert percpu.max_guest_page_table_levels() == 3
    percpu.vtcr_el2 = 0x8005_3590
    assert percpu.max_guest_page_table_levels() == 4


def test_reserved_sl0_is_a_typed_error() -> None:
    with pytest.raises(AxError) as info:
        percpu_on(VTCR_EL2=0x8002_3559 | 0b11 << 6).max_guest_page_table_levels()
    assert info.value.kind is AxErrorKind.InvalidData


def test_core_percpu_wrapper_disables_on_close() -> None:
    with PerCpu(Aarch64PerCpu) as state:
        state.init(2)
        state.hardware_enable()
        arch = state.arch
        assert state.max_guest_page_table_levels() == 4
    assert not arch.is_enabled()
    assert arch.host.hcr_el2 == Aarch64HostCpu.HCR_EL2


def test_cpus_are_independent() -> None:
    first, second = Aarch64PerCpu.new(0), Aarch64PerCpu.new(1)
    first.hardware_enable()
    assert not second.is_enabled()
    assert second.host.hcr_el2 == Aarch64HostCpu.HCR_EL2
