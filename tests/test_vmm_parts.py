"""VMM building blocks: devices, buses, extension of MMIO reads, the clock, the console, the ctypes layer."""

from __future__ import annotations

import io

import pytest
from unicorn import UC_ARCH_RISCV, UC_MODE_RISCV64, UC_PROT_ALL, Uc
from unicorn.riscv_const import UC_RISCV_REG_A0, UC_RISCV_REG_A1

from axvcpu_core import AxError, AxErrorKind
from axvcpu_core.unicorn_fast import FastUc
from axvcpu_core.vmm.clock import VirtualClock
from axvcpu_core.vmm.completion import extend
from axvcpu_core.vmm.console import Console
from axvcpu_core.vmm.devices import Bus, Ns16550a, Scratch, make_device


def quiet_console() -> Console:
    return Console(io.BytesIO(), echo=False)


def test_ns16550a_transmits_and_reports_status() -> None:
    console = quiet_console()
    uart = Ns16550a(console)
    assert uart.read(5, 1) == 0x60  # THRE | TEMT, no data
    uart.write(0, 1, ord("A"))
    assert bytes(console.output) == b"A"
    console.feed(b"xy")
    assert uart.read(5, 1) == 0x61
    assert uart.read(0, 1) == ord("x")
    assert uart.read(2, 1) == 0xC1
    assert uart.read(6, 1) == 0xB0
    uart.write(3, 1, 0x80)  # DLAB: offsets 0/1 are the divisor
    uart.write(0, 1, 0x12)
    uart.write(1, 1, 0x34)
    assert (uart.read(0, 1), uart.read(1, 1)) == (0x12, 0x34)
    assert bytes(console.output) == b"A"
    uart.write(7, 1, 0x5A)
    assert uart.read(7, 1) == 0x5A


def test_scratch_device_remembers_writes_and_logs() -> None:
    dev = Scratch(fill=0x1122_3344_5566_7788)
    assert dev.read(0, 2) == 0x7788
    dev.write(8, 4, 0xDEADBEEF)
    assert dev.read(8, 1) == 0xEF
    assert dev.log[-1] == ("read", 8, 1, 0xEF)


def test_unknown_device_kind_lists_the_known_ones() -> None:
    with pytest.raises(AxError) as info:
        make_device("vga", {}, quiet_console())
    assert info.value.kind is AxErrorKind.NotFound
    assert "ns16550a" in info.value.message
    with pytest.raises(AxError, match="bad options for device scratch"):
        make_device("scratch", {"fill": "lots"}, quiet_console())


def test_bus_routes_and_reports_unassigned_accesses_once() -> None:
    warnings: list[str] = []
    bus = Bus("MMIO", warnings.append)
    dev = Scratch()
    bus.add(0x1000, 0x100, dev)
    bus.write(0x1008, 8, 0x1_0000_0001)
    assert bus.read(0x1008, 4) == 1
    assert bus.read(0x2000, 4) == 0
    assert bus.read(0x2000, 4) == 0
    bus.write(0x2000, 1, 5)
    assert warnings == [
        "unassigned MMIO read at 0x2000 reads as 0 (reported once)",
        "unassigned MMIO write at 0x2000 was dropped (reported once)",
    ]
    assert bus.find(0x10FF) == (0x1000, dev)
    assert bus.find(0x1100) is None


@pytest.mark.parametrize(
    ("value", "width", "signed", "want"),
    [
        (0x80, 1, True, 0xFFFF_FFFF_FFFF_FF80),
        (0x80, 1, False, 0x80),
        (0x7FFF, 2, True, 0x7FFF),
        (0x8000_0000, 4, True, 0xFFFF_FFFF_8000_0000),
        (0x1_8000_0000, 4, False, 0x8000_0000),
        (0xFFFF_FFFF_FFFF_FFFF, 8, False, 0xFFFF_FFFF_FFFF_FFFF),
    ],
)
def test_mmio_read_extension(value: int, width: int, signed: bool, want: int) -> None:
    assert extend(value, width, 8, signed) == want


def test_clock_skips_ahead_but_never_back() -> None:
    clock = VirtualClock()
    start = clock.now_ns()
    clock.skip_to(start + 5_000_000_000)
    assert clock.now_ns() >= start + 5_000_000_000
    now = clock.now_ns()
    clock.skip_to(0)
    assert clock.now_ns() >= now


def test_console_reads_queued_input_without_blocking() -> None:
    console = quiet_console()
    assert console.read(4) == b""
    console.feed(b"abc")
    assert console.read(2) == b"ab"
    assert console.has_input
    assert console.read(9) == b"c"


def test_fast_register_and_memory_access_match_the_binding() -> None:
    """FastUc relies on the pinned binding's private `Uc._uch` and `uclib`: this fails loudly if they move."""
    uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV64)
    uc.mem_map(0x8000_0000, 0x1000, UC_PROT_ALL)
    fast = FastUc(uc)
    fast.reg_write(UC_RISCV_REG_A0, 0x1234_5678_9ABC_DEF0)
    assert uc.reg_read(UC_RISCV_REG_A0) == 0x1234_5678_9ABC_DEF0
    uc.reg_write(UC_RISCV_REG_A1, 42)
    assert fast.reg_read(UC_RISCV_REG_A1) == 42
    assert fast.batch_reader([UC_RISCV_REG_A0, UC_RISCV_REG_A1])() == (0x1234_5678_9ABC_DEF0, 42)
    fast.mem_write(0x8000_0010, b"\x01\x02\x03")
    assert bytes(uc.mem_read(0x8000_0010, 3)) == b"\x01\x02\x03"
    assert fast.mem_read(0x8000_0010, 3) == b"\x01\x02\x03"
    with pytest.raises(AxError) as info:
        fast.mem_read(0x9000_0000, 4)
    assert info.value.kind is AxErrorKind.BadAddress
