"""`axvcpu bench`: an arch's exit paths measured against bare Unicorn in the same run."""

from __future__ import annotations

import functools
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from unicorn import UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, UC_PROT_ALL, UC_PROT_READ, UC_PROT_WRITE, Uc

from .benchkit import BENCH_PROGRAMS, BenchKit, BenchProgram
from .engine import new_uc
from .errors import AxError, AxErrorKind
from .fastexit import native_available
from .registry import ArchRegistry, LoadedArch
from .services import OfflineServices
from .spec import VmSpec
from .vmm import Console, RunResult, Vm

DEFAULT_ITERATIONS = {
    "compute": 25_000_000,
    "load_store": 5_000_000,
    "mmio_write": 300_000,
    "mmio_read": 300_000,
    "hypercall": 300_000,
}
RAM_SIZE = 16 << 20
REPEATS = 3


def run_bench(
    arch: LoadedArch, scale: float = 1.0, progress: Callable[[str], None] | None = None, fast_exits: bool = True
) -> dict[str, Any]:
    """Every benchmark, best of `REPEATS`, with its ratio to bare Unicorn.

    `fast_exits` False measures the Python exit path (the VMM hands out no native handlers).
    """
    kit = bench_kit(arch)
    say = progress or (lambda text: None)
    iterations = {name: max(1000, int(count * scale)) for name, count in DEFAULT_ITERATIONS.items()}
    fast = fast_exits and native_available()
    out: dict[str, Any] = {"arch": arch.name, "fast_exits": fast}
    for name, key, unit in (
        ("compute", "mips", 1e6),
        ("load_store", "load_store_mips", 1e6),
        ("mmio_write", "mmio_write_per_s", 1.0),
        ("mmio_read", "mmio_read_per_s", 1.0),
        ("hypercall", "hypercall_per_s", 1.0),
    ):
        program = kit.programs[name]
        count = iterations[name]
        work = count * (program.insns_per_iteration if unit != 1.0 else program.exits_per_iteration)
        say(f"{name}: {count:,} iterations under the VMM and on bare Unicorn")
        ours = work / _best(functools.partial(_vmm_seconds, arch, kit, name, count, fast=fast)) / unit
        bare = work / _best(functools.partial(_bare_seconds, kit, program, count, name)) / unit
        stem = key.removesuffix("_per_s")
        out[key] = round(ours, 3)
        out[f"{stem}_bare"] = round(bare, 3)
        out[f"{stem}_ratio"] = round(ours / bare, 3)
    say("mmio_write (trap): the same stores to an unmapped (stop/restart) window")
    program, count = kit.programs["mmio_write"], max(1000, iterations["mmio_write"] // 10)
    seconds = _best(functools.partial(_vmm_seconds, arch, kit, "mmio_write", count, "trap", fast))
    out["mmio_write_trap_per_s"] = round(count * program.exits_per_iteration / seconds, 3)
    say("decode: recorded trace through the pure decoder")
    out["decode_per_s"] = round(_decode_rate(arch, kit), 1)
    return out


def bench_kit(arch: LoadedArch) -> BenchKit:
    """The arch's benchmark kit; AxError(Unsupported) without one, InvalidData if it lacks a program."""
    factory = arch.descriptor.bench
    if factory is None:
        raise AxError(AxErrorKind.Unsupported, f"arch {arch.name} has no benchmark kit")
    kit = factory()
    missing = [name for name in BENCH_PROGRAMS if name not in kit.programs]
    if missing:
        raise AxError(AxErrorKind.InvalidData, f"the {arch.name} benchmark kit lacks program(s) {', '.join(missing)}")
    return kit


def _best(measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(REPEATS))


def _spec(
    arch: LoadedArch, kit: BenchKit, image: Path, with_device: bool, access: str, registry: ArchRegistry | None
) -> VmSpec:
    base = arch.descriptor.platform.ram_base
    device = {"kind": "scratch", "base": kit.device_base, "size": 0x1000, "access": access}
    devices = [device] if with_device else []
    data = {
        "name": "bench",
        "arch": arch.name,
        "memory": [{"base": base, "size": RAM_SIZE}],
        "images": [{"file": str(image), "load_addr": base}],
        "devices": devices,
    }
    return VmSpec.from_data(data, source="bench", registry=registry)


def run_program(
    arch: LoadedArch,
    kit: BenchKit,
    name: str,
    count: int,
    *,
    access: str = "hook",
    trace: io.StringIO | None = None,
    fast: bool = True,
    registry: ArchRegistry | None = None,
) -> tuple[RunResult, Vm]:
    """Run benchmark loop `name` for `count` iterations under the VMM (it must power off); the result and the VM.

    `access` is the scratch device's interception ("hook" or "trap"), `fast` whether the VMM hands
    out native exit handlers, `registry` where the arch comes from (default: the installed plugins).
    """
    with TemporaryDirectory(prefix="axvcpu-bench-") as tmp:
        image = Path(tmp) / f"{name}.bin"
        image.write_bytes(kit.programs[name].with_iterations(count))
        spec = _spec(arch, kit, image, name != "compute", access, registry)
        console = Console(io.BytesIO(), echo=False)
        vm = Vm(spec, console, trace=trace, warn=lambda message: None, registry=registry, fast_exits=fast)
        result = vm.run()
    if result.reason != "poweroff":
        raise AxError(AxErrorKind.BadState, f"benchmark {name} did not finish: {result.reason}: {result.message}")
    return result, vm


def _vmm_seconds(
    arch: LoadedArch, kit: BenchKit, name: str, count: int, access: str = "hook", fast: bool = True
) -> float:
    return run_program(arch, kit, name, count, access=access, fast=fast)[0].stats.loop_seconds


def _bare_seconds(kit: BenchKit, program: BenchProgram, count: int, name: str) -> float:
    uc = new_uc(kit.uc_arch, kit.uc_mode, kit.cpu_model)
    base = kit.ram_base
    uc.mem_map(base, RAM_SIZE, UC_PROT_ALL)
    uc.mem_write(base, program.with_iterations(count))
    if name != "compute":
        uc.mem_map(kit.device_base, 0x1000, UC_PROT_READ | UC_PROT_WRITE)
        if name.startswith("mmio"):
            _empty_mem_hooks(uc, kit.device_base)
    kit.bare_setup(uc, name)
    started = time.perf_counter()
    uc.emu_start(base, base + program.end_offset)
    return time.perf_counter() - started


def _empty_mem_hooks(uc: Uc, base: int) -> None:
    def empty(uc: Uc, access: int, address: int, size: int, value: int, user_data: object) -> None:
        return None

    uc.hook_add(UC_HOOK_MEM_READ, empty, begin=base, end=base + 0xFFF)
    uc.hook_add(UC_HOOK_MEM_WRITE, empty, begin=base, end=base + 0xFFF)


def _decode_rate(arch: LoadedArch, kit: BenchKit) -> float:
    decoder = arch.descriptor.decoder
    assert decoder is not None
    records = _record_trace(arch, kit)
    traps = [decoder.parse(r) for r in records]
    services = OfflineServices()
    rounds = max(1, 200_000 // len(traps))
    started = time.perf_counter()
    for _ in range(rounds):
        for trap in traps:
            decoder.decode(trap, services)
    return rounds * len(traps) / (time.perf_counter() - started)


def _record_trace(arch: LoadedArch, kit: BenchKit) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for name in ("mmio_write", "mmio_read", "hypercall"):
        trace = io.StringIO()
        run_program(arch, kit, name, 200, trace=trace)
        lines += [json.loads(line)["trap"] for line in trace.getvalue().splitlines()]
    return lines
