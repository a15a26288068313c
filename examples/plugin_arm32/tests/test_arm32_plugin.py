"""The plugin as the core sees it: registration, descriptor, capabilities, conformance answers, packaging."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError
from support import registry

import axvcpu_example_arm32
from axvcpu_core.conformance_kit import SCENARIOS, ScenarioGuest, Unsupported
from axvcpu_core.exits import EXIT_KINDS
from axvcpu_core.hookspecs import ENTRY_POINT_GROUP
from axvcpu_example_arm32.config import Arm32CreateConfig, Arm32SetupConfig, Arm32VmConfig, vcpu_configs

ROOT = Path(__file__).resolve().parents[1]
ARCH = registry().resolve("arm32")


def test_the_plugin_registers_cleanly_under_its_name_and_alias() -> None:
    reg = registry()
    assert reg.failures == []
    assert reg.resolve("TOYARM") is reg.resolve("arm32")
    assert ARCH.descriptor.problems() == []


def test_description_says_it_is_an_example() -> None:
    assert "EXAMPLE" in ARCH.descriptor.description
    assert "Not a model of the Arm virtualization extensions" in ARCH.descriptor.description


def test_every_exit_kind_is_either_produced_or_explained() -> None:
    caps = ARCH.descriptor.capabilities
    assert caps.exits | set(caps.not_applicable) == set(EXIT_KINDS)
    assert caps.exits == {"Hypercall", "MmioRead", "MmioWrite", "NestedPageFault", "SystemDown", "Nothing"}
    assert all(reason.strip() for reason in caps.not_applicable.values())


def test_register_model() -> None:
    model = ARCH.descriptor.registers
    assert model.gpr_names == tuple(f"r{i}" for i in range(16))
    assert model.return_value_index == 0
    assert (model.index_of("sp"), model.index_of("LR"), model.index_of("pc")) == (13, 14, 15)
    assert dict(model.cpu_up) == {}


def test_platform_defaults() -> None:
    platform = ARCH.descriptor.platform
    assert (platform.ram_base, platform.ram_size) == (0x4000_0000, 16 << 20)
    assert (platform.console.kind, platform.console.bus, platform.console.base) == ("ns16550a", "mmio", 0x0900_0000)


def test_configs_forbid_unknown_keys() -> None:
    assert vcpu_configs(Arm32VmConfig(dtb_addr=0x4800_0000), 0) == (
        Arm32CreateConfig(dtb_addr=0x4800_0000),
        Arm32SetupConfig(),
    )
    for model in (Arm32CreateConfig, Arm32SetupConfig, Arm32VmConfig):
        with pytest.raises(ValidationError):
            model.model_validate({"dtb": 0})


def test_conformance_answers_cover_every_scenario() -> None:
    entries = registry().conformance_guests(ARCH)
    assert set(entries) == set(SCENARIOS)
    supported = {name for name, entry in entries.items() if isinstance(entry, ScenarioGuest)}
    assert supported == {
        "hypercall", "mmio_write_1", "mmio_write_2", "mmio_write_4", "mmio_read_1_zero", "mmio_read_1_sign",
        "mmio_read_2_zero", "mmio_read_2_sign", "mmio_read_4_zero", "stage2_rule", "fetch_fault", "poweroff", "reset",
    }  # fmt: skip
    for name, entry in entries.items():
        if isinstance(entry, Unsupported):
            assert entry.reason.strip(), name


def test_guest_offsets_lie_inside_their_images() -> None:
    for name, entry in registry().conformance_guests(ARCH).items():
        if not isinstance(entry, ScenarioGuest) or name == "fetch_fault":
            continue
        for trap, resume in entry.exits:
            assert 0 <= trap < len(entry.image), name
            assert 0 <= resume < len(entry.image), name
        for slot in entry.slots.values():
            assert slot % 8 == 0, name
            assert slot + 8 <= len(entry.image), name


def test_pyproject_declares_the_distribution_entry_point_and_a_core_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "axvcpu-example-arm32"
    assert project["version"] == axvcpu_example_arm32.__version__
    assert project["entry-points"][ENTRY_POINT_GROUP] == {"arm32": "axvcpu_example_arm32.plugin"}
    assert project["dependencies"] == ["axvcpu>=0.1,<0.2"]


def test_package_data_ships_the_guests_and_py_typed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]["axvcpu_example_arm32"]
    package = ROOT / "axvcpu_example_arm32"
    shipped = {p.relative_to(package).as_posix() for pattern in patterns for p in package.glob(pattern)}
    assert "py.typed" in shipped
    assert {"guests/demo.bin", "guests/demo.json", "guests/demo.S"} <= shipped
