"""The Unicorn CPU that stands in for one H-extension hart.

Unicorn has no H extension, so the guest's VS-mode runs as Unicorn S-mode (PRIV 1) and this class
plays the M-level firmware underneath: delegation set-up, interrupt lines through `mip`, and the
guest's own trap entry for exceptions Unicorn never delivers (unicorn-engine.md §5, §6).
"""

from __future__ import annotations

from collections.abc import Sequence

from unicorn import UC_ARCH_RISCV, UC_MODE_RISCV64
from unicorn import riscv_const as rc

from axvcpu_core.addrspace import GuestAddressSpace
from axvcpu_core.engine import DeviceWindow, map_guest_ram, map_shadow_windows, new_uc
from axvcpu_core.fastexit import ExitHooks
from axvcpu_core.unicorn_fast import FastUc

from .csrs import MEDELEG, MIDELEG, MSTATUS_FS_INITIAL, SSTATUS_SIE, SSTATUS_SPIE, SSTATUS_SPP

X0: int = rc.UC_RISCV_REG_X0
PC = rc.UC_RISCV_REG_PC
PRIV = rc.UC_RISCV_REG_PRIV
MIP = rc.UC_RISCV_REG_MIP
SSTATUS = rc.UC_RISCV_REG_SSTATUS
SATP = rc.UC_RISCV_REG_SATP
SIE = rc.UC_RISCV_REG_SIE
STVEC = rc.UC_RISCV_REG_STVEC
SEPC = rc.UC_RISCV_REG_SEPC
SCAUSE = rc.UC_RISCV_REG_SCAUSE
STVAL = rc.UC_RISCV_REG_STVAL
PRIV_U, PRIV_S, PRIV_M = 0, 1, 3


def gpr_id(index: int) -> int:
    """Unicorn id of x<index>."""
    return X0 + index


class UnicornHart:
    """One Unicorn RV64 instance with the guest's RAM and device windows mapped.

    `hooked_windows` are the windows mapped as shadow RAM; the vCPU hooks them through `exits`.
    """

    def __init__(self, memory: GuestAddressSpace, windows: Sequence[DeviceWindow]) -> None:
        self.uc = new_uc(UC_ARCH_RISCV, UC_MODE_RISCV64)
        map_guest_ram(self.uc, memory)
        self.hooked_windows = map_shadow_windows(self.uc, windows)
        self.fast = FastUc(self.uc)
        self.exits = ExitHooks(self.uc, PC)
        self._firmware_setup()

    def _firmware_setup(self) -> None:
        """At M level: delegate S interrupts and guest exceptions, FP on; then drop to the guest's level."""
        fast = self.fast
        fast.reg_write(PRIV, PRIV_M)
        fast.reg_write(rc.UC_RISCV_REG_MIDELEG, MIDELEG)
        fast.reg_write(rc.UC_RISCV_REG_MEDELEG, MEDELEG)
        fast.reg_write(rc.UC_RISCV_REG_MSTATUS, fast.reg_read(rc.UC_RISCV_REG_MSTATUS) | MSTATUS_FS_INITIAL)
        fast.reg_write(PRIV, PRIV_S)

    @property
    def pc(self) -> int:
        """The current PC."""
        return self.fast.reg_read(PC)

    @pc.setter
    def pc(self, value: int) -> None:
        self.fast.reg_write(PC, value)

    def set_interrupt_lines(self, sip_bits: int) -> None:
        """Drive the guest's SSIP/STIP/SEIP lines (mip at M level), keeping the privilege level."""
        fast = self.fast
        priv = fast.reg_read(PRIV)
        fast.reg_write(PRIV, PRIV_M)
        fast.reg_write(MIP, sip_bits)
        fast.reg_write(PRIV, priv)

    def interrupt_lines(self) -> int:
        """The guest's current sip bits (the guest may have cleared SSIP)."""
        fast = self.fast
        priv = fast.reg_read(PRIV)
        fast.reg_write(PRIV, PRIV_M)
        value = fast.reg_read(MIP)
        fast.reg_write(PRIV, priv)
        return value

    def enter_guest_trap(self, cause: int, tval: int, epc: int) -> None:
        """Take a synchronous exception in the guest's own handler (VS trap entry)."""
        fast = self.fast
        priv = fast.reg_read(PRIV)
        status = fast.reg_read(SSTATUS)
        status &= ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE)
        if status & SSTATUS_SIE or fast.reg_read(SSTATUS) & SSTATUS_SIE:
            status |= SSTATUS_SPIE
        if priv == PRIV_S:
            status |= SSTATUS_SPP
        fast.reg_write(SSTATUS, status)
        fast.reg_write(SEPC, epc)
        fast.reg_write(SCAUSE, cause)
        fast.reg_write(STVAL, tval)
        fast.reg_write(PRIV, PRIV_S)
        fast.reg_write(PC, fast.reg_read(STVEC) & ~3)
