"""VmSpec: good specs in YAML/TOML/JSON, images, defaults, and a corpus of bad specs."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from axvcpu_core import AxError, AxErrorKind, VmSpec
from axvcpu_core.spec import SpecError

RAM = [{"base": "0x8000_0000", "size": "128MiB"}]


def base_spec(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"arch": "riscv64", "memory": [dict(r) for r in RAM]}
    spec.update(changes)
    return spec


def make_elf(path: Path, entry: int, segments: list[tuple[int, bytes]]) -> Path:
    """A minimal little-endian ELF64 with one PT_LOAD per segment."""
    header_size, ph_size = 64, 56
    data_offset = header_size + ph_size * len(segments)
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", 2, 0xF3, 1, entry, header_size, 0, 0, 64, ph_size, len(segments), 64, 0, 0)
    phdrs, blobs = b"", b""
    for addr, blob in segments:
        phdrs += struct.pack("<IIQQQQQQ", 1, 5, data_offset + len(blobs), addr, addr, len(blob), len(blob), 0x1000)
        blobs += blob
    path.write_bytes(header + phdrs + blobs)
    return path


def test_minimal_spec_and_defaults() -> None:
    spec = VmSpec.from_data(base_spec(arch="RV64"))
    assert spec.arch == "riscv64"
    assert spec.vcpus == 1
    assert spec.memory[0].base == 0x8000_0000
    assert spec.memory[0].size == 128 << 20
    assert spec.entry is None
    assert spec.loaded_arch.distribution == "axvcpu-riscv-h"
    assert spec.arch_settings.model_dump() == {"dtb_addr": 0, "htinst": "transformed"}


def test_same_spec_in_yaml_toml_and_json(tmp_path: Path) -> None:
    (tmp_path / "guest.bin").write_bytes(b"\x13\x00\x00\x00" * 4)
    yaml_text = """
name: demo
arch: riscv
vcpus: 2
memory:
  - {base: 0x80000000, size: 64MiB, flags: rwx}
images:
  - {file: guest.bin, load_addr: 0x80200000}
devices:
  - {kind: ns16550a, base: 0x10000000, size: 0x100, irq: 10}
arch_config: {dtb_addr: 0x82200000}
limits: {max_exits: 1000, timeout: 2.5}
"""
    toml_text = """
name = "demo"
arch = "riscv"
vcpus = 2
arch_config = { dtb_addr = 0x82200000 }
limits = { max_exits = 1000, timeout = 2.5 }
[[memory]]
base = 0x80000000
size = "64MiB"
flags = "rwx"
[[images]]
file = "guest.bin"
load_addr = 0x80200000
[[devices]]
kind = "ns16550a"
base = 0x10000000
size = 0x100
irq = 10
"""
    (tmp_path / "vm.yaml").write_text(yaml_text)
    (tmp_path / "vm.toml").write_text(toml_text)
    from_yaml = VmSpec.load(tmp_path / "vm.yaml")
    (tmp_path / "vm.json").write_text(json.dumps(from_yaml.model_dump(mode="json")))
    from_toml = VmSpec.load(tmp_path / "vm.toml")
    from_json = VmSpec.load(tmp_path / "vm.json")
    assert from_yaml == from_toml == from_json
    assert from_yaml.entry == 0x8020_0000
    assert from_yaml.loaded_images[0].segments[0].data == b"\x13\x00\x00\x00" * 4
    assert from_yaml.limits.max_exits == 1000


def test_elf_image_gives_the_entry(tmp_path: Path) -> None:
    elf = make_elf(tmp_path / "guest.elf", 0x8000_0010, [(0x8000_0000, b"\x00" * 32), (0x8010_0000, b"\x01" * 8)])
    spec = VmSpec.from_data(base_spec(images=[{"file": str(elf)}]))
    assert spec.entry == 0x8000_0010
    image = spec.loaded_images[0]
    assert image.format == "elf"
    assert (image.start, image.end) == (0x8000_0000, 0x8010_0008)


def test_relative_image_paths_follow_the_spec_file(tmp_path: Path) -> None:
    sub = tmp_path / "vms"
    sub.mkdir()
    (sub / "g.bin").write_bytes(b"\x00" * 8)
    (sub / "vm.json").write_text(json.dumps(base_spec(images=[{"file": "g.bin", "load_addr": "0x80000000"}])))
    assert VmSpec.load(sub / "vm.json").entry == 0x8000_0000


def _bad(tmp_path: Path) -> list[tuple[str, dict[str, Any], str]]:
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00" * 0x2000)
    not_elf = tmp_path / "fake.elf"
    not_elf.write_bytes(b"\x7fELF\x01\x01" + bytes(70))
    return [
        ("zero vcpus", base_spec(vcpus=0), "vcpus: Input should be greater than or equal to 1 (got 0)"),
        ("too many vcpus", base_spec(vcpus=100000), "vcpus: Input should be less than or equal to 256"),
        ("vcpus not a number", base_spec(vcpus="two"), "vcpus: Input should be a valid integer"),
        ("unknown arch", base_spec(arch="sparc"), "arch: unknown arch 'sparc'; installed arches:"),
        ("missing arch", {"memory": RAM}, "arch: field required"),
        ("missing memory", {"arch": "riscv64"}, "memory: field required"),
        ("empty memory", base_spec(memory=[]), "memory: List should have at least 1 item"),
        (
            "bad size unit",
            base_spec(memory=[{"base": 0, "size": "12MB"}]),
            "memory[0].size: unknown size unit 'MB'",
        ),
        ("negative size", base_spec(memory=[{"base": 0, "size": -4096}]), "memory[0].size: -4096 is outside"),
        (
            "zero size",
            base_spec(memory=[{"base": 0, "size": 0}]),
            "memory[0].size: a memory region cannot be empty",
        ),
        (
            "unaligned base",
            base_spec(memory=[{"base": "0x1001", "size": "4KiB"}]),
            "memory[0].base: 0x1001 is not a multiple of the 4 KiB page size",
        ),
        (
            "bad address",
            base_spec(memory=[{"base": "eighty", "size": "4KiB"}]),
            "memory[0].base: 'eighty' is not an address",
        ),
        (
            "bad flags",
            base_spec(memory=[{"base": 0, "size": "4KiB", "flags": "rwq"}]),
            "memory[0].flags: unknown mapping flag 'rwq'",
        ),
        (
            "overlap",
            base_spec(memory=[{"base": "0x80000000", "size": "2MiB"}, {"base": "0x80100000", "size": "1MiB"}]),
            "memory[1] [0x80100000, 0x80200000) overlaps memory[0]",
        ),
        ("unknown top-level field", base_spec(ram="128MiB"), "ram: Extra inputs are not permitted"),
        (
            "unknown memory field",
            base_spec(memory=[{"base": 0, "size": "4KiB", "cache": 1}]),
            "memory[0].cache: Extra inputs are not permitted",
        ),
        (
            "image missing",
            base_spec(images=[{"file": str(tmp_path / "nope.bin"), "load_addr": "0x80000000"}]),
            "images[0].file: cannot read image",
        ),
        ("raw image without address", base_spec(images=[{"file": str(blob)}]), "needs a load address"),
        (
            "image outside RAM",
            base_spec(images=[{"file": str(blob), "load_addr": "0x7FFFF000"}]),
            "images[0]: "
            + str(blob)
            + " needs [0x7ffff000, 0x80001000) (8192 bytes), which is not inside one RAM region",
        ),
        (
            "image larger than RAM",
            base_spec(
                memory=[{"base": "0x80000000", "size": "4KiB"}],
                images=[{"file": str(blob), "load_addr": "0x80000000"}],
            ),
            "which is not inside one RAM region",
        ),
        (
            "bad image format",
            base_spec(images=[{"file": str(blob), "format": "coff"}]),
            "images[0].format: Input should be 'auto', 'raw' or 'elf' (got 'coff')",
        ),
        ("broken ELF", base_spec(images=[{"file": str(not_elf)}]), "only little-endian ELF64"),
        (
            "entry outside image",
            base_spec(images=[{"file": str(blob), "load_addr": "0x80000000"}], entry="0x80400000"),
            "entry 0x80400000 is outside every image",
        ),
        ("entry outside RAM", base_spec(entry="0x1000"), "entry 0x1000 is outside RAM"),
        (
            "device over RAM",
            base_spec(devices=[{"kind": "ns16550a", "base": "0x80001000"}]),
            "devices[0] (ns16550a) at 0x80001000 overlaps memory[0]",
        ),
        (
            "devices overlap",
            base_spec(devices=[{"kind": "ns16550a", "base": "0x10000000"}, {"kind": "pl011", "base": "0x10000800"}]),
            "devices[1] (pl011) overlaps devices[0] (ns16550a)",
        ),
        (
            "bad device kind",
            base_spec(devices=[{"kind": "Bad Name", "base": 0}]),
            "devices[0].kind: String should match pattern",
        ),
        (
            "port window past 0xffff",
            base_spec(devices=[{"kind": "uart", "bus": "port", "base": "0xfff8", "size": 16}]),
            "port window 0xfff8+0x10 goes past port 0xffff",
        ),
        (
            "bad bus",
            base_spec(devices=[{"kind": "uart", "bus": "pci", "base": 0}]),
            "devices[0].bus: Input should be 'mmio' or 'port' (got 'pci')",
        ),
        (
            "bad irq",
            base_spec(devices=[{"kind": "uart", "base": 0, "irq": 5000}]),
            "devices[0].irq: Input should be less",
        ),
        (
            "arch_config unknown key",
            base_spec(arch_config={"hgatp": 1}),
            "arch_config for riscv64: hgatp: Extra inputs are not permitted (got 1)",
        ),
        (
            "arch_config bad value",
            base_spec(arch_config={"htinst": "maybe"}),
            "arch_config for riscv64: htinst: Input should be 'transformed' or 'zero' (got 'maybe')",
        ),
        (
            "negative limit",
            base_spec(limits={"max_exits": 0}),
            "limits.max_exits: Input should be greater than 0 (got 0)",
        ),
        (
            "bad timeout",
            base_spec(limits={"timeout": -1}),
            "limits.timeout: Input should be greater than 0 (got -1)",
        ),
        ("empty name", base_spec(name=""), "name: String should have at least 1 character"),
    ]


def test_bad_spec_corpus_names_field_and_value(tmp_path: Path) -> None:
    corpus = _bad(tmp_path)
    assert len(corpus) >= 20
    for label, data, needle in corpus:
        with pytest.raises(SpecError) as info:
            VmSpec.from_data(data, source=label)
        err = info.value
        assert err.kind is AxErrorKind.InvalidInput, label
        assert needle in err.message, f"{label}: {needle!r} not in {err.message!r}"
        assert f"invalid VM spec {label}" in err.message


def test_all_problems_are_listed_at_once() -> None:
    with pytest.raises(SpecError) as info:
        VmSpec.from_data({"arch": "nope", "vcpus": 0, "memory": []})
    assert len(info.value.problems) == 3


@pytest.mark.parametrize(
    ("name", "content", "kind", "needle"),
    [
        ("vm.yaml", "arch: [unclosed", AxErrorKind.InvalidData, "is not valid yaml"),
        ("vm.toml", "arch = ", AxErrorKind.InvalidData, "is not valid toml"),
        ("vm.json", "{", AxErrorKind.InvalidData, "is not valid json"),
        ("vm.ini", "[vm]", AxErrorKind.InvalidInput, "use a .yaml, .yml, .toml or .json file"),
        (
            "vm.yaml",
            "- just\n- a list\n",
            AxErrorKind.InvalidInput,
            "spec: Input should be a valid dictionary",
        ),
    ],
)
def test_unreadable_spec_files(tmp_path: Path, name: str, content: str, kind: AxErrorKind, needle: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(AxError) as info:
        VmSpec.load(path)
    assert info.value.kind is kind
    assert needle in info.value.message


def test_missing_spec_file(tmp_path: Path) -> None:
    with pytest.raises(AxError) as info:
        VmSpec.load(tmp_path / "absent.yaml")
    assert info.value.kind is AxErrorKind.NotFound
    assert "absent.yaml" in info.value.message
