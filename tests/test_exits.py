"""Every exit kind round-trips through to_dict / exit_from_dict / JSON; bad dicts are typed errors."""

from __future__ import annotations

import json
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axvcpu_core import (
    EXIT_KINDS,
    AccessWidth,
    AxError,
    AxErrorKind,
    CpuDown,
    CpuUp,
    ExternalInterrupt,
    FailEntry,
    Halt,
    Hypercall,
    IoRead,
    IoWrite,
    MappingFlags,
    MmioRead,
    MmioWrite,
    NestedPageFault,
    Nothing,
    SendIPI,
    SysRegRead,
    SysRegWrite,
    SystemDown,
    VmExit,
    exit_from_dict,
)
from axvcpu_core.descriptor import Decoded

SAMPLES: list[VmExit] = [
    Hypercall(0x485643, [1, 2, 3, 4, 5, 2**64 - 1]),
    MmioRead(0x1000_0005, AccessWidth.BYTE, 10, AccessWidth.QWORD, True),
    MmioWrite(0x0900_0000, AccessWidth.DWORD, 0xDEADBEEF),
    SysRegRead(0xC00, 5),
    SysRegWrite(0x830, 0xFF),
    IoRead(0x3F8, AccessWidth.BYTE),
    IoWrite(0xCF9, AccessWidth.BYTE, 6),
    ExternalInterrupt(9),
    NestedPageFault(0x9000_0000, MappingFlags.EXECUTE),
    Halt(),
    CpuUp(1, 0x8020_0000, 0x1234),
    CpuDown(0),
    SystemDown(reset=True),
    Nothing(),
    FailEntry(33),
    SendIPI(0, 0b110, False, False, 1),
]


def test_samples_cover_all_16_kinds() -> None:
    assert sorted(type(e).kind for e in SAMPLES) == sorted(EXIT_KINDS)
    assert len(EXIT_KINDS) == 16


@pytest.mark.parametrize("exit_", SAMPLES, ids=lambda e: e.kind)
def test_round_trip_through_json(exit_: VmExit) -> None:
    text = json.dumps(exit_.to_dict())
    back = exit_from_dict(json.loads(text))
    assert back == exit_
    assert type(back) is type(exit_)
    assert hash(back) == hash(exit_)
    assert json.loads(text)["kind"] == exit_.kind


@pytest.mark.parametrize("exit_", SAMPLES, ids=lambda e: e.kind)
def test_exits_are_immutable_and_picklable(exit_: VmExit) -> None:
    with pytest.raises(AttributeError):
        exit_.anything = 1  # type: ignore[attr-defined]
    assert not hasattr(exit_, "__dict__")
    assert pickle.loads(pickle.dumps(exit_)) == exit_


def test_json_field_forms() -> None:
    d = MmioRead(0x10, AccessWidth.WORD, 3, AccessWidth.QWORD, False).to_dict()
    assert d == {"kind": "MmioRead", "addr": 16, "width": 2, "reg": 3, "reg_width": 8, "signed_ext": False}
    assert NestedPageFault(0x2000, MappingFlags.READ | MappingFlags.WRITE).to_dict()["access_flags"] == 3
    assert Hypercall(1, range(6)).to_dict()["args"] == [0, 1, 2, 3, 4, 5]
    assert SystemDown().to_dict() == {"kind": "SystemDown", "reset": False}


def test_equal_fields_of_different_kinds_differ() -> None:
    assert Halt() != Nothing()
    assert MmioWrite(1, AccessWidth.BYTE, 3) != IoWrite(1, AccessWidth.BYTE, 3)
    assert CpuUp(1, 2, 3) == CpuUp(1, 2, 3)


def test_decoded_json_adds_next_pc_and_is_accepted_back() -> None:
    decoded = Decoded(MmioWrite(0x10, AccessWidth.BYTE, 0x41), 0x8000_0004)
    d = decoded.to_dict()
    assert d["next_pc"] == 0x8000_0004
    assert exit_from_dict(d) == decoded.exit


def test_system_down_reset_defaults_to_false() -> None:
    assert exit_from_dict({"kind": "SystemDown"}) == SystemDown(reset=False)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"kind": "Bogus"}, "unknown exit kind 'Bogus'"),
        ({}, "unknown exit kind None"),
        ({"kind": "MmioWrite", "addr": 1, "width": 3, "data": 0}, "MmioWrite.width must be 1, 2, 4 or 8"),
        ({"kind": "MmioWrite", "addr": -1, "width": 1, "data": 0}, "MmioWrite.addr"),
        ({"kind": "MmioWrite", "addr": 2**64, "width": 1, "data": 0}, "MmioWrite.addr"),
        ({"kind": "MmioWrite", "width": 1, "data": 0}, "missing field 'addr'"),
        ({"kind": "Halt", "extra": 1}, "unknown field(s) extra"),
        ({"kind": "Hypercall", "nr": 1, "args": [1, 2]}, "Hypercall.args must be a list of 6"),
        ({"kind": "Hypercall", "nr": 1, "args": [1, 2, 3, 4, 5, "x"]}, "Hypercall.args[5]"),
        ({"kind": "SystemDown", "reset": 1}, "SystemDown.reset must be true or false"),
        ({"kind": "NestedPageFault", "addr": 0, "access_flags": 0x100}, "access_flags has unknown bits"),
        ({"kind": "ExternalInterrupt", "vector": True}, "ExternalInterrupt.vector"),
    ],
)
def test_bad_exit_dicts_are_invalid_data(data: dict[str, object], needle: str) -> None:
    with pytest.raises(AxError) as info:
        exit_from_dict(data)
    assert info.value.kind is AxErrorKind.InvalidData
    assert needle in info.value.message


def test_non_object_is_invalid_data() -> None:
    with pytest.raises(AxError, match="must be a JSON object"):
        exit_from_dict([1, 2])  # type: ignore[arg-type]


@given(
    st.dictionaries(
        st.sampled_from(["kind", "addr", "width", "data", "reg", "args", "reset", "vector"]),
        st.one_of(
            st.integers(-5, 2**65),
            st.sampled_from(list(EXIT_KINDS)),
            st.booleans(),
            st.lists(st.integers(0, 9), max_size=7),
            st.none(),
        ),
    )
)
def test_exit_from_dict_is_total(data: dict[str, object]) -> None:
    try:
        exit_ = exit_from_dict(data)
    except AxError as err:
        assert err.kind is AxErrorKind.InvalidData  # noqa: PT017 - hypothesis explores both outcomes
    else:
        assert exit_from_dict(exit_.to_dict()) == exit_
