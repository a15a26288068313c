"""The native exit path (axvcpu_core.fastexit) under the riscv64 vCPU: it completes hypercalls and
repeated MMIO accesses without the Python decoder, and every run ends exactly as without it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_riscv_run import RAM, SCRATCH, GuestRun, run_guest

from axvcpu_core import fastexit
from axvcpu_core.addr import GuestPhysAddr
from axvcpu_core.addrspace import GuestAddressSpace
from axvcpu_core.conformance.harness import LoneServices
from axvcpu_core.exits import Hypercall
from axvcpu_core.services import FastExitHandlers
from axvcpu_core.vmm.devices import Scratch
from axvcpu_riscv_h.config import RiscvCreateConfig
from axvcpu_riscv_h.decoder import decode
from axvcpu_riscv_h.guests import guest_bytes, guest_info
from axvcpu_riscv_h.record import RiscvTrap
from axvcpu_riscv_h.sbi import EID_HVC
from axvcpu_riscv_h.vcpu import HVC_CALL_RULE, RiscvVCpu


@pytest.fixture(autouse=True)
def no_watchdog_kicks(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests count exits exactly: no kick of the VMM's watchdog (after 100 ms of wall time on a
    loaded machine) may add a Nothing exit to one run and not the other."""
    monkeypatch.setattr("axvcpu_core.vmm.vm.RUN_BOUND_NS", 60_000_000_000)


def scratch_log(run: GuestRun) -> list[tuple[str, int, int, int]]:
    hit = run.vm.mmio.find(SCRATCH)
    assert hit is not None
    device = hit[1]
    assert isinstance(device, Scratch)
    return device.log


def results(run: GuestRun, name: str, count: int) -> list[int]:
    return [run.result_word(name, i) for i in range(count)]


def outcome(run: GuestRun) -> dict[str, Any]:
    """Everything a guest or a user can observe of a run, except timing and how exits were completed."""
    stats = run.result.stats
    return {
        "reason": run.result.reason,
        "message": run.result.message,
        "exits": dict(stats.exits),
        "device": scratch_log(run),
        "console": run.output,
    }


@pytest.mark.parametrize("htinst", ["transformed", "zero"])
def test_repeated_mmio_of_every_form_ends_as_without_the_native_path(tmp_path: Path, htinst: str) -> None:
    config = {"htinst": htinst}
    fast = run_guest(tmp_path, "mmio_repeat", arch_config=config, traced=False)
    slow = run_guest(tmp_path, "mmio_repeat", arch_config=config, traced=False, fast_exits=False)
    assert fast.result.reason == "poweroff"
    assert outcome(fast) == outcome(slow)
    assert results(fast, "mmio_repeat", 20) == results(slow, "mmio_repeat", 20)
    passes = guest_info("mmio_repeat")["constants"]["PASSES"]
    # 19 accesses per pass; every pass after the first is completed natively.
    assert fast.result.stats.native_exits == 19 * (passes - 1)
    assert slow.result.stats.native_exits == 0


def test_a_traced_run_completes_every_exit_in_python(tmp_path: Path) -> None:
    traced = run_guest(tmp_path, "mmio_repeat")
    assert traced.result.stats.native_exits == 0
    assert len(traced.exits("MmioRead")) + len(traced.exits("MmioWrite")) == 19 * 4


def test_a_rewritten_instruction_is_decoded_again(tmp_path: Path) -> None:
    """sw -> fsw at the same PC, address and width: the remembered answer must not be reused."""
    info = guest_info("mmio_rewrite")
    fast = run_guest(tmp_path, "mmio_rewrite", traced=False)
    slow = run_guest(tmp_path, "mmio_rewrite", traced=False, fast_exits=False)
    assert outcome(fast) == outcome(slow)
    assert fast.result.reason == "fault"
    assert f"GPA {SCRATCH + 0x200:#x}" in fast.result.message
    stores = info["constants"]["STORES"]
    assert [entry[0] for entry in scratch_log(fast)] == ["write"] * stores
    assert fast.result.stats.native_exits == stores - 1


def test_guest_paging_turns_the_native_mmio_path_off(tmp_path: Path) -> None:
    fast = run_guest(tmp_path, "paging", traced=False)
    slow = run_guest(tmp_path, "paging", traced=False, fast_exits=False)
    assert outcome(fast) == outcome(slow)
    assert fast.result.stats.exits["MmioWrite"] + fast.result.stats.exits["MmioRead"] > 0
    assert fast.result.stats.native_exits == 0


@pytest.mark.parametrize("limit", [1, 2, 150, 301])
def test_max_exits_stops_at_exactly_the_limit(tmp_path: Path, limit: int) -> None:
    run = run_guest(tmp_path, "bench_hypercall", traced=False, limits={"max_exits": limit})
    assert run.result.reason == "max_exits"
    assert run.result.stats.total_exits == limit
    assert run.result.stats.native_exits == limit - 1  # the last one goes through on_exit, which stops


def test_smp_demo_slices_still_alternate(tmp_path: Path) -> None:
    fast = run_guest(tmp_path, "demo", vcpus=4, traced=False)
    slow = run_guest(tmp_path, "demo", vcpus=4, traced=False, fast_exits=False)
    assert fast.result.reason == slow.result.reason == "poweroff"
    # The tick of the timer interrupt follows the wall clock; everything else is the same.
    assert sorted(re.sub(r"tick \d+", "tick N", fast.output).splitlines()) == sorted(
        re.sub(r"tick \d+", "tick N", slow.output).splitlines()
    )
    assert fast.result.stats.native_exits > 0


def test_the_call_rule_is_the_decoders_hypercall_rule() -> None:
    """The registers the native rule reads are the ones the decoder reads for EID_HVC."""
    regs = list(range(100, 132))
    regs[0] = 0
    regs[17] = EID_HVC
    exit_ = decode(RiscvTrap(10, sepc=RAM, regs=regs), None).exit  # type: ignore[arg-type]
    from axvcpu_riscv_h.hart import gpr_id

    def value(reg_id: int) -> int:
        return regs[reg_id - gpr_id(0)]

    assert exit_.nr == value(HVC_CALL_RULE.nr_reg)  # type: ignore[attr-defined]
    assert exit_.args == tuple(value(r) for r in HVC_CALL_RULE.arg_regs)  # type: ignore[attr-defined]
    assert value(HVC_CALL_RULE.guards[1][0]) == HVC_CALL_RULE.guards[1][1] == EID_HVC
    assert HVC_CALL_RULE.ret_reg == gpr_id(10)


class CallServices(LoneServices):
    """A lone vCPU whose VMM hands out a hypercall handler (or none) and records what it sees."""

    def __init__(self, memory: GuestAddressSpace, fast: bool) -> None:
        super().__init__(memory)
        self.fast = fast
        self.calls: list[tuple[int, tuple[int, ...]]] = []
        self.done: list[dict[str, int]] = []

    def fast_exit_handlers(self) -> FastExitHandlers | None:
        return FastExitHandlers(self._no_mmio_read, self._no_mmio_write, self._call) if self.fast else None

    def fast_exits_done(self, vcpu_id: int, counts: Mapping[str, int]) -> int:
        self.done.append(dict(counts))
        return 10

    def _call(self, nr: int, *args: int) -> int:
        self.calls.append((nr, args))
        return 0xFEED

    def _no_mmio_read(self, gpa: int, width: int) -> int:
        raise AssertionError("no MMIO in this guest")

    def _no_mmio_write(self, gpa: int, width: int, data: int) -> None:
        raise AssertionError("no MMIO in this guest")


def run_one_ecall(regs: list[int], fast: bool) -> tuple[CallServices, RiscvVCpu]:
    """`ecall; wfi` at RAM with a0..a7 = regs[10..17]; run() returns at the first slow exit."""
    code = (0x00000073).to_bytes(4, "little") + (0x10500073).to_bytes(4, "little")
    services = CallServices(GuestAddressSpace(), fast)
    services.memory.add_region(RAM, 0x10000)
    services.memory.write(RAM, code)
    vcpu = RiscvVCpu.new(0, 0, RiscvCreateConfig(), services)
    vcpu.set_entry(GuestPhysAddr(RAM))
    for index in range(1, 32):
        vcpu.set_gpr(index, regs[index])
    vcpu.run()
    return services, vcpu


U64 = st.integers(0, 2**64 - 1)


@settings(max_examples=40, deadline=None)
@given(st.lists(U64, min_size=32, max_size=32), st.sampled_from([EID_HVC, EID_HVC, 0x10, 0x01, 0x485644]))
def test_native_hypercalls_agree_with_the_decoder(regs: list[int], eid: int) -> None:
    regs[0] = 0
    regs[17] = eid
    slow, _ = run_one_ecall(regs, fast=False)
    fast, vcpu = run_one_ecall(regs, fast=True)
    decoded = slow.reported[0]
    if eid == EID_HVC:
        assert isinstance(decoded.exit, Hypercall)
        assert fast.calls == [(decoded.exit.nr, decoded.exit.args)]
        assert vcpu.get_gpr(10) == 0xFEED
        assert {"Hypercall": 1} in fast.done
        assert [d.exit.kind for d in fast.reported] == ["Halt"]
    else:  # not the HVC extension: the decoder handles it, in Python, with or without the native path
        assert fast.calls == []
        assert fast.reported[0] == decoded


def bench_mmio_write(iterations: int) -> bytes:
    image = bytearray(guest_bytes("bench_mmio_write"))
    offset = guest_info("bench_mmio_write")["symbols"]["iterations"]
    image[offset : offset + 8] = iterations.to_bytes(8, "little")
    return bytes(image)


@pytest.mark.parametrize(("fast_exits", "native"), [(True, True), (False, True), (False, False)])
def test_slice_ends_never_repeat_a_device_access(
    tmp_path: Path, fast_exits: bool, native: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two vCPUs every 200th exit ends a round-robin slice. Stopping Unicorn inside the store's
    hook would make it execute the store again on the next slice: the device must see each once
    (also without the native module: `native` False)."""
    if not native:
        monkeypatch.setattr(fastexit, "_fastexit", None)
    run = run_guest(tmp_path, "bench_mmio_write", vcpus=2, traced=False, fast_exits=fast_exits,
                    image=bench_mmio_write(1000))  # fmt: skip
    assert run.result.reason == "poweroff", run.result.message
    writes = [value for kind, _offset, _width, value in scratch_log(run) if kind == "write"]
    assert writes == list(range(1000, 0, -1))
