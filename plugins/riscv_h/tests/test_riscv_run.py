"""End to end: real RV64 guest code under the VMM produces every exit kind RISC-V has, with the
right widths, sign extension, resume PC and completion (results are read back from guest RAM)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from axvcpu_core import AxError
from axvcpu_core.spec import VmSpec
from axvcpu_core.vmm import Console, RunResult, Vm
from axvcpu_riscv_h.guests import guest_bytes, guest_info

RAM = 0x8000_0000
SCRATCH = 0x1000_1000
FILL = 0x8899_AABB_CCDD_EEFF


class GuestRun:
    """One guest run: the VM (its RAM stays readable), the result, the trace and the console."""

    def __init__(self, vm: Vm, result: RunResult, trace: str) -> None:
        self.vm = vm
        self.result = result
        self.trace = [json.loads(line) for line in trace.splitlines()]
        self.output = bytes(vm.console.output).decode()

    def result_word(self, name: str, index: int) -> int:
        offset = guest_info(name)["symbols"]["results"] + 8 * index
        return int.from_bytes(self.vm.memory.read(RAM + offset, 8), "little")

    def exits(self, kind: str) -> list[dict[str, Any]]:
        return [line["exit"] for line in self.trace if line["exit"]["kind"] == kind]


def run_guest(
    tmp_path: Path,
    name: str,
    vcpus: int = 1,
    arch_config: dict[str, Any] | None = None,
    scratch_access: str = "hook",
    limits: dict[str, Any] | None = None,
    interrupts: tuple[tuple[int, int, int], ...] = (),
    traced: bool = True,
    fast_exits: bool = True,
    threads: bool = False,
    image: bytes | None = None,
) -> GuestRun:
    """Run a committed guest; `traced` False runs without a trace (the native exit path may complete exits)."""
    image_file = tmp_path / f"{name}.bin"
    image_file.write_bytes(guest_bytes(name) if image is None else image)
    spec = VmSpec.from_data(
        {
            "arch": "riscv64",
            "vcpus": vcpus,
            "memory": [{"base": RAM, "size": "16MiB"}],
            "images": [{"file": str(image_file), "load_addr": RAM}],
            "devices": [
                {"kind": "ns16550a", "base": 0x1000_0000, "size": 0x100},
                {
                    "kind": "scratch",
                    "base": SCRATCH,
                    "size": 0x1000,
                    "access": scratch_access,
                    "options": {"fill": FILL},
                },
            ],
            "arch_config": arch_config or {},
            "limits": limits or {"max_exits": 10_000, "timeout": 20},
        }
    )
    trace = io.StringIO()
    console = Console(io.BytesIO(), echo=False)
    trace_file = trace if traced else None
    vm = Vm(spec, console, trace=trace_file, warn=lambda message: None, fast_exits=fast_exits, threads=threads)
    for vcpu_id, vector, at_ns in interrupts:
        vm.raise_interrupt(vcpu_id, vector, at_ns)
    return GuestRun(vm, vm.run(), trace.getvalue())


def sext(value: int, width: int) -> int:
    bits = 8 * width
    value &= (1 << bits) - 1
    return (value - (1 << bits) if value >> (bits - 1) else value) & (2**64 - 1)


@pytest.mark.parametrize("vcpus", [1, 2, 8])
def test_demo_boots_all_harts_and_powers_off(tmp_path: Path, vcpus: int) -> None:
    run = run_guest(tmp_path, "demo", vcpus=vcpus)
    assert run.result.reason == "poweroff", run.result.message
    assert run.result.exit_status == 0
    lines = run.output.splitlines()
    assert lines[0] == f"axvcpu riscv64 demo: {vcpus} harts"
    assert sorted(line for line in lines if line.endswith(" up")) == sorted(f"hart {i} up" for i in range(vcpus))
    for hart in range(1, vcpus):
        assert f"hart {hart} got IPI from hart 0" in lines
    assert "hypercall sum(1..6) = 21" in lines
    assert any(line.startswith("timer interrupt at tick ") for line in lines)
    assert lines[-1] == "all harts stopped, powering off"
    exits = run.result.stats.exits
    assert exits["CpuUp"] == vcpus - 1
    assert exits["CpuDown"] == vcpus - 1
    assert exits["SendIPI"] >= 2 * (vcpus - 1)
    assert exits["Hypercall"] == 1
    assert exits["SystemDown"] == 1
    assert exits["Halt"] >= 1


@pytest.mark.parametrize("htinst", ["transformed", "zero"])
@pytest.mark.parametrize("access", ["hook", "trap"])
def test_every_mmio_width_sign_extension_and_resume_pc(tmp_path: Path, htinst: str, access: str) -> None:
    run = run_guest(tmp_path, "mmio", arch_config={"htinst": htinst}, scratch_access=access)
    assert run.result.reason == "poweroff", run.result.message
    info = guest_info("mmio")
    mmio = [line for line in run.trace if line["exit"]["kind"] in ("MmioRead", "MmioWrite")]
    assert len(mmio) == len(info["accesses"])
    written: dict[int, int] = {}
    for line, expected in zip(mmio, info["accesses"], strict=True):
        exit_ = line["exit"]
        pc = RAM + expected["offset"]
        assert line["pc"] == pc
        assert exit_["next_pc"] == RAM + expected["next_offset"], expected["mnemonic"]
        assert exit_["kind"] == expected["kind"]
        assert exit_["addr"] == expected["addr"]
        assert exit_["width"] == expected["width"]
        trap = line["trap"]
        assert trap["scause"] == (21 if expected["kind"] == "MmioRead" else 23)
        assert trap["htval"] << 2 | trap["stval"] & 3 == expected["addr"]
        assert (trap["htinst"] != 0) == (htinst == "transformed")
        if expected["kind"] == "MmioRead":
            assert exit_["reg"] == expected["reg"]
            assert exit_["reg_width"] == 8
            assert exit_["signed_ext"] == expected["signed_ext"]
            raw = written.get(expected["addr"], FILL) & ((1 << (8 * expected["width"])) - 1)
            want = sext(raw, expected["width"]) if expected["signed_ext"] else raw
            if "result_offset" in expected:
                got = int.from_bytes(run.vm.memory.read(RAM + expected["result_offset"], 8), "little")
                assert got == want, expected["mnemonic"]
        else:
            assert exit_["data"] == exit_["data"] & ((1 << (8 * expected["width"])) - 1)
            written[expected["addr"]] = exit_["data"]


def test_stores_reach_the_device_masked_to_their_width(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "mmio")
    writes = run.exits("MmioWrite")
    widths = [w["width"] for w in writes]
    assert sorted(set(widths)) == [1, 2, 4, 8]
    for write in writes:
        assert write["data"] < 1 << (8 * write["width"])


def test_csr_accesses_become_sysreg_exits_and_time_is_served_inside(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "csr")
    assert run.result.reason == "poweroff"
    symbols = guest_info("csr")["symbols"]
    [read] = [line for line in run.trace if line["exit"]["kind"] == "SysRegRead"]
    assert read["exit"] == {
        "kind": "SysRegRead",
        "addr": 0xC00,
        "reg": 10,
        "next_pc": RAM + symbols["insn_rdcycle"] + 4,
    }
    assert read["trap"]["scause"] == 22
    [write] = run.exits("SysRegWrite")
    assert write == {
        "kind": "SysRegWrite",
        "addr": 0x600,
        "value": 0x12345678,
        "next_pc": RAM + symbols["insn_csrw_hstatus"] + 4,
    }
    [time_read] = [line for line in run.trace if line["pc"] == RAM + symbols["insn_rdtime"]]
    assert time_read["exit"]["kind"] == "Nothing"
    assert run.result_word("csr", 0) == 0  # the VMM completed the cycle read with 0
    assert run.result_word("csr", 1) > 0  # virtual time in 10 MHz ticks
    assert run.result_word("csr", 2) == guest_info("csr")["constants"]["GUEST_MARKER"]


def test_halt_then_wake_on_an_injected_interrupt(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "wfi", interrupts=((0, 1, 2_000_000),))
    assert run.result.reason == "poweroff", run.result.message
    [halt] = [line for line in run.trace if line["exit"]["kind"] == "Halt"]
    assert halt["exit"]["next_pc"] == RAM + guest_info("wfi")["symbols"]["insn_wfi"] + 4
    assert halt["trap"]["scause"] == 22
    assert run.result_word("wfi", 0) == guest_info("wfi")["constants"]["GUEST_MARKER"]
    assert run.result_word("wfi", 1) & 2  # sip.SSIP: the software interrupt woke it


def test_halt_with_nothing_to_wake_it_is_a_deadlock(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "wfi")
    assert run.result.reason == "deadlock"
    assert run.result.exit_status == 1


def test_hypercall_with_six_arguments_returns_to_the_guest(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "hypercall")
    [call] = run.exits("Hypercall")
    assert call["nr"] == 1
    assert call["args"] == [10, 20, 30, 40, 50, 60]
    assert run.result_word("hypercall", 0) == 210


def test_fetch_from_unmapped_memory_is_a_nested_page_fault(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "fetch_fault")
    assert run.result.reason == "fault"
    assert run.result.exit_status == 1
    assert "nested page fault at GPA 0x90000000 (execute)" in run.result.message
    [fault] = run.exits("NestedPageFault")
    assert fault == {"kind": "NestedPageFault", "addr": 0x9000_0000, "access_flags": 4, "next_pc": 0x9000_0000}


def test_cpu_up_down_broadcast_ipi_and_reset(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "cpu", vcpus=2, limits={"max_exits": 12})
    assert run.result.reason == "max_exits"
    assert run.result.exit_status == 3
    symbols = guest_info("cpu")["symbols"]
    [up, *_] = run.exits("CpuUp")
    assert up == {
        "kind": "CpuUp",
        "target_cpu": 1,
        "entry_point": RAM + symbols["secondary"],
        "arg": guest_info("cpu")["constants"]["CPU_OPAQUE"],
        "next_pc": RAM + symbols["insn_hart_start"] + 4,
    }
    assert run.exits("CpuDown")[0]["state"] == 0
    ipi = run.exits("SendIPI")[0]
    assert ipi["send_to_all"]
    assert ipi["send_to_self"]
    assert run.exits("SystemDown")[0]["reset"] is True
    assert run.result.stats.resets >= 1


def test_a_guest_that_loops_forever_stops_at_the_limit(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "loop", limits={"timeout": 0.3})
    assert run.result.reason == "timeout"
    assert run.result.exit_status == 3
    counted = run_guest(tmp_path, "loop", limits={"max_instructions": 100_000})
    assert counted.result.reason == "max_instructions"
    assert counted.result.stats.instructions is not None
    assert counted.result.stats.instructions >= 100_000


def test_an_image_larger_than_ram_is_a_spec_error(tmp_path: Path) -> None:
    image = tmp_path / "big.bin"
    image.write_bytes(bytes(0x2000))
    with pytest.raises(AxError, match="not inside one RAM region"):
        VmSpec.from_data(
            {
                "arch": "riscv64",
                "memory": [{"base": RAM, "size": "4KiB"}],
                "images": [{"file": str(image), "load_addr": RAM}],
            }
        )


def test_trace_replays_through_the_decoder(tmp_path: Path) -> None:
    from axvcpu_core.decode_stream import decode_one
    from axvcpu_core.registry import default_registry

    arch = default_registry().resolve("riscv64")
    run = run_guest(tmp_path, "mmio")
    replayable = [line for line in run.trace if line["exit"]["kind"] != "Nothing"]
    assert len(replayable) > 10
    for line in replayable:
        assert decode_one(arch, json.dumps(line)) == line["exit"]


def test_a_host_interrupt_is_an_external_interrupt_exit_and_the_guest_goes_on(tmp_path: Path) -> None:
    image = tmp_path / "spin.bin"
    image.write_bytes(guest_bytes("spin"))
    spec = VmSpec.from_data({"arch": "riscv64", "memory": [{"base": RAM, "size": "1MiB"}],
                             "images": [{"file": str(image), "load_addr": RAM}]})  # fmt: skip
    trace = io.StringIO()
    vm = Vm(spec, Console(io.BytesIO(), echo=False), trace=trace, warn=lambda message: None)
    vm.raise_host_interrupt(0, 9, at_ns=1_000_000)
    result = vm.run()
    assert result.reason == "poweroff"
    [line] = [json.loads(t) for t in trace.getvalue().splitlines() if '"ExternalInterrupt"' in t]
    assert line["exit"] == {"kind": "ExternalInterrupt", "vector": 9, "next_pc": line["pc"]}
    assert line["trap"]["scause"] == 2**63 + 9
    with pytest.raises(AxError, match="runs once"):
        vm.run()
    again = Vm(spec, Console(io.BytesIO(), echo=False), warn=lambda message: None)
    again.raise_host_interrupt(0, 5)
    failed = again.run()
    assert failed.reason == "error"
    assert "supervisor external interrupts (9), not 5" in failed.message


def test_kick_from_another_thread_ends_an_unbounded_run() -> None:
    import threading

    from axvcpu_core.conformance.harness import lone_services
    from axvcpu_core.registry import default_registry
    from axvcpu_core.vcpu import VCpu
    from axvcpu_riscv_h.config import RiscvCreateConfig, RiscvSetupConfig
    from axvcpu_riscv_h.vcpu import RiscvVCpu

    arch = default_registry().resolve("riscv64")
    services = lone_services(arch, guest_bytes("loop"))
    services.run_timeout_ns = lambda: None  # type: ignore[method-assign]  # no bound: only a kick ends run()
    vcpu = VCpu.create(RiscvVCpu, 0, 0, RiscvCreateConfig(), services)
    vcpu.setup(RAM, 0x10_0000_0000, RiscvSetupConfig())
    vcpu.bind()
    timer = threading.Timer(0.05, vcpu.arch_vcpu.kick)
    timer.start()
    exit_ = vcpu.run()
    timer.join()
    assert exit_.kind == "Nothing"
    assert services.reported[-1].exit == exit_


def test_with_guest_paging_stval_is_the_virtual_and_htval_the_physical_address(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "paging")
    assert run.result.reason == "poweroff", run.result.message
    symbols = guest_info("paging")["symbols"]
    alias = guest_info("paging")["constants"]["ALIAS_DEVICE"]
    [store] = [line for line in run.trace if line["exit"]["kind"] == "MmioWrite"]
    [load] = [line for line in run.trace if line["exit"]["kind"] == "MmioRead"]
    assert store["pc"] == RAM + symbols["insn_store"]
    assert store["trap"]["stval"] == alias
    assert store["trap"]["htval"] << 2 == SCRATCH
    assert store["exit"]["addr"] == SCRATCH
    assert load["trap"]["stval"] == alias + 8
    assert load["exit"] == {"kind": "MmioRead", "addr": SCRATCH + 8, "width": 4, "reg": 7, "reg_width": 8,
                            "signed_ext": True, "next_pc": RAM + symbols["insn_load"] + 4}  # fmt: skip
    assert run.result_word("paging", 0) == sext(FILL, 4)
