"""Plugin discovery: in-tree plugins, broken plugins reported by name, third-party plugins found."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from axvcpu_core import API_VERSION, ArchRegistry, AxError, AxErrorKind, hookimpl
from axvcpu_core.descriptor import ArchDescriptor
from axvcpu_core.registry import default_registry

FIXTURES = Path(__file__).parent / "fixtures"
IN_TREE = {
    "x86_64": ("axvcpu-x86-vmx", {"x86", "vmx"}),
    "aarch64": ("axvcpu-aarch64-el2", {"arm64", "el2"}),
    "riscv64": ("axvcpu-riscv-h", {"riscv", "rv64"}),
}


def riscv_descriptor() -> ArchDescriptor:
    return default_registry().resolve("riscv64").descriptor


def plugin_returning(descriptor: Any) -> object:
    class Plugin:
        @hookimpl
        def axvcpu_arch_descriptor(self) -> Any:
            return descriptor

    return Plugin()


def test_in_tree_plugins_are_discovered() -> None:
    registry = default_registry()
    assert registry.failures == []
    for name, (dist, aliases) in IN_TREE.items():
        loaded = registry.resolve(name)
        assert loaded.distribution == dist
        assert aliases <= set(loaded.descriptor.aliases)
        assert loaded.version == "0.1.0"
        assert loaded.descriptor.problems() == []


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("RISCV", "riscv64"),
        ("Rv64", "riscv64"),
        (" riscv64 ", "riscv64"),
        ("VMX", "x86_64"),
        ("x86", "x86_64"),
        ("ARM64", "aarch64"),
        ("el2", "aarch64"),
    ],
)
def test_resolve_is_case_insensitive_over_aliases(alias: str, name: str) -> None:
    assert default_registry().resolve(alias).name == name


def test_unknown_arch_lists_installed_ones() -> None:
    with pytest.raises(AxError) as info:
        default_registry().resolve("sparc64")
    assert info.value.kind is AxErrorKind.NotFound
    for name in IN_TREE:
        assert name in info.value.message


def test_valid_object_plugin_loads() -> None:
    registry = ArchRegistry()
    loaded = registry.add_plugin(plugin_returning(riscv_descriptor()), "rv", "my-dist", "1.2")
    assert loaded is not None
    assert registry.resolve("rv64") is loaded
    assert loaded.to_dict()["distribution"] == "my-dist"


class UnknownHook:
    @hookimpl
    def axvcpu_arch_descriptr(self) -> None:  # misspelt hook name
        return None


class NoHooks:
    pass


class WrongArguments:
    @hookimpl
    def axvcpu_arch_descriptor(self, vm: object) -> None:
        return None


class Raises:
    @hookimpl
    def axvcpu_arch_descriptor(self) -> None:
        raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("plugin", "needle"),
    [
        (UnknownHook(), "unknown hook"),
        (NoHooks(), "required hook(s) not implemented: axvcpu_arch_descriptor"),
        (WrongArguments(), "invalid hook implementation"),
        (Raises(), "hook axvcpu_arch_descriptor raised RuntimeError: boom"),
        (plugin_returning({"name": "dict"}), "returned dict, not an ArchDescriptor"),
        (plugin_returning(None), "returned NoneType"),
    ],
    ids=["unknown-hook", "no-hook", "bad-signature", "raises", "wrong-type", "none"],
)
def test_broken_plugins_are_reported_and_others_still_load(plugin: object, needle: str) -> None:
    registry = ArchRegistry()
    assert registry.add_plugin(plugin, "bad", "axvcpu-bad-dist") is None
    assert registry.add_plugin(plugin_returning(riscv_descriptor()), "good", "good-dist") is not None
    assert [f.distribution for f in registry.failures] == ["axvcpu-bad-dist"]
    assert needle in registry.failures[0].reason
    assert registry.resolve("riscv64").distribution == "good-dist"
    assert "failed to load: axvcpu-bad-dist" in registry.installed_summary()


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"name": "Bad Name"}, "name 'Bad Name' is not a lowercase identifier"),
        ({"aliases": ("ok", "NO")}, "alias 'NO' is not a lowercase identifier"),
        ({"description": " "}, "description is empty"),
        ({"percpu_class": object}, "percpu_class must be a subclass of ArchPerCpu"),
        ({"vm_config": dict}, "vm_config must be a subclass of BaseModel"),
        ({"vcpu_class": int}, "vcpu_class must be a subclass of ArchVCpu"),
    ],
)
def test_invalid_descriptors_are_refused(changes: dict[str, Any], needle: str) -> None:
    registry = ArchRegistry()
    registry.add_plugin(plugin_returning(replace(riscv_descriptor(), **changes)), "bad", "bad-dist")
    assert len(registry.failures) == 1
    assert "invalid descriptor" in registry.failures[0].reason
    assert needle in registry.failures[0].reason


def test_register_model_and_capability_problems() -> None:
    base = riscv_descriptor()
    registers = replace(base.registers, return_value_index=40, zero_indices=frozenset({99}))
    caps = replace(base.capabilities, exits=frozenset({"Teleport", "Halt"}))
    problems = replace(base, registers=registers, capabilities=caps, decoder=None, vcpu_configs=None).problems()
    assert "return_value_index 40 is outside 0..31" in problems
    assert "zero index 99 is outside 0..31" in problems
    assert "capabilities name unknown exit kinds: Teleport" in problems
    assert "capabilities list exits but the descriptor has no decoder" in problems
    assert "a descriptor with a vcpu_class needs vcpu_configs" in problems


def test_api_version_outside_the_plugin_range_is_refused_naming_both() -> None:
    registry = ArchRegistry()
    registry.add_plugin(plugin_returning(replace(riscv_descriptor(), api_versions=">=2.0,<3")), "future", "future-dist")
    reason = registry.failures[0].reason
    assert ">=2.0,<3" in reason
    assert f"this core provides API {API_VERSION}" in reason
    registry.add_plugin(plugin_returning(replace(riscv_descriptor(), api_versions="~1")), "odd", "odd-dist")
    assert "bad api_versions '~1'" in registry.failures[1].reason


def test_name_clash_is_refused() -> None:
    registry = ArchRegistry()
    registry.add_plugin(plugin_returning(riscv_descriptor()), "first", "first-dist")
    clash = replace(riscv_descriptor(), name="other", aliases=("rv64",))
    assert registry.add_plugin(plugin_returning(clash), "second", "second-dist") is None
    assert "name 'rv64' is already taken by arch 'riscv64'" in registry.failures[0].reason
    assert registry.add_plugin(plugin_returning(replace(clash, aliases=())), "third", "third-dist") is not None


def test_entry_point_import_failure_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def load() -> object:
        raise ImportError("no module named axvcpu_gone")

    ep = SimpleNamespace(
        name="gone",
        value="axvcpu_gone:plugin",
        dist=SimpleNamespace(name="axvcpu-gone", version="9"),
        load=load,
    )
    monkeypatch.setattr("axvcpu_core.registry.metadata.entry_points", lambda group: [ep])
    registry = ArchRegistry()
    registry.load_entry_points()
    assert registry.arches == ()
    failure = registry.failures[0]
    assert (failure.plugin_name, failure.distribution) == ("gone", "axvcpu-gone")
    assert "import of 'axvcpu_gone:plugin' failed: ImportError: no module named axvcpu_gone" in failure.reason


def test_third_party_plugin_installed_into_a_temporary_environment(tmp_path: Path) -> None:
    """A real pip install of two outside distributions, then the unchanged CLI finds them."""
    target = tmp_path / "site"
    sources = []
    for name in ("toy_plugin", "broken_plugin"):
        shutil.copytree(FIXTURES / name, tmp_path / name)
        sources.append(str(tmp_path / name))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(target),
            *sources,
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-m", "axvcpu_core", "arches", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    listing = json.loads(result.stdout)
    by_name = {a["name"]: a for a in listing["arches"]}
    assert by_name["toy64"]["distribution"] == "axvcpu-toy-arch"
    assert by_name["toy64"]["version"] == "2.3.4"
    assert by_name["toy64"]["aliases"] == ["toy"]
    assert set(IN_TREE) <= set(by_name)
    [failure] = listing["failures"]
    assert failure["distribution"] == "axvcpu-broken-arch"
    assert "ModuleNotFoundError" in failure["reason"]
    assert "warning: plugin axvcpu-broken-arch (broken) not loaded" in result.stderr
    schema = subprocess.run(
        [sys.executable, "-m", "axvcpu_core", "schema", "--arch", "TOY"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(schema.stdout)["properties"]["arch"]["enum"] == ["toy64", "toy"]
