"""Pydantic configuration models of the x86_64 plugin."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from axvcpu_x86_vmx import X86CreateConfig, X86SetupConfig, X86VmConfig


def test_defaults() -> None:
    create = X86CreateConfig()
    assert create.apic_id is None
    assert create.apic_id_for(3) == 3
    assert X86CreateConfig(apic_id=7).apic_id_for(3) == 7
    assert X86VmConfig().tsc_hz == 1_000_000_000
    assert X86SetupConfig().model_dump() == {}


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (X86CreateConfig, {"apic_id": -1}, "apic_id"),
        (X86CreateConfig, {"apic_id": 0xFFFF_FFFF}, "apic_id"),  # x2APIC broadcast
        (X86CreateConfig, {"apic_id": "one"}, "apic_id"),
        (X86CreateConfig, {"hart_id": 0}, "hart_id"),
        (X86SetupConfig, {"entry": 0}, "entry"),
        (X86VmConfig, {"tsc_hz": 0}, "tsc_hz"),
        (X86VmConfig, {"tsc_hz": -5}, "tsc_hz"),
        (X86VmConfig, {"tsc_hz": 10**11}, "tsc_hz"),
        (X86VmConfig, {"ipa_bits": 40}, "ipa_bits"),
    ],
)
def test_validation_errors_name_the_field(model: type[BaseModel], data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    assert field in str(info.value)


def test_models_are_frozen() -> None:
    config = X86VmConfig(tsc_hz=2_000_000_000)
    with pytest.raises(ValidationError):
        config.tsc_hz = 1  # type: ignore[misc]


def test_largest_apic_id_is_accepted() -> None:
    assert X86CreateConfig(apic_id=0xFFFF_FFFE).apic_id == 0xFFFF_FFFE
