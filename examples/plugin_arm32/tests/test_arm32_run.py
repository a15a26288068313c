"""End to end: the guests under the VMM (axvcpu_core.vmm.Vm), with the plugin from a local registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import RAM, loaded, run_guest

from axvcpu_core.conformance_kit import DEVICE_BASE, DEVICE_FILL, HYPERCALL_ARGS, HYPERCALL_RESULT, WRITE_PATTERN
from axvcpu_core.decode_stream import decode_one
from axvcpu_example_arm32.guests import guest_symbols

LOOP = (0xEAFFFFFE).to_bytes(4, "little")  # b .


def sext32(value: int, width: int) -> int:
    bits = 8 * width
    value &= (1 << bits) - 1
    return (value - (1 << bits) if value >> (bits - 1) else value) & 0xFFFF_FFFF


@pytest.mark.parametrize("access", ["trap", "hook"])
def test_demo_prints_over_the_uart_and_powers_off(tmp_path: Path, access: str) -> None:
    run = run_guest(tmp_path, "demo", access=access)  # every window is unmapped, whatever `access` says
    assert run.result.reason == "poweroff", run.result.message
    assert run.output == "Hello from the axvcpu arm32 example guest (ARM code on Unicorn, UART by MMIO exits)\n"
    exits = run.result.stats.exits
    assert exits["MmioWrite"] == len(run.output)
    assert exits["MmioRead"] == len(run.output)  # LSR is always ready: one poll per byte
    assert exits["SystemDown"] == 1


def test_hypercall_result_reaches_the_guest(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "hypercall")
    assert run.result.reason == "poweroff", run.result.message
    assert run.trace[0]["exit"] == {"kind": "Hypercall", "nr": 1, "args": list(HYPERCALL_ARGS),
                                    "next_pc": RAM + guest_symbols("hypercall")["resume"]}  # fmt: skip
    assert run.slot("hypercall") == HYPERCALL_RESULT


@pytest.mark.parametrize("width", [1, 2, 4])
def test_mmio_write(tmp_path: Path, width: int) -> None:
    name = f"mmio_write_{width}"
    run = run_guest(tmp_path, name)
    assert run.result.reason == "poweroff", run.result.message
    line = run.trace[0]
    assert line["pc"] == RAM + guest_symbols(name)["access"]
    assert line["exit"] == {"kind": "MmioWrite", "addr": DEVICE_BASE + 0x10, "width": width,
                            "data": WRITE_PATTERN & ((1 << (8 * width)) - 1),
                            "next_pc": RAM + guest_symbols(name)["resume"]}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "width", "signed"),
    [("1_zero", 1, False), ("1_sign", 1, True), ("2_zero", 2, False), ("2_sign", 2, True), ("4_zero", 4, False)],
)
def test_mmio_read_width_and_extension(tmp_path: Path, kind: str, width: int, signed: bool) -> None:
    name = f"mmio_read_{kind}"
    run = run_guest(tmp_path, name)
    assert run.result.reason == "poweroff", run.result.message
    exit_ = run.trace[0]["exit"]
    assert exit_ == {"kind": "MmioRead", "addr": DEVICE_BASE + 0x10, "width": width, "reg": 3, "reg_width": 4,
                     "signed_ext": signed, "next_pc": RAM + guest_symbols(name)["resume"]}  # fmt: skip
    expected = sext32(DEVICE_FILL, width) if signed else DEVICE_FILL & ((1 << (8 * width)) - 1)
    assert run.slot(name) == expected  # low word: the register; high word: zero


def test_reset_restarts_the_guest_once(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "reset")
    assert run.result.reason == "poweroff", run.result.message
    assert run.result.stats.resets == 1
    assert [line["exit"] for line in run.trace] == [
        {"kind": "SystemDown", "reset": True, "next_pc": RAM + guest_symbols("reset")["resume"]},
        {"kind": "SystemDown", "reset": False, "next_pc": RAM + guest_symbols("reset")["second_boot"] + 4},
    ]


@pytest.mark.parametrize(("name", "addr", "flags"), [("fetch_fault", 0x2000_0000, 4), ("stage2_rule", 0x1000_1010, 1)])
def test_unresolvable_stage2_faults_stop_the_vm(tmp_path: Path, name: str, addr: int, flags: int) -> None:
    run = run_guest(tmp_path, name)
    assert run.result.reason == "fault"
    assert run.result.exit_status == 1
    line = run.trace[-1]
    assert line["exit"] == {"kind": "NestedPageFault", "addr": addr, "access_flags": flags, "next_pc": line["pc"]}


def test_instruction_limit_ends_a_spinning_guest_at_a_slice_boundary(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "spin", code=LOOP, limits={"max_instructions": 100_000, "timeout": 10})
    assert run.result.reason == "max_instructions", run.result.message
    assert run.result.stats.instructions == 100_000  # 5 slices of 20,000
    assert {line["trap"]["cause"] for line in run.trace} == {"irq"}
    assert {line["exit"]["kind"] for line in run.trace} == {"Nothing"}


def test_wall_clock_limit_ends_a_spinning_guest(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "spin", code=LOOP, limits={"timeout": 0.3})
    assert run.result.reason == "timeout", run.result.message
    assert run.kinds()  # the VMM kicks each run at its bound (100 ms): Nothing exits
    assert set(run.kinds()) == {"Nothing"}


def test_exit_limit(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "hypercall", limits={"max_exits": 1})
    assert run.result.reason == "max_exits"
    assert run.kinds() == ["Hypercall"]


def test_trace_replays_through_the_decoder(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "demo")
    arch = loaded()
    for line in run.trace:
        assert decode_one(arch, json.dumps(line)) == line["exit"]


def test_arch_config_is_validated_and_reaches_r2(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "poweroff", arch_config={"dtb_addr": 0x4800_0000})
    assert run.trace[0]["trap"]["regs"]["r2"] == 0x4800_0000
    with pytest.raises(Exception, match="arch_config"):
        run_guest(tmp_path, "poweroff", arch_config={"dtb": 1})
