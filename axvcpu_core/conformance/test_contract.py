"""Contract tests: the plugin's descriptor, vCPU, per-CPU state and decoder, without scenario guests."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..errors import AxError, AxErrorKind
from ..exits import EXIT_KINDS
from ..hookspecs import API_VERSION
from ..percpu import PerCpu
from ..registry import LoadedArch
from ..services import OfflineServices
from ..vcpu import VCpu, VCpuState
from ..versions import version_in_range
from ..vmm import Vm
from ..vmm.devices import Scratch
from .harness import LoneServices, lone_services, run_scenario
from .suite import Suite

M64 = (1 << 64) - 1
BOOT_SCENARIOS = ("poweroff", "hypercall", "mmio_write_4", "mmio_write_1")


def test_descriptor_is_valid(axvcpu_arch: LoadedArch) -> None:
    """Descriptor fields, the API range and the capability names."""
    descriptor = axvcpu_arch.descriptor
    assert descriptor.problems() == []
    assert version_in_range(API_VERSION, descriptor.api_versions)
    assert set(descriptor.capabilities.exits) <= set(EXIT_KINDS)
    assert descriptor.vcpu_class is not None, "the suite needs a vCPU class (ArchDescriptor.vcpu_class)"
    assert descriptor.decoder is not None, "the suite needs a decoder (ArchDescriptor.decoder)"


def _new_vcpu(arch: LoadedArch, services: LoneServices, vcpu_id: int = 0) -> VCpu:
    descriptor = arch.descriptor
    assert descriptor.vcpu_class is not None
    assert descriptor.vcpu_configs is not None
    create, _ = descriptor.vcpu_configs(descriptor.vm_config(), vcpu_id)
    return VCpu.create(descriptor.vcpu_class, 0, vcpu_id, create, services)


def _setup(arch: LoadedArch, vcpu: VCpu) -> None:
    assert arch.descriptor.vcpu_configs is not None
    _, setup = arch.descriptor.vcpu_configs(arch.descriptor.vm_config(), vcpu.id)
    vcpu.setup(arch.descriptor.platform.ram_base, 0x10_0000_0000, setup)


@pytest.fixture
def boot_image(axvcpu_suite: Suite) -> bytes:
    """A guest that exits early (the poweroff or another simple scenario's guest)."""
    guest = axvcpu_suite.any_guest(*BOOT_SCENARIOS)
    if guest is None:
        pytest.skip(f"needs a guest for one of {', '.join(BOOT_SCENARIOS)}")
    return guest.image


def test_state_machine_through_the_real_vcpu(axvcpu_arch: LoadedArch, boot_image: bytes) -> None:
    """setup, bind, run (to the first exit), unbind; then a call from the wrong state makes it INVALID."""
    services = lone_services(axvcpu_arch, boot_image)
    vcpu = _new_vcpu(axvcpu_arch, services)
    states = [vcpu.state]
    _setup(axvcpu_arch, vcpu)
    states.append(vcpu.state)
    vcpu.bind()
    states.append(vcpu.state)
    exit_ = vcpu.run()
    states.append(vcpu.state)
    assert states == [VCpuState.CREATED, VCpuState.FREE, VCpuState.READY, VCpuState.READY]
    assert exit_.kind in EXIT_KINDS
    assert services.reported, "run() returned without reporting the exit through services.on_exit"
    assert services.reported[-1].exit == exit_
    vcpu.unbind()
    states = [vcpu.state]
    with pytest.raises(AxError) as info:
        vcpu.run()
    states.append(vcpu.state)
    assert info.value.kind is AxErrorKind.BadState
    assert states == [VCpuState.FREE, VCpuState.INVALID]


def test_per_cpu_enable_disable(axvcpu_arch: LoadedArch) -> None:
    """Enable, repeated enable refused, disable, repeated disable refused, close disables."""
    arch_percpu = axvcpu_arch.descriptor.percpu_class.new(0)
    assert arch_percpu.is_enabled() is False
    arch_percpu.hardware_enable()
    assert arch_percpu.is_enabled() is True
    with pytest.raises(AxError):
        arch_percpu.hardware_enable()
    assert arch_percpu.is_enabled() is True
    arch_percpu.hardware_disable()
    assert arch_percpu.is_enabled() is False
    with pytest.raises(AxError):
        arch_percpu.hardware_disable()
    assert 2 <= arch_percpu.max_guest_page_table_levels() <= 5
    with PerCpu(axvcpu_arch.descriptor.percpu_class) as percpu:
        percpu.init(1)
        percpu.hardware_enable()
        inner = percpu.arch
    assert inner.is_enabled() is False, "PerCpu.close() must leave virtualization disabled"


def test_gpr_round_trip_over_the_whole_index_range(axvcpu_arch: LoadedArch, boot_image: bytes) -> None:
    """set_gpr(i, v) then get_gpr(i) for every index, with distinct values; zero registers read 0."""
    registers = axvcpu_arch.descriptor.registers
    vcpu = _new_vcpu(axvcpu_arch, lone_services(axvcpu_arch, boot_image))
    arch_vcpu = vcpu.arch_vcpu
    count = len(registers.gpr_names)
    values = {i: (0x0101_0101_0101_0101 * (i + 1)) & M64 for i in range(count)}
    for index, value in values.items():
        arch_vcpu.set_gpr(index, value)
    for index, value in values.items():
        got = arch_vcpu.get_gpr(index)
        want = 0 if index in registers.zero_indices else value
        assert got & _width_mask(got, want) == want & _width_mask(got, want), (
            f"register index {index} ({registers.gpr_names[index]}): wrote {value:#x}, read back {got:#x}"
        )
    for bad in (count, count + 7, -1):
        with pytest.raises(AxError) as info:
            arch_vcpu.set_gpr(bad, 1)
        assert info.value.kind is AxErrorKind.InvalidInput


def _width_mask(got: int, want: int) -> int:
    return 0xFFFF_FFFF if got <= 0xFFFF_FFFF and want > 0xFFFF_FFFF else M64


def test_set_return_value_lands_in_the_abi_register(axvcpu_arch: LoadedArch, boot_image: bytes) -> None:
    """set_return_value writes the register the descriptor names."""
    vcpu = _new_vcpu(axvcpu_arch, lone_services(axvcpu_arch, boot_image))
    index = axvcpu_arch.descriptor.registers.return_value_index
    vcpu.arch_vcpu.set_return_value(0x5A5A_1234)
    assert vcpu.arch_vcpu.get_gpr(index) == 0x5A5A_1234


def test_inject_interrupt_queues(axvcpu_suite: Suite, axvcpu_arch: LoadedArch, boot_image: bytes) -> None:
    """An interrupt can be injected into a vCPU that is not running; the vCPU stays usable."""
    guest = axvcpu_suite.any_guest("halt_wake", "send_ipi")
    if guest is None or "vector" not in guest.details:
        pytest.skip("needs the vector of the halt_wake or send_ipi scenario")
    vcpu = _new_vcpu(axvcpu_arch, lone_services(axvcpu_arch, boot_image))
    vcpu.inject_interrupt(guest.details["vector"])
    _setup(axvcpu_arch, vcpu)
    assert vcpu.state is VCpuState.FREE


def _record_strategy(arch: LoadedArch) -> st.SearchStrategy[dict[str, Any]]:
    """Records shaped like the plugin's JSON record model, with random values."""
    assert arch.descriptor.decoder is not None
    schema = arch.descriptor.decoder.record_model.model_json_schema()
    names = list(arch.descriptor.registers.gpr_names)
    words = st.one_of(st.integers(0, 64), st.integers(0, M64), st.sampled_from([2**63 | 1, 2**63 | 5, 2**63 | 9]))
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, prop in schema.get("properties", {}).items():
        fields[name] = _field_strategy(name, prop, names, words)
    return st.fixed_dictionaries({}, optional=fields)


def _field_strategy(
    name: str, prop: dict[str, Any], names: list[str], words: st.SearchStrategy[int]
) -> st.SearchStrategy[Any]:
    if "enum" in prop:
        return st.sampled_from(prop["enum"])
    if name == "regs":
        return st.dictionaries(st.sampled_from(names), st.integers(0, M64), max_size=6)
    if name == "insn_bytes":
        return st.binary(max_size=16).map(bytes.hex)
    return words


def test_decoder_is_total(axvcpu_arch: LoadedArch) -> None:
    """Random records never make the decoder raise anything but AxError."""
    decoder = axvcpu_arch.descriptor.decoder
    assert decoder is not None
    services = OfflineServices()

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_record_strategy(axvcpu_arch))
    def decode_random(record: dict[str, Any]) -> None:
        with contextlib.suppress(AxError):
            decoder.decode(decoder.parse(record), services)

    decode_random()


def test_recorded_trace_decodes_to_itself(axvcpu_suite: Suite, tmp_path: Path) -> None:
    """Every exit of the supported scenarios, replayed offline from its trace, decodes to the same exit."""
    decoder = axvcpu_suite.arch.descriptor.decoder
    assert decoder is not None
    replayed = 0
    for name in ("hypercall", "mmio_write_4", "mmio_read_2_sign", "sysreg_read", "poweroff", "fetch_fault"):
        guest = axvcpu_suite.any_guest(name)
        if guest is None:
            continue
        workdir = tmp_path / name
        workdir.mkdir()
        run = run_scenario(axvcpu_suite.registry, axvcpu_suite.arch, guest, workdir)
        for line in run.trace:
            record = json.loads(json.dumps(line["trap"]))
            try:
                decoded = decoder.decode(decoder.parse(record), OfflineServices())
            except AxError as err:
                if err.kind in (AxErrorKind.BadAddress, AxErrorKind.NotFound):
                    continue  # needs the live VM's memory or vCPUs
                raise
            assert decoded.to_dict() == line["exit"], f"trace line {line['seq']} decodes differently offline"
            replayed += 1
    if replayed == 0:
        pytest.skip("no supported scenario produced a replayable exit")


NATIVE_PATH_LOOPS = ("mmio_write", "mmio_read", "hypercall")


@pytest.mark.parametrize("loop", NATIVE_PATH_LOOPS)
def test_runs_end_the_same_with_and_without_native_exits(
    axvcpu_suite: Suite, loop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plugin's benchmark loop, run with the VMM's native exit handlers and without: the same exits,
    hypercalls (number and arguments), device accesses and warnings, in the same order, whether or not
    the plugin completes any exit natively."""
    from ..bench import bench_kit, run_program
    from ..vmm.hypercalls import HYPERCALLS

    arch = axvcpu_suite.arch
    if arch.descriptor.bench is None:
        pytest.skip("the plugin has no benchmark kit (ArchDescriptor.bench), whose loops this test runs")
    kit = bench_kit(arch)
    # Exact counts: no watchdog kick (after 100 ms of wall time) may add an exit to one run only.
    monkeypatch.setattr("axvcpu_core.vmm.vm.RUN_BOUND_NS", 60_000_000_000)
    calls: list[tuple[int, tuple[int, ...]]] = []
    for nr, handler in list(HYPERCALLS.items()):
        monkeypatch.setitem(HYPERCALLS, nr, _recording(nr, handler, calls))
    seen = {}
    for fast in (True, False):
        calls.clear()
        result, vm = run_program(arch, kit, loop, 300, fast=fast, registry=axvcpu_suite.registry)
        seen[fast] = (dict(result.stats.exits), list(calls), _device_log(vm, kit.device_base), result.warnings)
        if not fast:
            assert result.stats.native_exits == 0
    for index, what in enumerate(("exits by kind", "hypercalls", "device accesses", "warnings")):
        assert seen[True][index] == seen[False][index], f"{what} differ with native exits"


def _recording(
    nr: int, handler: Callable[[Sequence[int]], int], calls: list[tuple[int, tuple[int, ...]]]
) -> Callable[[Sequence[int]], int]:
    def record(args: Sequence[int]) -> int:
        calls.append((nr, tuple(args)))
        return handler(args)

    return record


def _device_log(vm: Vm, base: int) -> list[tuple[str, int, int, int]]:
    hit = vm.mmio.find(base)
    assert hit is not None, f"the benchmark VM has no device at {base:#x}"
    device = hit[1]
    assert isinstance(device, Scratch), f"the benchmark device at {base:#x} is not the scratch device"
    return list(device.log)
