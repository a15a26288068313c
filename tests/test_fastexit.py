"""The native exit hooks (`axvcpu_core.fastexit`) on a bare x86-64 Unicorn: what they complete
natively, when they hand an exit to the Python fallback, errors, and their lifetime.

The core is architecture-neutral, so these tests drive it with x86-64 code (assembled with
keystone): `int 0x80` is the call, and a page at WINDOW is a hooked device window.
"""

from __future__ import annotations

import gc
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keystone
import pytest
from unicorn import UC_ARCH_X86, UC_MODE_64, UC_PROT_ALL, UC_PROT_READ, UC_PROT_WRITE, Uc, UcError
from unicorn import x86_const as x86

from axvcpu_core.engine import DeviceWindow
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.fastexit import CallRule, ExitHooks, native_available
from axvcpu_core.services import FastExitHandlers

CODE = 0x1000
WINDOW = 0x10000
INTNO = 0x80
RULE = CallRule(INTNO, ((x86.UC_X86_REG_RAX, 7),), x86.UC_X86_REG_RDI, (x86.UC_X86_REG_RSI, x86.UC_X86_REG_RDX),
                x86.UC_X86_REG_RAX)  # fmt: skip
_KS = keystone.Ks(keystone.KS_ARCH_X86, keystone.KS_MODE_64)

CALLS = """
    mov rcx, {count}
again:
    mov rax, {guard}
    mov rdi, 5
    mov rsi, rcx
    mov rdx, 100
    int 0x80
    add r15, rax
    dec rcx
    jnz again
"""
ACCESSES = """
    mov rbx, {window}
    mov rcx, 0x11223344
    mov r12, {count}
again:
    mov dword ptr [rbx + 8], ecx
    mov r13d, dword ptr [rbx + 16]
    add r14, r13
    inc rcx
    dec r12
    jnz again
"""


def assemble(source: str) -> bytes:
    encoding, _ = _KS.asm(source, CODE)
    return bytes(encoding)


@dataclass
class Machine:
    """A bare x86-64 instance running `code`, its ExitHooks, and what the hooks and handlers saw."""

    code: bytes
    native: bool = True
    uc: Uc = field(init=False)
    hooks: ExitHooks = field(init=False)
    fallbacks: list[tuple[object, ...]] = field(default_factory=list)
    handled: list[tuple[object, ...]] = field(default_factory=list)
    learn: bool = True
    read_value: int = 0xABCD1234

    def __post_init__(self) -> None:
        self.uc = Uc(UC_ARCH_X86, UC_MODE_64)
        self.uc.mem_map(CODE, 0x1000, UC_PROT_ALL)
        self.uc.mem_map(WINDOW, 0x1000, UC_PROT_READ | UC_PROT_WRITE)
        self.uc.mem_write(CODE, self.code)
        self.hooks = ExitHooks(self.uc, x86.UC_X86_REG_RIP, native=self.native)
        self.hooks.hook_intr(self.on_intr)
        self.hooks.hook_windows([DeviceWindow(WINDOW, 0x1000, True, "test")], self.on_read, self.on_write)
        self.hooks.set_call_rule(RULE)
        self.hooks.set_translation_guard(x86.UC_X86_REG_R11, 1)

    # ---- Python fallbacks (what the plugin's hooks would do) -------------------------------
    def on_intr(self, uc: Uc, intno: int, user_data: object) -> None:
        self.fallbacks.append(("intr", intno))
        uc.reg_write(x86.UC_X86_REG_RAX, 1)

    def on_write(self, uc: Uc, access: int, address: int, size: int, value: int, user_data: object) -> None:
        self.fallbacks.append(("write", address, size, value))
        if self.learn:
            self.remember(address, True, x86.UC_X86_REG_RBX, address - WINDOW, size)

    def on_read(self, uc: Uc, access: int, address: int, size: int, value: int, user_data: object) -> None:
        self.fallbacks.append(("read", address, size))
        uc.mem_write(address, self.read_value.to_bytes(8, "little")[:size])
        if self.learn:
            self.remember(address, False, x86.UC_X86_REG_RBX, address - WINDOW, size)

    def remember(self, address: int, is_write: bool, base: int, offset: int, width: int) -> None:
        pc = self.uc.reg_read(x86.UC_X86_REG_RIP)
        self.hooks.remember(pc, address, is_write, pc, bytes(self.uc.mem_read(pc, 4)), base, offset, width)

    # ---- VMM handlers ----------------------------------------------------------------------
    def handlers(self) -> FastExitHandlers:
        return FastExitHandlers(self.mmio_read, self.mmio_write, self.hypercall)

    def mmio_read(self, gpa: int, width: int) -> int:
        self.handled.append(("read", gpa, width))
        return self.read_value

    def mmio_write(self, gpa: int, width: int, data: int) -> None:
        self.handled.append(("write", gpa, width, data))

    def hypercall(self, nr: int, *args: int) -> int:
        self.handled.append(("call", nr, *args))
        return nr + sum(args)

    def run(self) -> None:
        self.hooks.emu_start(CODE, CODE + len(self.code))

    def reg(self, reg_id: int) -> int:
        return int(self.uc.reg_read(reg_id))


def calls(count: int, guard: int = 7) -> bytes:
    return assemble(CALLS.format(count=count, guard=guard))


def accesses(count: int) -> bytes:
    return assemble(ACCESSES.format(window=WINDOW, count=count))


def test_the_native_module_is_built() -> None:
    assert native_available(), "axvcpu_core._fastexit did not build: install with a C compiler and Python headers"


# ---- the call rule --------------------------------------------------------------------------


def test_calls_matching_the_rule_complete_natively() -> None:
    m = Machine(calls(3))
    m.hooks.arm(m.handlers(), 100)
    m.run()
    assert m.fallbacks == []
    assert m.handled == [("call", 5, 3, 100), ("call", 5, 2, 100), ("call", 5, 1, 100)]
    assert m.reg(x86.UC_X86_REG_R15) == 108 + 107 + 106  # each result reached the return register
    assert m.hooks.take_counts() == {"Hypercall": 3}
    assert m.hooks.take_counts() == {}


def test_a_call_failing_a_guard_goes_to_the_fallback() -> None:
    m = Machine(calls(2, guard=8))
    m.hooks.arm(m.handlers(), 100)
    m.run()
    assert m.fallbacks == [("intr", INTNO), ("intr", INTNO)]
    assert m.handled == []
    assert m.hooks.take_counts() == {}


def test_the_budget_bounds_native_completions() -> None:
    m = Machine(calls(5))
    m.hooks.arm(m.handlers(), 2)
    m.run()
    assert len(m.handled) == 2
    assert m.fallbacks == [("intr", INTNO)] * 3
    assert m.hooks.take_counts() == {"Hypercall": 2}


def test_set_budget_renews_the_budget() -> None:
    m = Machine(calls(3))
    m.hooks.arm(m.handlers(), 0)
    m.hooks.set_budget(1)
    m.run()
    assert len(m.handled) == 1
    assert len(m.fallbacks) == 2


def test_unarmed_hooks_complete_nothing() -> None:
    m = Machine(calls(2))
    m.hooks.arm(m.handlers(), 100)
    m.hooks.arm(None, 100)
    m.run()
    assert m.handled == []
    assert len(m.fallbacks) == 2


def test_an_exception_in_a_handler_stops_emulation_and_is_raised() -> None:
    m = Machine(calls(3))

    def broken(nr: int, *args: int) -> int:
        raise AxError(AxErrorKind.Io, "device on fire")

    m.hooks.arm(FastExitHandlers(m.mmio_read, m.mmio_write, broken), 100)
    with pytest.raises(AxError, match="device on fire"):
        m.run()
    assert m.reg(x86.UC_X86_REG_R15) == 0  # stopped before the instruction after the call


def test_an_exception_in_a_fallback_is_raised() -> None:
    class Broken(Machine):
        def on_intr(self, uc: Uc, intno: int, user_data: object) -> None:
            raise ValueError("fallback failed")

    m = Broken(calls(1, guard=8))
    m.hooks.arm(m.handlers(), 100)
    with pytest.raises(ValueError, match="fallback failed"):
        m.run()


def test_a_result_that_is_not_an_integer_is_raised() -> None:
    m = Machine(calls(1))
    m.hooks.arm(FastExitHandlers(m.mmio_read, m.mmio_write, lambda nr, *args: "seven"), 100)  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError):
        m.run()


# ---- remembered device-window accesses -----------------------------------------------------


def test_remembered_accesses_complete_natively_from_the_second_time_on() -> None:
    m = Machine(accesses(4))
    m.hooks.arm(m.handlers(), 100)
    m.run()
    assert m.fallbacks == [("write", WINDOW + 8, 4, 0x11223344), ("read", WINDOW + 16, 4)]
    assert m.handled == [
        entry for i in range(1, 4) for entry in (("write", WINDOW + 8, 4, 0x11223344 + i), ("read", WINDOW + 16, 4))
    ]
    assert m.reg(x86.UC_X86_REG_R14) == 4 * 0xABCD1234  # each native read reached the guest's register
    assert m.hooks.take_counts() == {"MmioRead": 3, "MmioWrite": 3}


def test_an_access_by_other_instruction_bytes_is_not_reused() -> None:
    m = Machine(accesses(3), learn=False)
    m.hooks.arm(m.handlers(), 100)
    write_pc = CODE + len(assemble(f"mov rbx, {WINDOW}; mov rcx, 0x11223344; mov r12, 3"))
    m.hooks.remember(write_pc, WINDOW + 8, True, write_pc, b"\x90\x90\x90\x90", x86.UC_X86_REG_RBX, 8, 4)
    m.run()
    assert m.handled == []
    assert len(m.fallbacks) == 6


@pytest.mark.parametrize(("base", "offset", "width"), [(x86.UC_X86_REG_RCX, 8, 4), (x86.UC_X86_REG_RBX, 0, 4),
                                                       (x86.UC_X86_REG_RBX, 8, 2)])  # fmt: skip
def test_an_access_whose_operand_or_width_differs_is_not_reused(base: int, offset: int, width: int) -> None:
    m = Machine(accesses(3), learn=False)
    m.hooks.arm(m.handlers(), 100)
    write_pc = CODE + len(assemble(f"mov rbx, {WINDOW}; mov rcx, 0x11223344; mov r12, 3"))
    insn = bytes(m.uc.mem_read(write_pc, 4))
    m.hooks.remember(write_pc, WINDOW + 8, True, write_pc, insn, base, offset, width)
    m.run()
    assert [h for h in m.handled if h[0] == "write"] == []


def test_the_translation_guard_turns_reuse_off() -> None:
    m = Machine(accesses(3))
    m.uc.reg_write(x86.UC_X86_REG_R11, 1)
    m.hooks.arm(m.handlers(), 100)
    m.run()
    assert m.handled == []
    assert len(m.fallbacks) == 6


def test_forget_drops_every_remembered_access() -> None:
    m = Machine(accesses(2))
    m.hooks.arm(m.handlers(), 100)
    m.run()
    assert len(m.handled) == 2
    m.hooks.forget()
    m.learn = False
    m.handled.clear()
    m.fallbacks.clear()
    m.run()
    assert m.handled == []
    assert len(m.fallbacks) == 4


def test_many_remembered_accesses_coexist() -> None:
    """More remembered accesses than a small direct-mapped table could hold are all reused."""
    body = "\n".join(f"mov dword ptr [rbx + {8 * i}], ecx" for i in range(300))
    code = assemble(f"mov rbx, {WINDOW}\nmov r12, 2\nagain:\n{body}\ndec r12\njnz again")
    m = Machine(code)
    m.hooks.arm(m.handlers(), 10_000)
    m.run()
    assert len(m.fallbacks) == 300
    assert m.hooks.take_counts() == {"MmioWrite": 300}


# ---- without the native module, bad input, lifetime --------------------------------------------


def test_without_the_native_module_every_exit_goes_to_the_fallbacks() -> None:
    m = Machine(calls(2) + accesses(2), native=False)
    m.hooks.arm(m.handlers(), 100)
    m.run()
    assert not m.hooks.native
    assert m.handled == []
    assert [f[0] for f in m.fallbacks] == ["intr", "intr", "write", "read", "write", "read"]
    assert m.hooks.take_counts() == {}


def test_bad_configuration_is_an_ax_error() -> None:
    m = Machine(calls(1))
    with pytest.raises(AxError, match="at most 4 guards"):
        CallRule(INTNO, ((1, 1),) * 5, 1, (), 1)
    with pytest.raises(AxError, match="already installed"):
        m.hooks.hook_intr(m.on_intr)
    with pytest.raises(AxError, match="one pair of fallbacks"):
        m.hooks.hook_windows([DeviceWindow(WINDOW, 0x10, True, "other")], m.on_write, m.on_read)
    with pytest.raises(AxError, match="2 or 4 long"):
        m.hooks.remember(CODE, WINDOW, True, CODE, b"\x90" * 3, x86.UC_X86_REG_RBX, 0, 4)
    with pytest.raises(AxError, match="width must be 1, 2, 4 or 8") as caught:
        m.hooks.remember(CODE, WINDOW, True, CODE, b"\x90" * 4, x86.UC_X86_REG_RBX, 0, 3)
    assert caught.value.kind is AxErrorKind.InvalidInput


def test_dropping_the_hooks_removes_them_from_a_live_instance() -> None:
    m = Machine(calls(2))
    uc = m.uc
    m.hooks.arm(m.handlers(), 100)
    del m.hooks
    m.on_intr = None  # type: ignore[assignment]
    gc.collect()
    with pytest.raises(UcError, match="UC_ERR_EXCEPTION"):  # no INTR hook is left to take int 0x80
        uc.emu_start(CODE, CODE + len(m.code))
    assert m.handled == []


def test_instances_dropped_in_a_cycle_are_collected_safely() -> None:
    for _ in range(20):
        m = Machine(calls(1))
        m.hooks.arm(m.handlers(), 100)
        m.run()
        del m
    gc.collect()
    fresh = Machine(calls(2))
    fresh.hooks.arm(fresh.handlers(), 100)
    fresh.run()
    assert len(fresh.handled) == 2


class BudgetServices:
    """The two VmmServices methods ExitHooks.start/report/stop use, recording what they are told."""

    def __init__(self, handlers: FastExitHandlers | None, budget: int) -> None:
        self.handlers = handlers
        self.budget = budget
        self.reports: list[dict[str, int]] = []

    def fast_exit_handlers(self) -> FastExitHandlers | None:
        return self.handlers

    def fast_exits_done(self, vcpu_id: int, counts: dict[str, int]) -> int:
        self.reports.append(dict(counts))
        return self.budget


def test_start_report_spend_and_stop_follow_the_vmm() -> None:
    m = Machine(calls(5))
    services = BudgetServices(m.handlers(), 2)
    assert m.hooks.start(services, 0)  # type: ignore[arg-type]
    assert services.reports == [{}]
    m.run()
    assert len(m.handled) == 2
    m.hooks.report(services, 0)  # type: ignore[arg-type]
    assert services.reports == [{}, {"Hypercall": 2}]
    m.hooks.report(services, 0)  # type: ignore[arg-type]
    assert services.reports == [{}, {"Hypercall": 2}]  # nothing new: the VMM is not called
    m.hooks.spend()
    m.hooks.spend()
    m.hooks.spend()  # never below zero
    m.hooks.stop(services, 0)  # type: ignore[arg-type]
    m.handled.clear()
    m.run()
    assert m.handled == []  # stopped: every call goes to the fallback
    assert not m.hooks.start(BudgetServices(None, 5), 0)  # type: ignore[arg-type]


def test_spend_takes_one_exit_of_the_budget() -> None:
    m = Machine(calls(3))
    services = BudgetServices(m.handlers(), 2)
    m.hooks.start(services, 0)  # type: ignore[arg-type]
    m.hooks.spend()
    m.run()
    assert len(m.handled) == 1


# ---- kicks and in-flight accesses -------------------------------------------------------------


def run_with_kicks(m: Machine, kick: Callable[[], None]) -> int:
    """Run `m` to its end while another thread kicks it at random; restart after each stop. Returns the runs."""
    done = threading.Event()

    def kicker() -> None:
        while not done.is_set():
            time.sleep(random.random() * 0.0001)
            kick()

    thread = threading.Thread(target=kicker)
    thread.start()
    pc, end, runs = CODE, CODE + len(m.code), 0
    try:
        while pc != end:
            m.hooks.emu_start(pc, end)
            m.hooks.clear_kick()
            runs += 1
            pc = m.reg(x86.UC_X86_REG_RIP)
    finally:
        done.set()
        thread.join()
    return runs


def written(m: Machine) -> list[int]:
    return [entry[3] for entry in m.fallbacks + m.handled if entry[0] == "write"]  # type: ignore[misc]


def test_unicorn_repeats_an_access_stopped_in_flight() -> None:
    """The quirk `kick` works around (unicorn 2.1.4): a raw emu_stop makes accesses run twice."""
    m = Machine(accesses(20_000), learn=False)
    runs = run_with_kicks(m, m.uc.emu_stop)
    assert runs > 1
    assert len(written(m)) > 20_000  # some stores reached the device twice


@pytest.mark.parametrize("learn", [False, True], ids=["python-fallback", "native"])
def test_kicks_never_repeat_or_lose_an_access(learn: bool) -> None:
    count = 20_000
    m = Machine(accesses(count), learn=learn)
    m.hooks.arm(m.handlers(), 1 << 40)
    runs = run_with_kicks(m, m.hooks.kick)
    assert runs > 1
    assert written(m) == [0x11223344 + i for i in range(count)]  # each once, in order
    assert m.reg(x86.UC_X86_REG_R14) == count * 0xABCD1234 % 2**64  # every load got its value once
