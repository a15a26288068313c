"""Pydantic configuration models, MPIDR affinity, HCR_EL2 values and the EL2 vector table."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from axvcpu_aarch64_el2 import (
    Aarch64CreateConfig,
    Aarch64SetupConfig,
    Aarch64VmConfig,
    affinity_for,
    guest_hcr,
    vmpidr_for,
)
from axvcpu_aarch64_el2.vectors import vector_entry
from axvcpu_core.errors import AxError, AxErrorKind


def test_create_defaults_and_mpidr() -> None:
    config = Aarch64CreateConfig()
    assert (config.mpidr, config.dtb_addr) == (None, 0)
    assert config.mpidr_for(0) == 0
    assert config.mpidr_for(17) == 0x0101
    assert Aarch64CreateConfig(mpidr=0x01_0002_0304).mpidr_for(17) == 0x01_0002_0304


@pytest.mark.parametrize(
    ("vcpu_id", "affinity"),
    [(0, 0x0), (15, 0xF), (16, 0x100), (255, 0xF0F), (16 * 256, 0x1_0000), ((16 << 16) + 3, 0x1_0000_0003)],
)
def test_default_affinity_has_16_cpus_per_cluster(vcpu_id: int, affinity: int) -> None:
    assert affinity_for(vcpu_id) == affinity


@pytest.mark.parametrize("vcpu_id", [-1, 16 << 24, True, "1"])
def test_bad_vcpu_id_for_affinity(vcpu_id: object) -> None:
    with pytest.raises(AxError) as info:
        affinity_for(vcpu_id)  # type: ignore[arg-type]
    assert info.value.kind is AxErrorKind.InvalidInput


def test_vmpidr() -> None:
    assert vmpidr_for(0x01_0002_0304) == 0x8000_0000 | 0x01_0002_0304
    with pytest.raises(AxError) as info:
        vmpidr_for(1 << 24)
    assert info.value.kind is AxErrorKind.InvalidInput


def test_vm_config_defaults_and_stage2() -> None:
    config = Aarch64VmConfig()
    assert (config.ipa_bits, config.dtb_addr, config.virtual_id_registers) == (40, 0, False)
    assert config.stage2_levels() == 4
    assert Aarch64VmConfig(ipa_bits=39).vtcr() == 0x8002_3559
    assert Aarch64VmConfig(ipa_bits=39).stage2_levels() == 3
    assert Aarch64VmConfig(ipa_bits=48).vtcr() == 0x8005_3590


def test_hcr_values() -> None:
    assert guest_hcr() == Aarch64VmConfig().hcr() == 0x8008_603B
    assert guest_hcr(True) == Aarch64VmConfig(virtual_id_registers=True).hcr() == 0x800C_603B


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (Aarch64CreateConfig, {"mpidr": -1}, "mpidr"),
        (Aarch64CreateConfig, {"mpidr": 1 << 24}, "mpidr"),  # MT bit, not an affinity field
        (Aarch64CreateConfig, {"mpidr": 1 << 40}, "mpidr"),
        (Aarch64CreateConfig, {"dtb_addr": 1 << 64}, "dtb_addr"),
        (Aarch64CreateConfig, {"hart_id": 0}, "hart_id"),
        (Aarch64SetupConfig, {"entry": 0}, "entry"),
        (Aarch64VmConfig, {"ipa_bits": 31}, "ipa_bits"),
        (Aarch64VmConfig, {"ipa_bits": 49}, "ipa_bits"),
        (Aarch64VmConfig, {"ipa_bits": "forty"}, "ipa_bits"),
        (Aarch64VmConfig, {"dtb_addr": -1}, "dtb_addr"),
        (Aarch64VmConfig, {"tsc_hz": 1}, "tsc_hz"),
    ],
)
def test_validation_errors_name_the_field(model: type[BaseModel], data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    assert field in str(info.value)


def test_models_are_frozen() -> None:
    config = Aarch64VmConfig()
    with pytest.raises(ValidationError):
        config.ipa_bits = 48  # type: ignore[misc]


def test_vector_entries() -> None:
    base = 0x1_0000_0000
    assert [vector_entry(base, e) - base for e in ("sync", "irq", "fiq", "serror")] == [0x400, 0x480, 0x500, 0x580]
    with pytest.raises(AxError) as info:
        vector_entry(base, "nmi")
    assert info.value.kind is AxErrorKind.InvalidData
