"""The riscv64 trap record: `RiscvTrap`, `parse_record`, `dump_record`, `RiscvTrapRecord`, `decoder_spec`."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from axvcpu_core.descriptor import DecoderSpec
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.services import OfflineServices
from axvcpu_riscv_h.decoder import decode, decoder_spec
from axvcpu_riscv_h.record import (
    REG_INDEX,
    ZERO_REGS,
    RiscvTrap,
    RiscvTrapRecord,
    dump_record,
    parse_record,
)

M64 = (1 << 64) - 1


def bad(obj: Any) -> str:
    """parse_record must reject `obj` with InvalidData; returns the message."""
    with pytest.raises(AxError) as info:
        parse_record(obj)
    assert info.value.kind is AxErrorKind.InvalidData
    return info.value.message


def test_minimal_record_defaults_everything_to_zero() -> None:
    t = parse_record({"scause": 10})
    assert t == RiscvTrap(10)
    assert (t.stval, t.htval, t.htinst, t.sepc, t.hstatus) == (0, 0, 0, 0, 0)
    assert t.regs == ZERO_REGS
    assert t.insn_bytes == b""


def test_full_record() -> None:
    t = parse_record(
        {
            "scause": 23,
            "stval": 0x1000_0001,
            "htval": 0x400_0000,
            "htinst": 0x2023,
            "sepc": M64,
            "hstatus": 0x2_0000_01C0,
            "regs": {"x5": 7, "a0": 0x1000_0000, "fp": 3, "t6": M64, "zero": 0},
            "insn_bytes": "23205500",
        }
    )
    assert (t.scause, t.stval, t.htval, t.htinst, t.sepc, t.hstatus) == (
        23, 0x1000_0001, 0x400_0000, 0x2023, M64, 0x2_0000_01C0
    )  # fmt: skip
    assert t.regs[5] == 7
    assert t.regs[10] == 0x1000_0000
    assert t.regs[8] == 3
    assert t.regs[31] == M64
    assert t.insn_bytes == bytes.fromhex("23205500")


def test_every_abi_name_maps_to_its_number() -> None:
    names = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
             "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
             "t5", "t6"]  # fmt: skip
    for number, name in enumerate(names):
        assert REG_INDEX[name] == number == REG_INDEX[f"x{number}"]
        if number:
            assert parse_record({"scause": 10, "regs": {name: number + 100}}).regs[number] == number + 100


def test_missing_scause_is_named() -> None:
    assert "'scause' is missing" in bad({"stval": 1})


@pytest.mark.parametrize("field", ["scause", "stval", "htval", "htinst", "sepc", "hstatus"])
@pytest.mark.parametrize("value", [-1, 1 << 64, "10", 1.0, True, None, [1]])
def test_bad_integers_are_named(field: str, value: object) -> None:
    record = {"scause": 10, field: value}
    assert repr(field) in bad(record)


@pytest.mark.parametrize("value", [-1, 1 << 64, "5", 2.5, False])
def test_bad_register_values_are_named(value: object) -> None:
    assert "'regs.a0'" in bad({"scause": 10, "regs": {"a0": value}})


def test_register_name_errors() -> None:
    assert "unknown register name 'x32'" in bad({"scause": 10, "regs": {"x32": 1}})
    assert "unknown register name 'A0'" in bad({"scause": 10, "regs": {"A0": 1}})
    assert "x10 twice" in bad({"scause": 10, "regs": {"a0": 1, "x10": 1}})
    assert "x8 twice" in bad({"scause": 10, "regs": {"s0": 1, "fp": 2}})
    assert "'regs.x0' must be 0" in bad({"scause": 10, "regs": {"x0": 1}})
    assert "'regs.zero' must be 0" in bad({"scause": 10, "regs": {"zero": 5}})
    assert "'regs' must be an object" in bad({"scause": 10, "regs": [1, 2]})


@pytest.mark.parametrize("text", ["2", "ABCD", "0x13", "zz00", " 1300", 1300, None])
def test_bad_hex_is_named(text: object) -> None:
    assert "'insn_bytes'" in bad({"scause": 21, "insn_bytes": text})


@pytest.mark.parametrize(
    ("text", "need"),
    [("03", 4), ("01", 2), ("41", 2), ("0325", 4), ("032500", 4), ("13", 4)],
)
def test_too_few_instruction_bytes_for_the_announced_length(text: str, need: int) -> None:
    message = bad({"scause": 21, "insn_bytes": text})
    assert "'insn_bytes'" in message
    assert f"{need}-byte" in message


@pytest.mark.parametrize("text", ["", "4108", "03250000", "1f00", "3f00", "7f00", "0325000011"])
def test_enough_instruction_bytes(text: str) -> None:
    assert parse_record({"scause": 21, "insn_bytes": text}).insn_bytes == bytes.fromhex(text)


def test_unknown_fields_and_non_objects() -> None:
    assert "unknown field(s) esr_el2" in bad({"scause": 10, "esr_el2": 0})
    assert "must be a JSON object" in bad([10])
    assert "must be a JSON object" in bad("scause")


def test_dump_omits_zero_registers_and_empty_bytes() -> None:
    regs = list(ZERO_REGS)
    regs[10], regs[31] = 5, M64
    t = RiscvTrap(21, 1, 2, 3, 4, 5, tuple(regs), b"\x03\x25\x00\x00")
    assert dump_record(t) == {
        "scause": 21, "stval": 1, "htval": 2, "htinst": 3, "sepc": 4, "hstatus": 5,
        "regs": {"x10": 5, "x31": M64}, "insn_bytes": "03250000",
    }  # fmt: skip
    assert dump_record(RiscvTrap(10)) == {
        "scause": 10, "stval": 0, "htval": 0, "htinst": 0, "sepc": 0, "hstatus": 0, "regs": {}
    }  # fmt: skip


u64 = st.integers(0, M64)
insn_hex = st.sampled_from(["", "4108", "c841", "03250000", "23205500", "1f000000", "7f00"])


@st.composite
def traps(draw: st.DrawFn) -> RiscvTrap:
    regs = (0, *draw(st.lists(st.one_of(st.just(0), u64), min_size=31, max_size=31)))
    text = draw(insn_hex)
    scause, stval, htval, htinst, sepc, hstatus = (draw(u64) for _ in range(6))
    return RiscvTrap(scause, stval, htval, htinst, sepc, hstatus, regs, bytes.fromhex(text))


@given(traps())
def test_parse_inverts_dump(t: RiscvTrap) -> None:
    assert parse_record(dump_record(t)) == t
    assert RiscvTrapRecord.model_validate(dump_record(t)).scause == t.scause


def test_trap_is_immutable_hashable_and_picklable() -> None:
    t = RiscvTrap(21, sepc=0x8000_0000)
    with pytest.raises(AttributeError):
        t.scause = 1
    with pytest.raises(AttributeError):
        del t.sepc
    assert t == RiscvTrap(21, sepc=0x8000_0000)
    assert t != RiscvTrap(23, sepc=0x8000_0000)
    assert hash(t) == hash(RiscvTrap(21, sepc=0x8000_0000))
    assert pickle.loads(pickle.dumps(t)) == t
    assert t.__eq__(object()) is NotImplemented
    assert "scause=0x15" in repr(t)
    assert "sepc=0x80000000" in repr(t)


def test_json_schema_describes_the_record() -> None:
    schema = RiscvTrapRecord.model_json_schema()
    assert schema["required"] == ["scause"]
    assert set(schema["properties"]) == {
        "scause", "stval", "htval", "htinst", "sepc", "hstatus", "regs", "insn_bytes"
    }  # fmt: skip
    assert schema["properties"]["scause"]["maximum"] == M64
    assert schema["properties"]["insn_bytes"]["pattern"] == "^(?:[0-9a-f]{2})*$"
    assert schema["additionalProperties"] is False
    assert "a0" in schema["properties"]["regs"]["propertyNames"]["enum"]


json_values = st.one_of(
    st.integers(-2, 2**64 + 1), st.sampled_from([M64, 1 << 64, -1]), st.booleans(), st.none(),
    st.text(max_size=4), st.floats(allow_nan=False),
)  # fmt: skip
reg_names = st.sampled_from([*REG_INDEX, "x32", "A0", "pc"])
hex_texts = st.one_of(insn_hex, st.sampled_from(["03", "0325", "ABCD", "1", "zz"]), st.text(max_size=6))
records = st.fixed_dictionaries(
    {},
    optional={
        "scause": st.one_of(u64, json_values),
        "stval": st.one_of(u64, json_values),
        "htinst": st.one_of(u64, json_values),
        "regs": st.one_of(st.dictionaries(reg_names, st.one_of(u64, json_values), max_size=4), json_values),
        "insn_bytes": st.one_of(hex_texts, json_values),
        "bogus": json_values,
    },
)


@given(records)
def test_parse_record_agrees_with_the_model(obj: dict[str, Any]) -> None:
    """The JSON Schema model and the fast parser accept exactly the same records."""
    try:
        parsed: RiscvTrap | AxError = parse_record(obj)
    except AxError as err:
        parsed = err
    if isinstance(parsed, AxError):
        assert parsed.kind is AxErrorKind.InvalidData
        with pytest.raises(ValidationError):
            RiscvTrapRecord.model_validate(obj)
    else:
        assert RiscvTrapRecord.model_validate(obj).scause == parsed.scause


def test_decoder_spec() -> None:
    spec = decoder_spec()
    assert isinstance(spec, DecoderSpec)
    assert spec.record_model is RiscvTrapRecord
    assert spec.parse is parse_record
    assert spec.decode is decode
    assert spec.dump is dump_record


def test_trap_normalises_a_register_list_and_a_bytearray() -> None:
    regs = [0] * 32
    regs[5] = 9
    t = RiscvTrap(23, regs=regs, insn_bytes=bytearray(b"\x23\x20\x55\x00"))
    assert type(t.regs) is tuple
    assert type(t.insn_bytes) is bytes
    assert t == RiscvTrap(23, regs=tuple(regs), insn_bytes=b"\x23\x20\x55\x00")
    assert decode(t, OfflineServices()).exit.data == 9  # type: ignore[attr-defined]
