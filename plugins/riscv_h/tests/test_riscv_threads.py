"""Threaded scheduling (`Vm(threads=True)`, `axvcpu run --threads`): every vCPU on its own host
thread. Runs end as they do round-robin; what depends on timing is compared as sets."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from test_riscv_run import RAM, GuestRun, run_guest

from axvcpu_core.vmm import threaded
from axvcpu_riscv_h.guests import guest_bytes, guest_info


def console_lines(run: GuestRun) -> list[str]:
    """The console lines, sorted, with the timer tick (which follows the wall clock) blanked."""
    return sorted(re.sub(r"tick \d+", "tick N", run.output).splitlines())


def smp_compute(iterations: int) -> bytes:
    image = bytearray(guest_bytes("smp_compute"))
    offset = guest_info("smp_compute")["symbols"]["iterations"]
    image[offset : offset + 8] = iterations.to_bytes(8, "little")
    return bytes(image)


@pytest.mark.parametrize("vcpus", [1, 2, 4, 8])
def test_the_demo_prints_the_same_lines_with_threads(tmp_path: Path, vcpus: int) -> None:
    ours = run_guest(tmp_path, "demo", vcpus=vcpus, traced=False, threads=True)
    round_robin = run_guest(tmp_path, "demo", vcpus=vcpus, traced=False)
    assert ours.result.reason == "poweroff", ours.result.message
    assert console_lines(ours) == console_lines(round_robin)
    assert ours.result.stats.exits["CpuUp"] == vcpus - 1


def test_every_hart_computes_in_parallel_and_stores_its_result(tmp_path: Path) -> None:
    iterations = 2_000_000
    run = run_guest(tmp_path, "smp_compute", vcpus=4, traced=False, threads=True, image=smp_compute(iterations))
    assert run.result.reason == "poweroff", run.result.message
    assert [run.result_word("smp_compute", hart) for hart in range(4)] == [2 * iterations] * 4
    assert run.result.stats.exits["CpuDown"] == 3
    assert run.result.stats.instructions is None  # no count-mode slices with one thread per vCPU


def test_a_traced_threaded_run_records_every_exit_once(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "demo", vcpus=4, threads=True)
    assert run.result.reason == "poweroff"
    assert [line["seq"] for line in run.trace] == list(range(1, len(run.trace) + 1))
    assert len(run.trace) == run.result.stats.total_exits
    assert {line["vcpu"] for line in run.trace} == {0, 1, 2, 3}


def test_max_exits_ends_a_threaded_run(tmp_path: Path) -> None:
    run = run_guest(tmp_path, "demo", vcpus=4, traced=False, threads=True, limits={"max_exits": 40})
    assert run.result.reason == "max_exits"
    # Exits of other vCPUs already under way when the limit is reached: at most one each.
    assert 40 <= run.result.stats.total_exits <= 40 + 3
    assert run.result.stats.native_exits == 0  # budgets of vCPUs running at once could add up past the limit


def test_reset_restarts_the_guest_with_threads(tmp_path: Path) -> None:
    # The boot hart polls the secondary with SBI calls while its thread starts: allow for those.
    run = run_guest(tmp_path, "cpu", vcpus=2, threads=True, limits={"max_exits": 5000})
    assert run.result.reason == "max_exits"
    assert run.result.stats.resets >= 1
    assert run.exits("SystemDown")[0]["reset"] is True


def test_halt_and_wake_deadlock_and_fault_with_threads(tmp_path: Path) -> None:
    woken = run_guest(tmp_path, "wfi", threads=True, interrupts=((0, 1, 2_000_000),))
    assert woken.result.reason == "poweroff", woken.result.message
    assert woken.result_word("wfi", 1) & 2  # sip.SSIP: the software interrupt woke it
    assert run_guest(tmp_path, "wfi", threads=True).result.reason == "deadlock"
    fault = run_guest(tmp_path, "fetch_fault", threads=True)
    assert fault.result.reason == "fault"
    assert "nested page fault at GPA 0x90000000 (execute)" in fault.result.message


def test_a_timeout_and_a_stop_request_end_a_threaded_run(tmp_path: Path) -> None:
    timed = run_guest(tmp_path, "smp_compute", vcpus=2, traced=False, threads=True, image=smp_compute(2**62),
                      limits={"timeout": 0.3})  # fmt: skip
    assert timed.result.reason == "timeout"

    from axvcpu_core.spec import VmSpec
    from axvcpu_core.vmm import Console, Vm

    image = tmp_path / "forever.bin"
    image.write_bytes(smp_compute(2**62))
    spec = VmSpec.from_data({"arch": "riscv64", "vcpus": 2, "memory": [{"base": RAM, "size": "1MiB"}],
                             "images": [{"file": str(image), "load_addr": RAM}]})  # fmt: skip
    import io

    vm = Vm(spec, Console(io.BytesIO(), echo=False), threads=True)
    timer = threading.Timer(0.2, vm.request_stop, args=("enough",))
    timer.start()
    result = vm.run()
    timer.join()
    assert (result.reason, result.message) == ("interrupted", "enough")


def test_an_unexpected_error_in_a_vcpu_thread_ends_the_run_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise ValueError("completion exploded")

    monkeypatch.setattr(threaded, "complete_in_loop", broken)
    run = run_guest(tmp_path, "demo", vcpus=2, traced=False, threads=True)
    assert run.result.reason == "error"
    assert "thread: ValueError: completion exploded" in run.result.message
