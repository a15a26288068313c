"""The conformance suite itself: it passes a correct plugin and names the defect of each broken one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

FIXTURE = Path(__file__).parent / "fixtures" / "conformance" / "defective_plugins.py"


def run_suite(pytester: pytest.Pytester, variant: str, arch: str, *args: str) -> pytest.RunResult:
    shutil.copy(FIXTURE, pytester.path / "defective_plugins.py")
    pytester.syspathinsert()
    return pytester.runpytest_subprocess(
        "--pyargs", "axvcpu_core.conformance", "--axvcpu-arch", arch,
        "--axvcpu-plugin", f"defective_plugins:{variant}", "-p", "no:cacheprovider", *args,
    )  # fmt: skip


def test_a_correct_plugin_passes_and_gets_a_capability_report(pytester: pytest.Pytester) -> None:
    report = pytester.path / "report.json"
    result = run_suite(pytester, "correct", "rv_correct", "--axvcpu-json", str(report))
    result.assert_outcomes(passed=35, skipped=2)
    result.stdout.fnmatch_lines(["*axvcpu conformance: rv_correct*", "hypercall * passed*", "io_read * skipped*"])
    assert '"outcome": "passed"' in report.read_text()


@pytest.mark.parametrize(
    ("variant", "arch", "selection", "defect"),
    [
        ("resume", "rv_wrong_resume_pc", "mmio_write_4", "*resume PC: the exit at 0x8000007c resumes at 0x80000084*"),
        ("width", "rv_wrong_mmio_width", "mmio_write_4", "*MMIO width: expected 4, got 8*"),
        ("sign", "rv_no_sign_extension", "mmio_read_2_sign", "*sign extension flag: expected True, got False*"),
        ("register", "rv_register_off_by_one", "gpr_round_trip", "*register index 1 (x1): wrote*read back*"),
        ("call_rule", "rv_wrong_call_rule", "native_exits and hypercall", "*hypercalls differ with native exits*"),
    ],
)
def test_each_defect_is_caught_by_name(
    pytester: pytest.Pytester, variant: str, arch: str, selection: str, defect: str
) -> None:
    result = run_suite(pytester, variant, arch, "-k", selection)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1, result.stdout.str()
    result.stdout.fnmatch_lines([defect])


def test_a_declared_known_gap_is_a_strict_xfail(pytester: pytest.Pytester) -> None:
    failing = run_suite(pytester, "known_gap", "rv_known_gap", "-k", "mmio_write_4", "-rx")
    failing.assert_outcomes(xfailed=1)
    failing.stdout.fnmatch_lines(["mmio_write_4 * xfailed*known gap: declared by the test*"])
    fixed = run_suite(pytester, "stale_gap", "rv_stale_gap", "-k", "mmio_write_4")
    fixed.assert_outcomes(failed=1)
    fixed.stdout.fnmatch_lines(["*XPASS(strict)*"])


def test_the_suite_is_inert_without_an_arch(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--pyargs", "axvcpu_core.conformance", "-p", "no:cacheprovider", "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) == 0
    assert outcomes.get("failed", 0) == 0
    result.stdout.fnmatch_lines(["*runs only with --axvcpu-arch NAME*"])


def test_an_unknown_arch_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--pyargs", "axvcpu_core.conformance", "--axvcpu-arch", "sparc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown arch 'sparc'*"])
