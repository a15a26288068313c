"""The x86_64 descriptor: validity, capabilities, platform defaults, loading through the registry."""

from __future__ import annotations

import importlib.metadata as metadata

import pytest

import axvcpu_x86_vmx
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import EXIT_KINDS
from axvcpu_core.registry import ArchRegistry
from axvcpu_x86_vmx import X86CreateConfig, X86PerCpu, X86SetupConfig, X86VmConfig, plugin
from axvcpu_x86_vmx.registers import REGISTER_MODEL


def test_descriptor_is_valid() -> None:
    descriptor = plugin.axvcpu_arch_descriptor()
    assert descriptor.problems() == []
    assert descriptor.name == "x86_64"
    assert {"x86", "vmx"} <= set(descriptor.aliases)
    assert descriptor.percpu_class is X86PerCpu
    assert descriptor.registers is REGISTER_MODEL
    assert (descriptor.create_config, descriptor.setup_config, descriptor.vm_config) == (
        X86CreateConfig,
        X86SetupConfig,
        X86VmConfig,
    )
    assert descriptor.vcpu_class is None
    assert descriptor.decoder is None


def test_capabilities_say_only_percpu_is_implemented() -> None:
    capabilities = plugin.axvcpu_arch_descriptor().capabilities
    assert capabilities.exits == frozenset()
    assert capabilities.features == frozenset({"percpu"})
    assert set(capabilities.not_applicable) <= set(EXIT_KINDS)
    assert all(reason.strip() for reason in capabilities.not_applicable.values())
    # VMX has port I/O, VM-entry failures, MSR and EPT exits: none of them may be declared impossible.
    for kind in ("IoRead", "IoWrite", "FailEntry", "SysRegRead", "MmioRead", "NestedPageFault", "CpuUp"):
        assert kind not in capabilities.not_applicable


def test_platform_defaults() -> None:
    platform = plugin.axvcpu_arch_descriptor().platform
    assert (platform.ram_base, platform.ram_size) == (0x0, 128 << 20)
    assert (platform.console.kind, platform.console.bus, platform.console.base) == ("ns16550a", "port", 0x3F8)


def test_loads_through_the_registry_by_name_and_alias() -> None:
    registry = ArchRegistry()
    loaded = registry.add_plugin(plugin, "x86_64", "axvcpu-x86-vmx")
    assert loaded is not None, registry.failures
    assert registry.failures == []
    for name in ("x86_64", "X86", "vmx", "amd64", " x64 "):
        assert registry.resolve(name) is loaded


def test_registry_refuses_a_second_copy() -> None:
    registry = ArchRegistry()
    registry.add_plugin(plugin, "x86_64", "axvcpu-x86-vmx")
    assert registry.add_plugin(plugin, "again", "copy") is None
    with pytest.raises(AxError) as info:
        registry.resolve("arm64")
    assert info.value.kind is AxErrorKind.NotFound


def test_installed_entry_point_loads() -> None:
    points = [ep for ep in metadata.entry_points(group="axvcpu.arch") if ep.name == "x86_64"]
    assert [ep.value for ep in points] == ["axvcpu_x86_vmx.plugin"]
    registry = ArchRegistry()
    registry.load_entry_points()
    loaded = registry.resolve("vmx")
    assert loaded.distribution == "axvcpu-x86-vmx"
    assert loaded.version == axvcpu_x86_vmx.__version__


def test_distribution_dependencies() -> None:
    requires = metadata.requires("axvcpu-x86-vmx") or []
    assert "axvcpu==0.1.0" in requires
    assert any(r.replace(" ", "") == "iced-x86~=1.21" for r in requires)
