"""Scenario tests: real guest code for each named scenario, its exits checked against the suite's table."""

from __future__ import annotations

from pathlib import Path

from .checks import CHECKS
from .harness import run_scenario
from .suite import Suite

WAKE_AT_NS = 1_000_000


def test_scenario(axvcpu_suite: Suite, axvcpu_scenario: str, tmp_path: Path) -> None:
    """Run the plugin's guest for the scenario and check its exits, resume PCs and completion."""
    guest = axvcpu_suite.guest(axvcpu_scenario)
    interrupts: tuple[tuple[int, int, int, bool], ...] = ()
    if axvcpu_scenario in ("halt_wake", "external_interrupt"):
        interrupts = ((0, guest.details.get("vector", 0), WAKE_AT_NS, axvcpu_scenario == "external_interrupt"),)
    run = run_scenario(axvcpu_suite.registry, axvcpu_suite.arch, guest, tmp_path, interrupts)
    CHECKS[axvcpu_scenario](run, guest)
