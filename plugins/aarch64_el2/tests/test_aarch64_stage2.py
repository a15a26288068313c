"""VTCR_EL2 composition and the stage-2 levels it describes (reference §13)."""

from __future__ import annotations

import pytest

from axvcpu_aarch64_el2 import levels, start_level, vtcr_for
from axvcpu_core.errors import AxError, AxErrorKind


def test_reference_values() -> None:
    assert vtcr_for(39) == 0x8002_3559
    assert vtcr_for(48) == 0x8005_3590


@pytest.mark.parametrize("ipa_bits", range(32, 49))
def test_every_ipa_size(ipa_bits: int) -> None:
    vtcr = vtcr_for(ipa_bits)
    assert vtcr >> 31 == 1  # RES1
    assert 64 - (vtcr & 0x3F) == ipa_bits
    assert (vtcr >> 8) & 0xFF == 0x35  # IRGN0 = ORGN0 = 01, SH0 = 11, TG0 = 4 KiB
    ps_bits = (32, 36, 40, 42, 44, 48, 52)[(vtcr >> 16) & 0x7]
    assert ps_bits >= ipa_bits
    expected_levels = 3 if ipa_bits <= 39 else 4
    assert levels(vtcr) == expected_levels
    assert start_level(vtcr) == 4 - expected_levels


@pytest.mark.parametrize(("ipa_bits", "ps"), [(32, 0b000), (36, 0b001), (39, 0b010), (41, 0b011), (44, 0b100)])
def test_ps_is_the_smallest_output_size_holding_the_ipa(ipa_bits: int, ps: int) -> None:
    assert (vtcr_for(ipa_bits) >> 16) & 0x7 == ps


@pytest.mark.parametrize("ipa_bits", [31, 49, 52, 0, -40, True, "40", 40.0])
def test_bad_ipa_size_is_invalid_input(ipa_bits: object) -> None:
    with pytest.raises(AxError) as info:
        vtcr_for(ipa_bits)  # type: ignore[arg-type]
    assert info.value.kind is AxErrorKind.InvalidInput
    assert "IPA size" in info.value.message


def test_ipa_above_the_host_physical_size_is_refused() -> None:
    assert vtcr_for(40, pa_bits=40) == vtcr_for(40)
    with pytest.raises(AxError) as info:
        vtcr_for(44, pa_bits=40)
    assert info.value.kind is AxErrorKind.InvalidInput
    assert "above the host's 40 bits" in info.value.message
    with pytest.raises(AxError):
        vtcr_for(40, pa_bits=41)


@pytest.mark.parametrize(("vtcr", "level"), [(0x8002_3559, 1), (0x8005_3590, 0), (0x8000_3500 | 30, 2)])
def test_start_level_from_sl0(vtcr: int, level: int) -> None:
    assert start_level(vtcr) == level
    assert levels(vtcr) == 4 - level


@pytest.mark.parametrize(
    ("vtcr", "kind", "words"),
    [
        (0x8002_3559 | 0b11 << 6, AxErrorKind.InvalidData, "SL0 = 0b11"),
        (0x8002_3559 | 0b01 << 14, AxErrorKind.Unsupported, "4 KiB granule"),
        (0x8002_3559 & ~0x3F | 16, AxErrorKind.InvalidData, "48-bit IPA"),  # 48 bits cannot start at level 1
        (0x8005_3590 & ~0x3F | 25, AxErrorKind.InvalidData, "level 0"),  # 39 bits cannot start at level 0
    ],
)
def test_unusable_vtcr_is_a_typed_error(vtcr: int, kind: AxErrorKind, words: str) -> None:
    with pytest.raises(AxError) as info:
        levels(vtcr)
    assert info.value.kind is kind
    assert words in info.value.message
