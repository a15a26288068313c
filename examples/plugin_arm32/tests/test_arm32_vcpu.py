"""The hardware model on its own: the ArchVCpu contract, stop/restart, in-hook exits, slices."""

from __future__ import annotations

import pytest
from support import RAM, FakeServices, services_with

from axvcpu_core.addr import AccessWidth, GuestPhysAddr, HostPhysAddr
from axvcpu_core.conformance_kit import DEVICE_BASE
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import Hypercall, MmioRead, NestedPageFault, Nothing, SystemDown
from axvcpu_example_arm32.config import Arm32CreateConfig, Arm32SetupConfig, Arm32VmConfig
from axvcpu_example_arm32.guests import guest_bytes, guest_symbols
from axvcpu_example_arm32.vcpu import Arm32VCpu

M32 = 0xFFFF_FFFF
LOOP = (0xEAFFFFFE).to_bytes(4, "little")  # b .
UNKNOWN_SVC = (0xEF000000).to_bytes(4, "little")  # svc #0
# add r0, pc, #1 ; bx r0 ; (Thumb) svc #0x56
THUMB_SVC = (0xE28F0001).to_bytes(4, "little") + (0xE12FFF10).to_bytes(4, "little") + (0xDF56).to_bytes(2, "little")


def started(services: FakeServices, dtb_addr: int = 0) -> Arm32VCpu:
    """A vCPU taken through the VCpu life cycle up to READY, entering at the start of RAM."""
    vcpu = Arm32VCpu.new(0, 0, Arm32CreateConfig(dtb_addr=dtb_addr), services)
    vcpu.set_entry(GuestPhysAddr(RAM))
    vcpu.set_ept_root(HostPhysAddr(0x10_0000_0000))
    vcpu.setup(Arm32SetupConfig())
    vcpu.bind()
    return vcpu


def offset(name: str, label: str) -> int:
    return RAM + guest_symbols(name)[label]


# --- the contract ---------------------------------------------------------------------------------


def test_reset_state_enters_at_the_entry_with_the_dtb_in_r2() -> None:
    vcpu = started(services_with(LOOP), dtb_addr=0x4800_0000)
    assert vcpu.get_gpr(15) == RAM
    assert vcpu.get_gpr(2) == 0x4800_0000
    assert [vcpu.get_gpr(i) for i in (0, 1, 3, 7, 12)] == [0] * 5


def test_every_register_reads_back_truncated_to_32_bits() -> None:
    vcpu = started(services_with(LOOP))
    for index in range(15):
        vcpu.set_gpr(index, 1 << 32 | index * 0x0101_0101)
    assert [vcpu.get_gpr(i) for i in range(15)] == [i * 0x0101_0101 for i in range(15)]
    vcpu.set_return_value((1 << 64) - 1)  # the VMM's -1
    assert vcpu.get_gpr(0) == M32


@pytest.mark.parametrize("index", [-1, 16])
def test_register_index_outside_r0_r15_is_invalid_input(index: int) -> None:
    vcpu = started(services_with(LOOP))
    for call in (lambda: vcpu.set_gpr(index, 0), lambda: vcpu.get_gpr(index)):
        with pytest.raises(AxError) as info:
            call()
        assert info.value.kind is AxErrorKind.InvalidInput


def test_bad_entry_root_and_configs_are_invalid_input() -> None:
    services = services_with(LOOP)
    vcpu = started(services)
    calls = [
        lambda: vcpu.set_entry(GuestPhysAddr(RAM + 2)),
        lambda: vcpu.set_entry(GuestPhysAddr(1 << 32)),
        lambda: vcpu.set_ept_root(HostPhysAddr(0x1234)),
        lambda: vcpu.set_ept_root(HostPhysAddr(1 << 40)),
        lambda: vcpu.setup(Arm32CreateConfig()),
        lambda: Arm32VCpu.new(0, 0, Arm32VmConfig(), services),
    ]
    for call in calls:
        with pytest.raises(AxError) as info:
            call()
        assert info.value.kind is AxErrorKind.InvalidInput


def test_interrupt_injection_is_refused_the_model_has_none() -> None:
    with pytest.raises(AxError) as info:
        started(services_with(LOOP)).inject_interrupt(1)
    assert info.value.kind is AxErrorKind.Unsupported


# --- exits ----------------------------------------------------------------------------------------


def test_hypercall_in_the_hook_then_power_off() -> None:
    services = services_with(guest_bytes("hypercall"))
    vcpu = started(services)
    exit_ = vcpu.run()
    assert exit_ == Hypercall(1, (10, 20, 30, 40, 50, 60))
    assert vcpu.get_gpr(15) == offset("hypercall", "resume")  # the resume PC is already applied
    pc, trap, decoded = services.exits[0]
    assert pc == trap.pc == offset("hypercall", "call")
    assert trap.cause == "svc"
    assert trap.insn_bytes == (0xEF004856).to_bytes(4, "little")
    assert decoded.exit == exit_
    vcpu.set_return_value(210)
    assert vcpu.run() == SystemDown(reset=False)
    assert services.memory.read(offset("hypercall", "value"), 8) == (210).to_bytes(8, "little")


def test_mmio_read_stops_restarts_and_loads_what_the_vmm_wrote() -> None:
    services = services_with(guest_bytes("mmio_read_2_sign"))
    vcpu = started(services)
    assert vcpu.run() == MmioRead(DEVICE_BASE + 0x10, AccessWidth.WORD, 3, AccessWidth.DWORD, True)
    assert vcpu.get_gpr(15) == offset("mmio_read_2_sign", "resume")
    _, trap, _ = services.exits[0]
    assert (trap.cause, trap.access, trap.fault_addr) == ("data_abort", "read", DEVICE_BASE + 0x10)
    assert trap.pc == trap.regs[15] == offset("mmio_read_2_sign", "access")
    vcpu.set_gpr(3, 0xFFFF_8899)  # the VMM completes the read, extended to the register width
    assert vcpu.run() == SystemDown(reset=False)
    assert services.memory.read(offset("mmio_read_2_sign", "value"), 8) == (0xFFFF_8899).to_bytes(8, "little")


def test_exits_the_vmm_completes_keep_the_guest_running() -> None:
    services = services_with(guest_bytes("mmio_write_4"), keep_running=frozenset({"MmioWrite"}))
    assert started(services).run() == SystemDown(reset=False)
    assert [decoded.exit.kind for _, _, decoded in services.exits] == ["MmioWrite", "SystemDown"]


def test_fetch_from_unmapped_memory_keeps_the_pc_there() -> None:
    vcpu = started(services_with(guest_bytes("fetch_fault")))
    assert vcpu.run() == NestedPageFault(0x2000_0000, 4)  # type: ignore[arg-type]
    assert vcpu.get_gpr(15) == 0x2000_0000


def test_end_of_slice_is_nothing_and_counts_the_instructions() -> None:
    services = services_with(LOOP, slice=1000, keep_running=frozenset({"Nothing"}))
    vcpu = started(services)
    assert vcpu.run() == Nothing()
    assert services.retired == 1000
    _, trap, decoded = services.exits[0]
    assert (trap.cause, trap.pc, decoded.next_pc) == ("irq", RAM, RAM)
    assert vcpu.run() == Nothing()
    assert services.retired == 2000


def test_run_bound_returns_nothing_without_counting() -> None:
    services = services_with(LOOP, timeout_ns=1_000_000)
    assert started(services).run() == Nothing()
    assert services.retired == 0


@pytest.mark.parametrize(
    ("image", "message"),
    [(UNKNOWN_SVC, "svc #0x0"), (THUMB_SVC, "Thumb state")],
    ids=["unknown-svc", "thumb"],
)
def test_traps_outside_the_model_raise_unsupported(image: bytes, message: str) -> None:
    with pytest.raises(AxError, match=message) as info:
        started(services_with(image)).run()
    assert info.value.kind is AxErrorKind.Unsupported
