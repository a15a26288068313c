"""The state of one conformance run: the registry, the arch under test and its scenario answers."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from ..conformance_kit import KnownGap, ScenarioEntry, ScenarioGuest, Unsupported
from ..errors import AxError, AxErrorKind
from ..registry import ArchRegistry, LoadedArch

SCENARIO_EXIT: dict[str, str] = {
    "hypercall": "Hypercall",
    "stage2_rule": "NestedPageFault",
    "sysreg_read": "SysRegRead",
    "sysreg_write": "SysRegWrite",
    "io_read": "IoRead",
    "io_write": "IoWrite",
    "halt_wake": "Halt",
    "external_interrupt": "ExternalInterrupt",
    "fetch_fault": "NestedPageFault",
    "cpu_up": "CpuUp",
    "cpu_down": "CpuDown",
    "send_ipi": "SendIPI",
    "send_ipi_broadcast": "SendIPI",
    "poweroff": "SystemDown",
    "reset": "SystemDown",
}
"""The exit kind each scenario is about (MMIO scenarios: MmioRead / MmioWrite)."""


def scenario_exit(name: str) -> str:
    """The exit kind a scenario exercises."""
    if name.startswith("mmio_read"):
        return "MmioRead"
    if name.startswith("mmio_write"):
        return "MmioWrite"
    return SCENARIO_EXIT[name]


@dataclass
class Suite:
    """The arch under test, its registry and its answers to `axvcpu_conformance_guests`."""

    registry: ArchRegistry
    arch: LoadedArch
    entries: dict[str, ScenarioEntry]
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, arch_name: str, extra_plugins: list[str]) -> Suite:
        """Load installed plugins plus `MODULE[:ATTR]` extras and resolve the arch under test."""
        registry = ArchRegistry()
        registry.load_entry_points()
        for spec in extra_plugins:
            _add_extra(registry, spec)
        arch = registry.resolve(arch_name)
        return cls(registry, arch, registry.conformance_guests(arch))

    def entry(self, scenario: str) -> ScenarioEntry | None:
        """The plugin's answer for a scenario; None when it gave none (and none is implied)."""
        entry = self.entries.get(scenario)
        if entry is not None:
            return entry
        reason = self.arch.descriptor.capabilities.not_applicable.get(scenario_exit(scenario))
        return Unsupported(f"{self.arch.name} has no {scenario_exit(scenario)} exits: {reason}") if reason else None

    def guest(self, scenario: str) -> ScenarioGuest:
        """The guest to run for a scenario (a KnownGap still runs)."""
        entry = self.entry(scenario)
        if isinstance(entry, KnownGap):
            return entry.guest
        if isinstance(entry, ScenarioGuest):
            return entry
        raise AssertionError(
            f"{self.arch.name} supplies no guest for scenario {scenario!r}: its axvcpu_conformance_guests hook must "
            "give a ScenarioGuest, or declare it Unsupported or KnownGap"
        )

    def any_guest(self, *preferred: str) -> ScenarioGuest | None:
        """The first supported guest among `preferred` scenarios."""
        for name in preferred:
            entry = self.entry(name)
            if isinstance(entry, ScenarioGuest):
                return entry
        return None

    def report(self) -> dict[str, Any]:
        """The capability report as JSON-ready data."""
        return {"arch": self.arch.name, "distribution": self.arch.distribution, "version": self.arch.version,
                "results": self.outcomes}  # fmt: skip


def _add_extra(registry: ArchRegistry, spec: str) -> None:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        plugin = getattr(module, attr) if attr else module
    except (ImportError, AttributeError) as err:
        raise AxError(AxErrorKind.NotFound, f"--axvcpu-plugin {spec}: {err}") from err
    if registry.add_plugin(plugin, spec, f"<{spec}>") is None:
        raise AxError(AxErrorKind.InvalidInput, f"--axvcpu-plugin {spec}: {registry.failures[-1].reason}")
