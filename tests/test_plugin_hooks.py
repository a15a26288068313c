"""Plugins can add device models and observe exits without any change to the core."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

from axvcpu_core import ArchRegistry, hookimpl
from axvcpu_core.descriptor import ArchDescriptor
from axvcpu_core.exits import VmExit
from axvcpu_core.registry import default_registry
from axvcpu_core.spec import VmSpec
from axvcpu_core.vmm import Console, Vm
from axvcpu_riscv_h.guests import guest_bytes


class CountingDevice:
    """Reads return how many accesses it has seen."""

    def __init__(self) -> None:
        self.accesses = 0

    def read(self, offset: int, width: int) -> int:
        self.accesses += 1
        return self.accesses

    def write(self, offset: int, width: int, value: int) -> None:
        self.accesses += 1


class ExtraPlugin:
    def __init__(self) -> None:
        self.device = CountingDevice()
        self.seen: list[tuple[int, str]] = []

    @hookimpl
    def axvcpu_arch_descriptor(self) -> ArchDescriptor:
        return replace(default_registry().resolve("riscv64").descriptor, name="rvextra", aliases=())

    @hookimpl
    def axvcpu_device_models(self) -> dict[str, Any]:
        return {"counter": lambda options, console: self.device}

    @hookimpl
    def axvcpu_exit_observed(self, vm_id: int, vcpu_id: int, pc: int, exit: VmExit) -> None:
        self.seen.append((vcpu_id, exit.kind))


def test_device_model_and_exit_observer_from_a_plugin(tmp_path: Path) -> None:
    plugin = ExtraPlugin()
    registry = ArchRegistry()
    assert registry.add_plugin(plugin, "extra", "extra-dist") is not None
    image = tmp_path / "mmio.bin"
    image.write_bytes(guest_bytes("mmio"))
    spec = VmSpec.from_data(
        {
            "arch": "rvextra",
            "memory": [{"base": 0x8000_0000, "size": "1MiB"}],
            "images": [{"file": str(image), "load_addr": 0x8000_0000}],
            "devices": [{"kind": "counter", "base": 0x1000_1000}],
        },
        registry=registry,
    )
    result = Vm(spec, Console(io.BytesIO(), echo=False), registry=registry, warn=lambda m: None).run()
    assert result.reason == "poweroff"
    mmio_exits = result.stats.exits["MmioRead"] + result.stats.exits["MmioWrite"]
    assert plugin.device.accesses == mmio_exits > 0
    assert len(plugin.seen) == result.stats.total_exits
    assert plugin.seen[-1] == (0, "SystemDown")
