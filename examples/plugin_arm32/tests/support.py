"""Shared by the tests: a registry holding the plugin (no install needed) and a guest-run helper."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import axvcpu_example_arm32.plugin
from axvcpu_core.addrspace import GuestAddressSpace
from axvcpu_core.conformance.harness import LoneServices
from axvcpu_core.conformance_kit import DEVICE_BASE, DEVICE_FILL
from axvcpu_core.descriptor import Decoded
from axvcpu_core.registry import ArchRegistry, LoadedArch
from axvcpu_core.spec import VmSpec
from axvcpu_core.vmm import Console, RunResult, Vm
from axvcpu_example_arm32.guests import guest_bytes, guest_symbols
from axvcpu_example_arm32.record import Arm32Trap

RAM = 0x4000_0000
UART = 0x0900_0000


def registry() -> ArchRegistry:
    """A registry with only the example plugin, added the way an installed entry point would be."""
    reg = ArchRegistry()
    reg.add_plugin(axvcpu_example_arm32.plugin, "arm32", "axvcpu-example-arm32")
    assert not reg.failures, reg.failures
    return reg


def loaded() -> LoadedArch:
    """The example arch as the core sees it."""
    return registry().resolve("arm32")


@dataclass
class GuestRun:
    """One finished run: the VM (its RAM stays readable), the result, the trace and the console."""

    vm: Vm
    result: RunResult
    trace: list[dict[str, Any]]

    @property
    def output(self) -> str:
        return bytes(self.vm.console.output).decode()

    def slot(self, name: str, label: str = "value") -> int:
        """The 8-byte result slot at `label` of guest `name`."""
        return int.from_bytes(self.vm.memory.read(RAM + guest_symbols(name)[label], 8), "little")

    def kinds(self) -> list[str]:
        return [line["exit"]["kind"] for line in self.trace]


def run_guest(
    tmp_path: Path,
    name: str,
    access: str = "trap",
    limits: dict[str, Any] | None = None,
    code: bytes | None = None,
    **spec: Any,
) -> GuestRun:
    """Run guest `name` (or raw `code`) with the UART and a scratch device at DEVICE_BASE, tracing every exit."""
    image = tmp_path / f"{name}.bin"
    image.write_bytes(guest_bytes(name) if code is None else code)
    reg = registry()
    data = {
        "arch": "arm32",
        "memory": [{"base": RAM, "size": "16MiB"}],
        "images": [{"file": str(image), "load_addr": RAM}],
        "devices": [
            {"kind": "ns16550a", "base": UART, "size": 0x100, "access": access},
            {"kind": "scratch", "base": DEVICE_BASE, "size": 0x1000, "access": access,
             "options": {"fill": DEVICE_FILL}},
        ],
        "limits": limits or {"max_exits": 1000, "timeout": 10},
        **spec,
    }  # fmt: skip
    trace = io.StringIO()
    vm = Vm(
        VmSpec.from_data(data, registry=reg),
        Console(io.BytesIO(), echo=False),
        trace=trace,
        warn=lambda message: None,
        registry=reg,
    )
    result = vm.run()
    return GuestRun(vm, result, [json.loads(line) for line in trace.getvalue().splitlines()])


class FakeServices(LoneServices):
    """VmmServices for one vCPU outside any VM: RAM holding an image, every exit recorded.

    `on_exit` keeps the guest running for the exit kinds in `keep_running` (as the VMM does when it
    completes an exit at once); every other exit comes back from `run()`.
    """

    def __init__(
        self,
        memory: GuestAddressSpace,
        keep_running: frozenset[str] = frozenset(),
        slice: int = 0,
        timeout_ns: int | None = 100_000_000,
    ) -> None:
        super().__init__(memory)
        self.keep_running = keep_running
        self.slice = slice
        self.timeout_ns = timeout_ns
        self.exits: list[tuple[int, Arm32Trap, Decoded]] = []
        self.retired = 0

    def slice_instructions(self) -> int:
        return self.slice

    def run_timeout_ns(self) -> int | None:
        return self.timeout_ns

    def retired_instructions(self, vcpu_id: int, count: int) -> None:
        self.retired += count

    def on_exit(self, vcpu_id: int, pc: int, trap: object, decoded: Decoded) -> bool:
        assert isinstance(trap, Arm32Trap)
        self.exits.append((pc, trap, decoded))
        self.reported.append(decoded)
        return decoded.exit.kind in self.keep_running


def services_with(image: bytes, **options: Any) -> FakeServices:
    """FakeServices whose 16 MiB of RAM at RAM start with `image`."""
    memory = GuestAddressSpace()
    memory.add_region(RAM, 16 << 20)
    memory.write(RAM, image)
    return FakeServices(memory, **options)
