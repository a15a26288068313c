"""The pytest plugin of the conformance suite (entry point `pytest11`), inert without --axvcpu-arch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..conformance_kit import SCENARIOS, KnownGap, Unsupported
from ..errors import AxError
from ..registry import LoadedArch
from .suite import Suite

SUITE_KEY = pytest.StashKey[Suite]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """--axvcpu-arch, --axvcpu-plugin, --axvcpu-json."""
    group = parser.getgroup("axvcpu", "axvcpu conformance suite")
    group.addoption("--axvcpu-arch", metavar="NAME", help="run the axvcpu conformance suite against this arch")
    group.addoption(
        "--axvcpu-plugin",
        metavar="MODULE[:ATTR]",
        action="append",
        default=[],
        help="also register this plugin object (a plugin that is not installed)",
    )
    group.addoption("--axvcpu-json", metavar="FILE", help="write the capability report as JSON")


def pytest_configure(config: pytest.Config) -> None:
    """Load the arch under test (a bad name is a usage error)."""
    name = config.getoption("axvcpu_arch", default=None)
    if not name:
        return
    try:
        suite = Suite.load(name, config.getoption("axvcpu_plugin"))
    except AxError as err:
        raise pytest.UsageError(f"axvcpu conformance: {err.message}") from None
    config.stash[SUITE_KEY] = suite
    config.pluginmanager.register(_Reporter(suite), "axvcpu-conformance-reporter")


def _suite(config: pytest.Config) -> Suite | None:
    return config.stash.get(SUITE_KEY, None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per scenario, skipped or xfailed as the plugin declares."""
    if "axvcpu_scenario" not in metafunc.fixturenames:
        return
    suite = _suite(metafunc.config)
    params = []
    for name in SCENARIOS:
        entry = suite.entry(name) if suite is not None else None
        marks: list[pytest.MarkDecorator] = []
        if isinstance(entry, Unsupported):
            marks.append(pytest.mark.skip(reason=entry.reason))
        elif isinstance(entry, KnownGap):
            marks.append(pytest.mark.xfail(strict=True, reason=f"known gap: {entry.reason}"))
        params.append(pytest.param(name, marks=marks, id=name))
    metafunc.parametrize("axvcpu_scenario", params)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tag scenario tests so the capability report can name them."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "axvcpu_scenario" in callspec.params:
            item.user_properties.append(("axvcpu_scenario", callspec.params["axvcpu_scenario"]))


@pytest.fixture(scope="session")
def axvcpu_suite(pytestconfig: pytest.Config) -> Suite:
    """The conformance run (skips everything when --axvcpu-arch is not given)."""
    suite = _suite(pytestconfig)
    if suite is None:
        pytest.skip("the axvcpu conformance suite runs only with --axvcpu-arch NAME")
    return suite


@pytest.fixture(scope="session")
def axvcpu_arch(axvcpu_suite: Suite) -> LoadedArch:
    """The arch plugin under test."""
    return axvcpu_suite.arch


class _Reporter:
    """Collects scenario outcomes and prints the capability report (one per pytest session)."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Record the outcome of every scenario."""
        scenario = dict(report.user_properties).get("axvcpu_scenario")
        if scenario is None or (report.when != "call" and not (report.skipped or report.failed)):
            return
        outcome, reason = _outcome(report)
        self.suite.outcomes[str(scenario)] = {"outcome": outcome, "reason": reason}

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        """The capability report: scenario x result, and the JSON file when asked."""
        suite = self.suite
        arch = suite.arch
        terminalreporter.section(f"axvcpu conformance: {arch.name} ({arch.distribution} {arch.version})")
        width = max(len(name) for name in SCENARIOS)
        for name in SCENARIOS:
            result = suite.outcomes.get(name, {"outcome": "not run", "reason": ""})
            reason = f"  {result['reason']}" if result["reason"] else ""
            terminalreporter.write_line(f"{name:<{width}}  {result['outcome']:<8}{reason}")
        counts: dict[str, int] = {}
        for result in suite.outcomes.values():
            counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
        terminalreporter.write_line("scenarios: " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items())))
        path = config.getoption("axvcpu_json")
        if path:
            Path(path).write_text(json.dumps(suite.report(), indent=2) + "\n")
            terminalreporter.write_line(f"capability report written to {path}")


def _outcome(report: pytest.TestReport) -> tuple[str, str]:
    if hasattr(report, "wasxfail"):
        return ("xfailed" if report.skipped else "xpassed"), str(report.wasxfail)
    if report.skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return "skipped", reason.removeprefix("Skipped: ")
    if report.failed:
        lines = report.longreprtext.strip().splitlines()
        return "failed", next((line[2:] for line in lines if line.startswith("E ")), lines[-1] if lines else "failed")
    return "passed", ""
