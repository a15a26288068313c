"""`axvcpu run`, `decode` and `bench` as a user calls them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from axvcpu_core.cli import main

HYPERCALL = {"scause": 10, "sepc": 0x8000_0000, "regs": {"a7": 0x485643, "a6": 1, "a0": 5, "a5": 7}}


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_run_with_no_spec_runs_the_builtin_demo() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "axvcpu_core", "run", "--arch", "riscv64", "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "axvcpu riscv64 demo: 2 harts"
    summary = json.loads(proc.stderr)
    assert summary["reason"] == "poweroff"
    assert summary["exits"]["CpuUp"] == 1
    assert summary["exits_total"] == sum(summary["exits"].values())
    assert set(summary["exits_per_vcpu"]) == {"0", "1"}


def test_run_prints_a_summary_table_and_writes_a_trace(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "axvcpu_core", "run", "--arch", "rv64", "--vcpus", "3", "--trace", str(trace)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0
    assert "axvcpu riscv64 demo: 3 harts" in proc.stdout
    assert "exits by kind" in proc.stderr
    assert "poweroff" in proc.stderr
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    assert {line["vcpu"] for line in lines} == {0, 1, 2}
    assert {"seq", "vcpu", "pc", "trap", "exit"} == set(lines[0])
    replay = subprocess.run(
        [sys.executable, "-m", "axvcpu_core", "decode", "--arch", "riscv64"],
        input=trace.read_text(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    decoded = [json.loads(line) for line in replay.stdout.splitlines()]
    offline = [line["exit"] for line in lines]
    # hart_get_status needs the live VM's answer; every other exit replays exactly.
    comparable = [(d, o) for d, o in zip(decoded, offline, strict=True) if "error" not in d]
    assert len(comparable) > len(lines) // 2
    for got, want in comparable:
        if want["kind"] != "Nothing":
            assert got == want


def test_run_with_a_spec_file_and_overrides(tmp_path: Path) -> None:
    from axvcpu_riscv_h.guests import guest_bytes

    (tmp_path / "loop.bin").write_bytes(guest_bytes("loop"))
    spec = tmp_path / "vm.yaml"
    spec.write_text(
        "arch: riscv\nmemory: [{base: 0x80000000, size: 1MiB}]\nimages: [{file: loop.bin, load_addr: 0x80000000}]\n"
    )
    code, _, err = invoke("run", str(spec), "--timeout", "0.2", "--json")
    assert code == 3
    assert json.loads(err)["reason"] == "timeout"
    code, _, err = invoke("run", str(spec), "--image", str(tmp_path / "loop.bin"))
    assert code == 1
    assert "--image, --load-addr and --memory apply without a spec" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run"], "give a VM spec file or --arch"),
        (["run", "--arch", "riscv64", "--memory", "12MB"], "unknown size unit 'MB'"),
        (["run", "--arch", "riscv64", "--load-addr", "nowhere"], "is not an address"),
        (["run", "--arch", "sparc"], "unknown arch 'sparc'"),
        (["run", "--arch", "x86_64"], "arch x86_64 cannot run guests yet"),
    ],
)
def test_run_refuses_bad_input_cleanly(args: list[str], needle: str) -> None:
    code, _, err = invoke(*args)
    assert code != 0
    assert needle in err
    assert "Traceback" not in err


def test_run_a_fetch_from_unmapped_memory_ends_with_a_fault(tmp_path: Path) -> None:
    from axvcpu_riscv_h.guests import guest_bytes

    image = tmp_path / "fault.bin"
    image.write_bytes(guest_bytes("fetch_fault"))
    code, _, err = invoke("run", "--arch", "riscv64", "--image", str(image), "--json")
    assert code == 1
    summary = json.loads(err)
    assert summary["reason"] == "fault"
    assert summary["exits"] == {"NestedPageFault": 1}


def test_decode_one_record_argument() -> None:
    code, out, _ = invoke("decode", "--arch", "rv64", json.dumps(HYPERCALL))
    assert code == 0
    assert json.loads(out) == {"kind": "Hypercall", "nr": 1, "args": [5, 0, 0, 0, 0, 7], "next_pc": 0x8000_0004}


def test_decode_json_lines_with_errors_keeps_going_and_fails() -> None:
    stdin = "\n".join([json.dumps(HYPERCALL), "{not json", json.dumps({"scause": 99}), "[1]", json.dumps(HYPERCALL)])
    code, out, _ = invoke("decode", "--arch", "riscv", stdin=stdin)
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 5
    assert lines[0]["kind"] == "Hypercall"
    assert lines[1]["error"]["kind"] == "InvalidData"
    assert lines[2]["error"]["kind"] == "Unsupported"
    assert "exception 99" in lines[2]["error"]["message"]
    assert lines[3]["error"]["message"].startswith("a trap record must be a JSON object")
    assert lines[4] == lines[0]


def test_decode_without_a_decoder_says_so() -> None:
    code, out, _ = invoke("decode", "--arch", "aarch64", json.dumps({"esr_el2": 0}))
    assert code == 1
    assert "has no decoder yet" in json.loads(out)["error"]["message"]


def test_bench_reports_every_key_with_ratios() -> None:
    code, out, err = invoke("bench", "--arch", "riscv64", "--scale", "0.01", "--json")
    assert code == 0, err
    results = json.loads(out)
    for key in (
        "mips",
        "mips_bare",
        "mips_ratio",
        "mmio_write_per_s",
        "mmio_write_ratio",
        "mmio_read_per_s",
        "mmio_read_ratio",
        "hypercall_per_s",
        "hypercall_ratio",
        "decode_per_s",
        "load_store_mips_ratio",
    ):
        assert results[key] > 0, key
    assert results["mips_ratio"] == pytest.approx(results["mips"] / results["mips_bare"], rel=0.01)
    assert "bench: compute" in err
