"""The aarch64 descriptor: validity, capabilities, platform defaults, loading through the registry."""

from __future__ import annotations

import importlib.metadata as metadata

import axvcpu_aarch64_el2
from axvcpu_aarch64_el2 import Aarch64CreateConfig, Aarch64PerCpu, Aarch64SetupConfig, Aarch64VmConfig, plugin
from axvcpu_aarch64_el2.registers import REGISTER_MODEL
from axvcpu_core.exits import EXIT_KINDS
from axvcpu_core.registry import ArchRegistry


def test_descriptor_is_valid() -> None:
    descriptor = plugin.axvcpu_arch_descriptor()
    assert descriptor.problems() == []
    assert descriptor.name == "aarch64"
    assert {"arm64", "el2"} <= set(descriptor.aliases)
    assert descriptor.percpu_class is Aarch64PerCpu
    assert descriptor.registers is REGISTER_MODEL
    assert (descriptor.create_config, descriptor.setup_config, descriptor.vm_config) == (
        Aarch64CreateConfig,
        Aarch64SetupConfig,
        Aarch64VmConfig,
    )
    assert descriptor.vcpu_class is None
    assert descriptor.decoder is None


def test_capabilities() -> None:
    capabilities = plugin.axvcpu_arch_descriptor().capabilities
    assert capabilities.exits == frozenset()
    assert capabilities.features == frozenset({"percpu"})
    assert set(capabilities.not_applicable) == {"IoRead", "IoWrite", "FailEntry"}
    assert set(capabilities.not_applicable) <= set(EXIT_KINDS)
    assert "port I/O" in capabilities.not_applicable["IoRead"]
    assert "ERET" in capabilities.not_applicable["FailEntry"]


def test_platform_defaults() -> None:
    platform = plugin.axvcpu_arch_descriptor().platform
    assert (platform.ram_base, platform.ram_size) == (0x4000_0000, 128 << 20)
    assert (platform.console.kind, platform.console.bus, platform.console.base) == ("pl011", "mmio", 0x0900_0000)


def test_loads_through_the_registry_by_name_and_alias() -> None:
    registry = ArchRegistry()
    loaded = registry.add_plugin(plugin, "aarch64", "axvcpu-aarch64-el2")
    assert loaded is not None, registry.failures
    assert registry.failures == []
    for name in ("aarch64", "ARM64", "el2", "armv8"):
        assert registry.resolve(name) is loaded


def test_installed_entry_point_loads() -> None:
    points = [ep for ep in metadata.entry_points(group="axvcpu.arch") if ep.name == "aarch64"]
    assert [ep.value for ep in points] == ["axvcpu_aarch64_el2.plugin"]
    registry = ArchRegistry()
    registry.load_entry_points()
    loaded = registry.resolve("arm64")
    assert loaded.distribution == "axvcpu-aarch64-el2"
    assert loaded.version == axvcpu_aarch64_el2.__version__
    assert metadata.requires("axvcpu-aarch64-el2") == ["axvcpu==0.1.0"]
