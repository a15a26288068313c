"""The arm32 hardware model: runs the guest on Unicorn (32-bit Arm, ARM state) and produces the
trap records of the example model, one per exit.

For every exit it does the same four steps: build the raw `Arm32Trap`, hand it to the pure
decoder, apply the resume PC, and report it with `services.on_exit` (True: the VMM completed it,
keep running; False: stop and return the exit from `run()`). How each trap reaches Python:

| guest event | Unicorn shows it as | handled |
|---|---|---|
| `svc #imm` | `UC_HOOK_INTR` intno 2, PC already past the SVC | inside the hook |
| access to unmapped memory | `UC_HOOK_MEM_UNMAPPED`; `emu_start` raises, PC at the insn | after `emu_start` |
| end of slice, kick, run bound | `emu_start` returns by itself | after `emu_start` |

Every device window stays unmapped, including windows the VM spec asks to `hook`: the example
keeps one MMIO path (stop/restart: free until touched, then one CPU restart per access). A faster
plugin shadow-maps hooked windows and handles those accesses in the hook, through
`axvcpu_core.fastexit.ExitHooks`; it must then stop a running CPU only with `ExitHooks.kick()`
(unicorn 2.1.4 runs a hooked access again when a stop lands while it is in flight). With no
memory hook, as here, `uc.emu_stop()` is safe.
There is no per-instruction hook: the guest runs at full Unicorn speed between exits.
"""

from __future__ import annotations

from typing import NoReturn, Self

from pydantic import BaseModel
from unicorn import UC_ARCH_ARM, UC_HOOK_INTR, UC_HOOK_MEM_UNMAPPED, UC_MODE_ARM, UC_QUERY_TIMEOUT, Uc, UcError
from unicorn.unicorn_const import UC_MEM_FETCH_UNMAPPED, UC_MEM_READ_UNMAPPED, UC_MEM_WRITE_UNMAPPED

from axvcpu_core.addr import GuestPhysAddr, HostPhysAddr
from axvcpu_core.arch import ArchVCpu
from axvcpu_core.engine import flush_tlb, map_guest_ram, new_uc
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import Nothing, VmExit
from axvcpu_core.services import VmmServices
from axvcpu_core.unicorn_fast import FastUc

from .config import Arm32CreateConfig, Arm32SetupConfig
from .decoder import decode
from .record import M32, Access, Arm32Trap, Cause
from .registers import CPSR_THUMB, PC, R0, R2, UC_CPSR, UC_GPR_IDS

UNTIL = 0xFFFF_FFFF
"""An `until` address the guest never reaches: ARM-state PCs are 4-byte aligned."""
EXCP_SWI = 2
"""Unicorn's (QEMU's) exception number for SVC."""
_ABORTS: dict[int, tuple[Cause, Access]] = {
    UC_MEM_READ_UNMAPPED: ("data_abort", "read"),
    UC_MEM_WRITE_UNMAPPED: ("data_abort", "write"),
    UC_MEM_FETCH_UNMAPPED: ("prefetch_abort", "execute"),
}


class Arm32VCpu(ArchVCpu):
    """One vCPU of the example model on its own Unicorn instance."""

    CreateConfig = Arm32CreateConfig
    SetupConfig = Arm32SetupConfig

    def __init__(self, vcpu_id: int, config: Arm32CreateConfig, services: VmmServices) -> None:
        self.vcpu_id = vcpu_id
        self.services = services
        self.uc = new_uc(UC_ARCH_ARM, UC_MODE_ARM)
        map_guest_ram(self.uc, services.guest_memory())  # device windows stay unmapped (see above)
        self.fast = FastUc(self.uc)
        self._snapshot = self.fast.batch_reader([*UC_GPR_IDS, UC_CPSR])  # r0..r15 and CPSR in one C call
        self.uc.hook_add(UC_HOOK_INTR, self._on_intr)
        self.uc.hook_add(UC_HOOK_MEM_UNMAPPED, self._on_unmapped)
        self.stage2_root = 0
        self._exit: VmExit | None = None
        self._fault: tuple[int, int] | None = None
        self._kicked = False
        self.set_gpr(R2, config.dtb_addr)

    # ---- the ArchVCpu contract ---------------------------------------------------------------
    @classmethod
    def new(cls, vm_id: int, vcpu_id: int, config: BaseModel, services: VmmServices) -> Self:
        """A vCPU in its reset state (SVC mode, ARM state, r2 = DTB address)."""
        if not isinstance(config, Arm32CreateConfig):
            _refuse(AxErrorKind.InvalidInput, f"vCPUs need an Arm32CreateConfig, not {type(config).__name__}")
        return cls(vcpu_id, config, services)

    def set_entry(self, entry: GuestPhysAddr) -> None:
        """The PC of the first (or next) entry; ARM state needs a 4-byte aligned address."""
        if entry % 4 or not 0 <= entry <= M32:
            _refuse(AxErrorKind.InvalidInput, f"entry {int(entry):#x} is not a 4-byte aligned 32-bit address")
        self.fast.reg_write(UC_GPR_IDS[PC], int(entry))

    def set_ept_root(self, root: HostPhysAddr) -> None:
        """Record the stage-2 root (stage 2 itself is modelled by the VM's address space)."""
        if root % 0x1000 or not 0 <= root < 1 << 40:
            _refuse(AxErrorKind.InvalidInput, f"stage-2 root {int(root):#x} must be 4 KiB aligned, below 2**40")
        self.stage2_root = int(root)

    def setup(self, config: BaseModel) -> None:
        """Nothing to set up: the reset state is fixed."""
        if not isinstance(config, Arm32SetupConfig):
            _refuse(AxErrorKind.InvalidInput, f"setup needs an Arm32SetupConfig, not {type(config).__name__}")

    def bind(self) -> None:
        """Load the vCPU on the current physical CPU: its cached translations are not valid there."""
        flush_tlb(self.uc)

    def unbind(self) -> None:
        """Take the vCPU off the physical CPU."""
        flush_tlb(self.uc)

    def set_gpr(self, index: int, value: int) -> None:
        """r<index> = value, truncated to 32 bits (the VMM writes -1 as 2**64 - 1)."""
        self.fast.reg_write(UC_GPR_IDS[_checked(index)], value & M32)

    def get_gpr(self, index: int) -> int:
        """r<index> (r15 is the address of the next instruction to run)."""
        return self.fast.reg_read(UC_GPR_IDS[_checked(index)])

    def inject_interrupt(self, vector: int) -> None:
        """Refused: the example model has no virtual interrupt controller."""
        _refuse(AxErrorKind.Unsupported, f"cannot inject interrupt {vector}: the model has no interrupts")

    def set_return_value(self, value: int) -> None:
        """r0 = value (hypercall results)."""
        self.set_gpr(R0, value)

    def kick(self, external_vector: int | None = None) -> None:
        """Make a `run()` in progress return soon (the VMM's watchdog thread calls this).

        Host interrupts (`external_vector`) are refused: the model has no interrupts.
        """
        if external_vector is not None:
            _refuse(AxErrorKind.Unsupported, f"no host interrupt {external_vector}: the model has no interrupts")
        self._kicked = True
        self.uc.emu_stop()

    # ---- the run loop ---------------------------------------------------------------------------
    def run(self) -> VmExit:
        """Run the guest until the VMM must see an exit, or the slice / run bound ends."""
        self._exit = None
        while True:
            if self._kicked:  # a kick between two emu_start calls: emu_start would forget it
                return self._end_of_slice(0)
            count = self.services.slice_instructions()
            try:
                self.uc.emu_start(self._resume_address(), UNTIL, self._timeout_us(), count)
            except UcError as err:
                if self._fault is None:
                    _refuse(AxErrorKind.BadState, f"vCPU {self.vcpu_id}: guest stopped: {err}")
                exit_ = self._report(self._abort_trap(), None)
                if exit_ is None:
                    continue  # the VMM emulated the access: restart at the resume PC
                return exit_
            if self._exit is not None:
                return self._exit  # the SVC hook stopped the CPU for the VMM
            return self._end_of_slice(count)

    def _end_of_slice(self, count: int) -> VmExit:
        """`emu_start` returned by itself (slice over, kicked, timed out): report the host's
        time-slice interrupt (Nothing) and yield to the VMM.

        A guest WFI also returns here (Unicorn ends the run after it): the model has no interrupts to
        wait for, so WFI acts as the end of the slice and the guest continues after it.
        """
        kicked, self._kicked = self._kicked, False
        if count and not kicked and not self.uc.query(UC_QUERY_TIMEOUT):
            self.services.retired_instructions(self.vcpu_id, count)  # the whole slice ran
        values = self._snapshot()
        exit_ = self._report(Arm32Trap("irq", values[PC], regs=tuple(values[:16])), values[PC])
        return exit_ if exit_ is not None else Nothing()  # the slice is over either way

    def _report(self, trap: Arm32Trap, natural_next: int | None) -> VmExit | None:
        """Decode, apply the resume PC, tell the VMM. Returns the exit if the VMM wants it back, else None."""
        decoded = decode(trap, self.services)
        if decoded.next_pc != natural_next:
            self.fast.reg_write(UC_GPR_IDS[PC], decoded.next_pc)
        if self.services.on_exit(self.vcpu_id, trap.pc, trap, decoded):
            return None
        return decoded.exit

    # ---- Unicorn hooks ---------------------------------------------------------------------------
    def _on_intr(self, uc: Uc, intno: int, user_data: object) -> None:
        """SVC: build the record, decode and report it without leaving the hook.

        An AxError raised here stops the CPU and comes out of `emu_start` (and so out of `run()`).
        """
        values = self._snapshot()
        if intno != EXCP_SWI:
            _refuse(AxErrorKind.Unsupported, f"guest exception {intno} (near pc {values[PC]:#x}) is not modelled")
        _require_arm_state(values[16], values[PC])
        pc = (values[PC] - 4) & M32  # Unicorn reports SVC with the PC already past it
        trap = Arm32Trap("svc", pc, regs=tuple(values[:16]), insn_bytes=self.fast.mem_read(pc, 4))
        self._exit = self._report(trap, values[PC])
        if self._exit is not None:
            uc.emu_stop()

    def _on_unmapped(self, uc: Uc, access: int, address: int, size: int, value: int, user_data: object) -> bool:
        """Remember the access; returning False makes `emu_start` raise with the PC at the instruction."""
        self._fault = (access, address)
        return False

    def _abort_trap(self) -> Arm32Trap:
        """The record of the unmapped access that stopped the CPU."""
        assert self._fault is not None
        access, address = self._fault
        self._fault = None
        values = self._snapshot()
        cause, kind = _ABORTS[access]
        if cause == "prefetch_abort":
            return Arm32Trap(cause, address, address, kind, tuple(values[:16]))
        pc = values[PC]
        _require_arm_state(values[16], pc)
        return Arm32Trap(cause, pc, address, kind, tuple(values[:16]), self.fast.mem_read(pc, 4))

    # ---- helpers ---------------------------------------------------------------------------------
    def _resume_address(self) -> int:
        """Where emu_start resumes: Unicorn takes the Thumb state from bit 0 of the start address."""
        pc = self.fast.reg_read(UC_GPR_IDS[PC])
        return pc | 1 if self.fast.reg_read(UC_CPSR) & CPSR_THUMB else pc

    def _timeout_us(self) -> int:
        """The run bound in microseconds (emu_start's unit); 0 (none) when the VMM kicks instead."""
        bound = self.services.run_timeout_ns()
        return 0 if bound is None else max(1, bound // 1000)


def _refuse(kind: AxErrorKind, message: str) -> NoReturn:
    raise AxError(kind, f"arm32 example: {message}")


def _checked(index: int) -> int:
    if not 0 <= index < 16:
        _refuse(AxErrorKind.InvalidInput, f"the registers are r0..r15, not r{index}")
    return index


def _require_arm_state(cpsr: int, pc: int) -> None:
    """The example decodes ARM (A32) instructions only."""
    if cpsr & CPSR_THUMB:
        _refuse(AxErrorKind.Unsupported, f"a trap in Thumb state (near pc {pc:#x}) is not modelled")
