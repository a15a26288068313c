"""Types of the native exit module (axvcpu_core/_fastexit.c); use it through `axvcpu_core.fastexit`."""

from collections.abc import Callable
from typing import Any

def bind_library(
    hook_add: int | None,
    hook_del: int | None,
    reg_read: int | None,
    reg_write: int | None,
    reg_read_batch: int | None,
    mem_read: int | None,
    mem_write: int | None,
    emu_stop: int | None,
    /,
) -> None: ...

class FastExits:
    budget: int
    def __init__(self, uc: Any, handle: int, pc_id: int) -> None: ...
    def hook_intr(self, fallback: Callable[..., object], /) -> None: ...
    def hook_window(
        self, begin: int, end: int, on_read: Callable[..., object], on_write: Callable[..., object], /
    ) -> None: ...
    def set_call_rule(
        self, intno: int, guards: tuple[tuple[int, int], ...], nr_reg: int, arg_regs: tuple[int, ...], ret_reg: int, /
    ) -> None: ...
    def set_translation_guard(self, reg: int, mask: int, /) -> None: ...
    def remember(
        self,
        reported_pc: int,
        address: int,
        is_write: bool,
        insn_pc: int,
        insn: bytes,
        base_reg: int,
        offset: int,
        width: int,
        /,
    ) -> None: ...
    def forget(self) -> None: ...
    def arm(
        self,
        mmio_read: Callable[[int, int], int],
        mmio_write: Callable[[int, int, int], None],
        hypercall: Callable[..., int],
        budget: int,
        /,
    ) -> None: ...
    def disarm(self) -> None: ...
    def kick(self) -> None: ...
    def clear_kick(self) -> None: ...
    def set_running(self, running: bool, /) -> None: ...
    def take_counts(self) -> tuple[int, int, int] | None: ...
