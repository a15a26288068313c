"""The example third-party plugin (examples/plugin_arm32) installs into a fresh target directory and
passes the conformance suite for every scenario it supports, with no change to the core."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "plugin_arm32"


def test_example_plugin_installs_runs_and_passes_the_suite(tmp_path: Path) -> None:
    source = tmp_path / "plugin_arm32"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(target), str(source)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")])}

    def axvcpu(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "axvcpu_core", *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=600, check=False)  # fmt: skip

    listing = json.loads(axvcpu("arches", "--json").stdout)
    [arm32] = [a for a in listing["arches"] if a["name"] == "arm32"]
    assert arm32["distribution"] == "axvcpu-example-arm32"
    assert listing["failures"] == []

    demo = axvcpu("run", "--arch", "arm32", "--json")
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.strip()
    assert json.loads(demo.stderr)["reason"] == "poweroff"

    report_path = tmp_path / "report.json"
    suite = axvcpu("conformance", "--arch", "arm32", "-q", "--axvcpu-json", str(report_path))
    assert suite.returncode == 0, suite.stdout[-3000:]
    assert "axvcpu conformance: arm32" in suite.stdout
    results = json.loads(report_path.read_text())["results"]
    passed = {name for name, r in results.items() if r["outcome"] == "passed"}
    assert {"hypercall", "mmio_write_1", "mmio_write_2", "mmio_write_4", "mmio_read_1_sign", "mmio_read_2_sign",
            "mmio_read_4_zero", "fetch_fault", "poweroff"} <= passed  # fmt: skip
    assert all(r["outcome"] in ("passed", "skipped") for r in results.values())
    assert all(r["reason"] for r in results.values() if r["outcome"] == "skipped")
