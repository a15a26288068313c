"""The trap record's JSON form: parsing, dumping, typed errors, and `axvcpu decode`'s path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import loaded

from axvcpu_core.decode_stream import decode_one
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_example_arm32.record import Arm32Trap, Arm32TrapRecord, dump_record, parse_record

ARCH = loaded()
LDR = {
    "cause": "data_abort",
    "pc": 0x4000_0010,
    "fault_addr": 0x1000_1010,
    "access": "read",
    "regs": {"r4": 0x1000_1000, "r15": 0x4000_0010},
    "insn_bytes": "103094e5",
}


def test_parse_builds_the_fast_trap() -> None:
    trap = parse_record(LDR)
    assert trap == Arm32Trap(
        "data_abort", 0x4000_0010, 0x1000_1010, "read", (0,) * 4 + (0x1000_1000,) + (0,) * 10 + (0x4000_0010,),
        bytes.fromhex("103094e5"),
    )  # fmt: skip


def test_absent_fields_default_to_zero_none_and_empty() -> None:
    assert parse_record({"cause": "irq"}) == Arm32Trap("irq", 0)


def test_register_aliases_are_accepted() -> None:
    trap = parse_record({"cause": "irq", "regs": {"sp": 1, "lr": 2, "pc": 3, "fp": 4, "ip": 5}})
    assert trap.regs[11:16] == (4, 5, 1, 2, 3)


def test_dump_and_parse_round_trip() -> None:
    trap = parse_record(LDR)
    assert parse_record(dump_record(trap)) == trap
    assert dump_record(trap) == LDR


BAD: list[tuple[dict[str, Any], str]] = [
    ({}, "cause"),
    ({"cause": "hvc"}, "cause"),
    ({"cause": "irq", "pc": -1}, "pc"),
    ({"cause": "irq", "pc": 1 << 32}, "pc"),
    ({"cause": "irq", "pc": True}, "pc"),
    ({"cause": "irq", "pc": "0x10"}, "pc"),
    ({"cause": "irq", "pc": 1.0}, "pc"),
    ({"cause": "irq", "access": "modify"}, "access"),
    ({"cause": "irq", "regs": {"r16": 1}}, "regs"),
    ({"cause": "irq", "regs": {"R0": 1}}, "regs"),
    ({"cause": "irq", "regs": {"r13": 1, "sp": 2}}, "regs"),
    ({"cause": "irq", "regs": {"r0": 1 << 32}}, "regs"),
    ({"cause": "irq", "regs": [1, 2]}, "regs"),
    ({"cause": "irq", "insn_bytes": "1030"}, "insn_bytes"),
    ({"cause": "irq", "insn_bytes": "103094E5"}, "insn_bytes"),
    ({"cause": "irq", "insn_bytes": "103094e5ff"}, "insn_bytes"),
    ({"cause": "irq", "esr": 0}, "esr"),
]


@pytest.mark.parametrize(("record", "field"), BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_bad_records_are_invalid_data_naming_the_field(record: dict[str, Any], field: str) -> None:
    with pytest.raises(AxError) as info:
        parse_record(record)
    assert info.value.kind is AxErrorKind.InvalidData
    assert field in info.value.message


def test_a_non_object_is_invalid_data() -> None:
    with pytest.raises(AxError) as info:
        parse_record([1, 2])  # type: ignore[arg-type]
    assert info.value.kind is AxErrorKind.InvalidData


def test_the_model_gives_a_json_schema() -> None:
    schema = Arm32TrapRecord.model_json_schema()
    assert schema["title"] == "arm32 trap record"
    assert schema["required"] == ["cause"]
    assert set(schema["properties"]) == {"cause", "pc", "fault_addr", "access", "regs", "insn_bytes"}


def test_axvcpu_decode_path_gives_the_decoded_exit_json() -> None:
    out = decode_one(ARCH, json.dumps(LDR))
    assert out == {"kind": "MmioRead", "addr": 0x1000_1010, "width": 4, "reg": 3, "reg_width": 4,
                   "signed_ext": False, "next_pc": 0x4000_0014}  # fmt: skip


def test_axvcpu_decode_reports_undecodable_records_as_typed_errors() -> None:
    with pytest.raises(AxError) as info:
        decode_one(ARCH, json.dumps({"cause": "svc", "insn_bytes": "000000ef"}))
    assert info.value.kind is AxErrorKind.Unsupported


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**33), 2**33) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
records = st.fixed_dictionaries(
    {"cause": st.sampled_from(["svc", "data_abort", "prefetch_abort", "irq", "x"])},
    optional={
        "pc": json_values,
        "fault_addr": json_values,
        "access": st.sampled_from(["none", "read", "write", "execute"]) | json_values,
        "regs": st.dictionaries(st.sampled_from(["r0", "r7", "sp", "pc", "x"]), json_values, max_size=3),
        "insn_bytes": st.sampled_from(["", "103094e5", "564800ef", "000000ef"]) | json_values,
    },
)


@given(records)
def test_parse_then_decode_raises_only_ax_errors(record: dict[str, Any]) -> None:
    kind = None
    try:
        decode_one(ARCH, json.dumps(record))
    except AxError as err:
        kind = err.kind
    assert kind in (None, AxErrorKind.InvalidData, AxErrorKind.Unsupported)
