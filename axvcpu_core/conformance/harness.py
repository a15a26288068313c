"""Running conformance guests: a scenario VM with a trace, and minimal services for a lone vCPU."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..addrspace import GuestAddressSpace
from ..conformance_kit import DEVICE_BASE, DEVICE_FILL, ScenarioGuest
from ..descriptor import Decoded
from ..registry import ArchRegistry, LoadedArch
from ..services import OfflineServices
from ..spec import VmSpec
from ..vmm import Console, RunResult, Vm

RAM_SIZE = 16 << 20
CONSOLE_SIZE = {"mmio": 0x100, "port": 8}


@dataclass
class ScenarioRun:
    """A finished scenario run: the result, the trace lines and the guest's RAM."""

    result: RunResult
    trace: list[dict[str, Any]]
    ram_base: int
    vm: Vm
    output: bytes = b""

    def slot(self, guest: ScenarioGuest, name: str) -> int:
        """The 8-byte little-endian result slot `name` of the guest."""
        if name not in guest.slots:
            raise AssertionError(f"the scenario guest declares no result slot {name!r}")
        return int.from_bytes(self.vm.memory.read(self.ram_base + guest.slots[name], 8), "little")

    def exits(self, kind: str) -> list[dict[str, Any]]:
        """Trace lines whose exit is of `kind`."""
        return [line for line in self.trace if line["exit"]["kind"] == kind]


def run_scenario(
    registry: ArchRegistry,
    arch: LoadedArch,
    guest: ScenarioGuest,
    workdir: Path,
    interrupts: Sequence[tuple[int, int, int, bool]] = (),
    max_exits: int = 1000,
) -> ScenarioRun:
    """Run a scenario guest in a VM with the console and the scratch device, tracing every exit."""
    platform = arch.descriptor.platform
    image = workdir / "guest.bin"
    image.write_bytes(guest.image)
    console = platform.console
    spec = VmSpec.from_data(
        {
            "name": "conformance",
            "arch": arch.name,
            "vcpus": guest.vcpus,
            "memory": [{"base": platform.ram_base, "size": RAM_SIZE}],
            "images": [{"file": str(image), "load_addr": platform.ram_base}],
            "devices": [
                {"kind": console.kind, "bus": console.bus, "base": console.base, "size": CONSOLE_SIZE[console.bus]},
                {"kind": "scratch", "base": DEVICE_BASE, "size": 0x1000, "options": {"fill": DEVICE_FILL}},
            ],
            "limits": {"max_exits": max_exits, "timeout": 20},
        },
        source="conformance scenario",
        registry=registry,
    )
    trace = io.StringIO()
    out = io.BytesIO()
    vm = Vm(spec, Console(out, echo=False), trace=trace, warn=lambda message: None, registry=registry)
    for vcpu_id, vector, at_ns, host in interrupts:
        if host:
            vm.raise_host_interrupt(vcpu_id, vector, at_ns)
        else:
            vm.raise_interrupt(vcpu_id, vector, at_ns)
    result = vm.run()
    lines = [json.loads(line) for line in trace.getvalue().splitlines()]
    return ScenarioRun(result, lines, platform.ram_base, vm, bytes(vm.console.output))


class LoneServices(OfflineServices):
    """Services for one vCPU outside any VM: RAM with an image, no devices, every exit stops `run()`.

    Plugin authors can use it in their own unit tests; `reported` lists every exit `on_exit` saw.
    """

    def __init__(self, memory: GuestAddressSpace) -> None:
        self.memory = memory
        self.reported: list[Decoded] = []

    def read_guest(self, gpa: int, size: int) -> bytes:
        return self.memory.read(gpa, size)

    def write_guest(self, gpa: int, data: bytes) -> None:
        self.memory.write(gpa, data)

    def guest_memory(self) -> GuestAddressSpace:
        return self.memory

    def run_timeout_ns(self) -> int | None:
        return 100_000_000

    def on_exit(self, vcpu_id: int, pc: int, trap: object, decoded: Decoded) -> bool:
        self.reported.append(decoded)
        return False


def lone_services(arch: LoadedArch, image: bytes) -> LoneServices:
    """Services with the platform's RAM holding `image` at its base."""
    platform = arch.descriptor.platform
    memory = GuestAddressSpace()
    memory.add_region(platform.ram_base, RAM_SIZE)
    memory.write(platform.ram_base, image)
    return LoneServices(memory)
