"""The committed riscv64 guest images match their sources, and the small guests API works.

The rebuild tests re-assemble every `guests/NAME.S` with build.py's own functions into a temporary
directory and compare bytes and JSON text with the committed `NAME.bin` / `NAME.json`; they are
skipped when the riscv64 binutils (Debian package binutils-riscv64-linux-gnu) are not installed.
The other tests need no toolchain.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_riscv_h import guests
from axvcpu_riscv_h.guests import build

BENCH_GUESTS = ["bench_compute", "bench_hypercall", "bench_load_store", "bench_mmio_read", "bench_mmio_write"]
EXPECTED_GUESTS = sorted(
    [
        *BENCH_GUESTS,
        "cpu",
        "csr",
        "demo",
        "fetch_fault",
        "hypercall",
        "ipi",
        "loop",
        "mmio",
        "mmio_repeat",
        "mmio_rewrite",
        "paging",
        "smp_compute",
        "spin",
        "stage2",
        "wfi",
    ]
)
M64 = (1 << 64) - 1

needs_toolchain = pytest.mark.skipif(
    not build.have_toolchain(),
    reason=(
        f"{build.TOOL_PREFIX}as (and ld, objcopy, nm, objdump) not on PATH: "
        f"install the Debian package {build.DEBIAN_PACKAGE} to re-assemble the guest sources"
    ),
)


# --- rebuild from source ------------------------------------------------------------------------


@needs_toolchain
@pytest.mark.parametrize("name", build.source_names())
def test_committed_image_and_json_match_the_source(name: str, tmp_path: Path) -> None:
    built = build.build_guest(name, out_dir=tmp_path)
    committed_bin = (guests.GUESTS_DIR / f"{name}.bin").read_bytes()
    committed_json = (guests.GUESTS_DIR / f"{name}.json").read_text(encoding="utf-8")
    assert (tmp_path / f"{name}.bin").read_bytes() == built.image
    assert built.image == committed_bin, f"{name}.bin is stale: run python3 {Path(build.__file__)}"
    assert built.json_text == committed_json, f"{name}.json is stale: run python3 {Path(build.__file__)}"


@needs_toolchain
def test_build_is_deterministic(tmp_path: Path) -> None:
    first = build.build_guest("mmio", out_dir=tmp_path)
    second = build.build_guest("mmio")
    assert first == second


@needs_toolchain
def test_check_mode_reports_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["--check", "loop", "hypercall"]) == 0
    assert "loop: 4 bytes" in capsys.readouterr().out


def test_every_source_has_committed_outputs() -> None:
    assert build.source_names() == EXPECTED_GUESTS
    assert guests.guest_names() == EXPECTED_GUESTS


def test_missing_tool_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert not build.have_toolchain()
    with pytest.raises(build.ToolchainMissing, match="binutils-riscv64-linux-gnu"):
        build.tool("as")


# --- the API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXPECTED_GUESTS)
def test_bytes_info_and_symbols_agree(name: str) -> None:
    image = guests.guest_bytes(name)
    info = guests.guest_info(name)
    symbols = guests.guest_symbols(name)
    assert info["name"] == name
    assert info["entry_offset"] == 0 == symbols["_start"]
    assert info["image_size"] == len(image)
    assert info["sha256"] == hashlib.sha256(image).hexdigest()
    assert symbols == info["symbols"]
    assert all(0 <= off <= len(image) for off in symbols.values())
    assert all(0 <= value <= M64 for value in info["constants"].values())


def test_guest_info_is_a_copy() -> None:
    guests.guest_info("demo")["symbols"].clear()
    assert guests.guest_symbols("demo")["secondary_entry"] > 0


@pytest.mark.parametrize("call", [guests.guest_bytes, guests.guest_info, guests.guest_symbols])
def test_unknown_guest_is_not_found_and_lists_the_known_ones(call: object) -> None:
    assert callable(call)
    with pytest.raises(AxError) as info:
        call("no-such-guest")
    assert info.value.kind is AxErrorKind.NotFound
    assert "no-such-guest" in info.value.message
    for name in EXPECTED_GUESTS:
        assert name in info.value.message


def test_names_are_not_paths() -> None:
    with pytest.raises(AxError) as info:
        guests.guest_bytes("../guests/demo")
    assert info.value.kind is AxErrorKind.NotFound


# --- contents the hypervisor tests rely on ------------------------------------------------------


def test_demo_symbols_and_layout() -> None:
    info = guests.guest_info("demo")
    symbols = info["symbols"]
    expected = ["_start", "secondary_entry", "trap_entry", "console_lock", "nharts", "up_count", "reply_count",
                "ipi_from", "hypercall_result", "timer_deadline", "timer_tick", "timer_fired", "stack_base",
                "stack_top"]  # fmt: skip
    assert sorted(symbols) == sorted(expected)
    assert symbols["secondary_entry"] % 4 == 0
    assert symbols["trap_entry"] % 4 == 0
    consts = info["constants"]
    assert symbols["stack_top"] - symbols["stack_base"] == consts["MAX_HARTS"] * consts["STACK_SIZE"]
    assert symbols["stack_top"] == info["image_size"]  # the stacks are inside the flat image
    text = guests.guest_bytes("demo")
    for line in (b"axvcpu riscv64 demo: ", b" harts\n", b"hypercall sum(1..6) = ", b"timer interrupt at tick ",
                 b"all harts stopped, powering off\n", b"poweroff failed\n"):  # fmt: skip
        assert line + b"\0" in text


def _halfword(image: bytes, offset: int) -> int:
    return int.from_bytes(image[offset : offset + 2], "little")


def test_mmio_accesses() -> None:
    info = guests.guest_info("mmio")
    image = guests.guest_bytes("mmio")
    consts = info["constants"]
    accesses = info["accesses"]
    mnemonics = [a["mnemonic"] for a in accesses]
    assert mnemonics == ["lb", "lbu", "lh", "lhu", "lw", "lwu", "ld", "sb", "sh", "sw", "sd",
                         "c.lw", "c.ld", "c.sw", "c.sd", "c.lwsp", "c.ldsp", "c.swsp", "c.sdsp"]  # fmt: skip
    results = info["symbols"]["results"]
    for i, acc in enumerate(accesses):
        assert acc["index"] == i
        assert acc["offset"] == info["symbols"][acc["symbol"]]
        assert acc["addr"] == consts["DEV_BASE"] + 8 * i
        compressed = acc["mnemonic"].startswith("c.")
        assert acc["length"] == (2 if compressed else 4)
        assert (_halfword(image, acc["offset"]) & 3 != 3) == compressed
        assert acc["next_offset"] == acc["offset"] + acc["length"]
        is_load, width, sign = build.ACCESS_FORMS[acc["mnemonic"]]
        assert acc["kind"] == ("MmioRead" if is_load else "MmioWrite")
        assert acc["width"] == width
        assert acc["signed_ext"] == sign
        if is_load:
            assert acc["reg_width"] == 8
            assert acc["result_offset"] == results + 8 * i
        else:
            assert acc["data"] == consts["PATTERN"] & ((1 << (8 * width)) - 1)
    assert [a["reg"] for a in accesses if a["kind"] == "MmioRead"] == [10, 11, 12, 13, 14, 15, 31, 10, 11, 14, 15]
    assert [a["reg"] for a in accesses if a["kind"] == "MmioWrite"] == [6, 7, 28, 29, 12, 13, 30, 29]
    # lb/lh/lw and c.lw/c.lwsp sign-extend; ld never does.
    assert {a["mnemonic"] for a in accesses if a["signed_ext"]} == {"lb", "lh", "lw", "c.lw", "c.lwsp"}


@pytest.mark.parametrize(
    ("name", "label", "word"),
    [
        ("csr", "insn_rdcycle", 0xC0002573),  # csrrs a0, cycle, x0
        ("csr", "insn_csrw_hstatus", 0x60059073),  # csrrw x0, hstatus, a1
        ("csr", "insn_rdtime", 0xC0102673),  # csrrs a2, time, x0
        ("wfi", "insn_wfi", 0x10500073),
        ("hypercall", "insn_hvc", 0x00000073),
        ("cpu", "insn_hart_start", 0x00000073),
        ("cpu", "insn_get_status", 0x00000073),
        ("cpu", "insn_send_ipi", 0x00000073),
        ("cpu", "insn_reset", 0x00000073),
        ("cpu", "insn_hart_stop", 0x00000073),
        ("mmio", "insn_shutdown", 0x00000073),
        ("fetch_fault", "insn_jump", 0x00028067),  # jalr x0, 0(t0)
        ("loop", "loop", 0x0000006F),  # jal x0, 0
    ],
)
def test_scenario_instructions(name: str, label: str, word: int) -> None:
    offset = guests.guest_symbols(name)[label]
    assert int.from_bytes(guests.guest_bytes(name)[offset : offset + 4], "little") == word


def test_scenario_constants() -> None:
    assert guests.guest_info("csr")["constants"]["CSR_WRITE_VALUE"] == 0x12345678
    assert guests.guest_info("fetch_fault")["constants"]["UNMAPPED_GPA"] == 0x9000_0000
    assert guests.guest_info("cpu")["constants"]["CPU_OPAQUE"] == 0xC0FFEE
    assert "secondary" in guests.guest_symbols("cpu")


def test_json_files_are_plain_json_objects() -> None:
    for name in EXPECTED_GUESTS:
        data = json.loads((guests.GUESTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        assert data == guests.guest_info(name)
