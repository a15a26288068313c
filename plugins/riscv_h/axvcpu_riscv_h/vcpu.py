"""The riscv64 vCPU: the hardware model that runs a VS-mode guest on Unicorn and produces the trap
records an H hart would hand its hypervisor (scause, stval, htval, htinst, sepc).

Exits are handled inside the Unicorn hook when possible (SBI calls, shadow-page MMIO, virtual
instructions): the record is decoded, the decoder's actions applied, and the VMM told through
`services.on_exit`; emulation stops only when the VMM asks for it, on WFI, on an access to unmapped
guest-physical memory, at the end of a scheduling slice and for a timer interrupt.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel
from unicorn import (
    UC_HOOK_CODE,
    UC_HOOK_INSN_INVALID,
    UC_HOOK_MEM_UNMAPPED,
    UC_PROT_EXEC,
    UC_QUERY_TIMEOUT,
    Uc,
    UcError,
)
from unicorn.unicorn_const import UC_MEM_FETCH_UNMAPPED, UC_MEM_WRITE_UNMAPPED

from axvcpu_core.addr import GuestPhysAddr, HostPhysAddr
from axvcpu_core.arch import ArchVCpu
from axvcpu_core.descriptor import Decoded
from axvcpu_core.engine import flush_tlb
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import MmioRead, MmioWrite, VmExit
from axvcpu_core.fastexit import CallRule
from axvcpu_core.services import VmmServices

from . import actions as act
from .apply import APPLY
from .config import RiscvCreateConfig, RiscvSetupConfig
from .csrs import (
    EBREAK,
    ECALL,
    HSTATUS_GVA,
    HSTATUS_RESET,
    HVIP_FOR_VECTOR,
    HVIP_TO_SIP,
    HVIP_VSSIP,
    HVIP_VSTIP,
    INTERRUPT,
    M64,
    NS_PER_TICK,
    SIP_SSIP,
    SSTATUS_SIE,
    WFI,
)
from .decoder import decode
from .hart import PC, PRIV, PRIV_S, PRIV_U, SATP, SIE, SSTATUS, UnicornHart, gpr_id
from .htinst import InsnInfo, counter_reads, insn_info, is_virtual_instruction
from .percpu import RiscvPerCpu
from .record import RiscvTrap
from .sbi import EID_HVC, EID_REG, HVC_ARG_REGS, HVC_NR_REG

UNTIL = M64
"""An odd address the guest can never execute: emu_start never stops on it."""
_ECALL_BYTES = ECALL.to_bytes(4, "little")
_SOFTWARE, _TIMER, _EXTERNAL = INTERRUPT | 1, INTERRUPT | 5, INTERRUPT | 9
_MEM_CAUSE = {UC_MEM_WRITE_UNMAPPED: 23, UC_MEM_FETCH_UNMAPPED: 20}
_SIP_MASK = 0x222
_MAX_BLOCK_WALK = 64
_A0 = gpr_id(10)
_ECALL_INTNO = 8
"""Unicorn's interrupt number for ecall (from U or S; PRIV tells which)."""
HVC_CALL_RULE = CallRule(
    _ECALL_INTNO,
    ((PRIV, PRIV_S), (gpr_id(EID_REG), EID_HVC)),
    gpr_id(HVC_NR_REG),
    tuple(gpr_id(i) for i in HVC_ARG_REGS),
    _A0,
)
"""The decoder's HVC rule (sbi.py) in Unicorn registers, for hypercalls completed natively."""
_SATP_MODE = 0xF << 60


class RiscvVCpu(ArchVCpu):
    """One RV64 H-extension vCPU on its own Unicorn instance."""

    CreateConfig = RiscvCreateConfig
    SetupConfig = RiscvSetupConfig

    def __init__(self, vm_id: int, vcpu_id: int, config: RiscvCreateConfig, services: VmmServices) -> None:
        self.vm_id = vm_id
        self.vcpu_id = vcpu_id
        self.hart_id = vcpu_id if config.hart_id is None else config.hart_id
        self.services = services
        self.htinst_transformed = config.htinst == "transformed"
        self.hart = UnicornHart(services.guest_memory(), services.device_windows())
        self.fast = self.hart.fast
        uc = self.hart.uc
        self.exits = self.hart.exits
        self.exits.hook_intr(self._on_intr)
        self.exits.hook_windows(self.hart.hooked_windows, self._on_mem_read, self._on_mem_write)
        self.exits.set_call_rule(HVC_CALL_RULE)
        self.exits.set_translation_guard(SATP, _SATP_MODE)
        self._fast_on = False
        uc.hook_add(UC_HOOK_MEM_UNMAPPED, self._on_unmapped)
        uc.hook_add(UC_HOOK_INSN_INVALID, self._on_invalid)
        self._hook_counter_reads(services)
        # One batched read per exit: PC, PRIV, SATP, then x0..x31 (x0 reads 0) as the record's regs.
        self._snapshot = self.fast.batch_reader([PC, PRIV, SATP, *(gpr_id(i) for i in range(32))])
        self.hstatus = HSTATUS_RESET
        self.hvip = 0
        self.hgatp = 0
        self._deadline: int | None = None  # timer deadline in ticks
        self._exit: VmExit | None = None
        self._last_decoded: Decoded | None = None
        self._kicked = False
        self._host_irq = False
        self._pending_read: tuple[int, int, int] | None = None
        self._fault: tuple[int, int, int, int] | None = None
        self.set_gpr(10, self.hart_id)
        self.set_gpr(11, config.dtb_addr)

    # ---- contract --------------------------------------------------------------------------
    @classmethod
    def new(cls, vm_id: int, vcpu_id: int, config: BaseModel, services: VmmServices) -> Self:
        """Create the hart in the SBI boot state: a0 = hart id, a1 = DTB, VS-mode, vsatp = 0."""
        if not isinstance(config, RiscvCreateConfig):
            raise AxError(
                AxErrorKind.InvalidInput, f"riscv64 vCPUs need a RiscvCreateConfig, got {type(config).__name__}"
            )
        return cls(vm_id, vcpu_id, config, services)

    def set_entry(self, entry: GuestPhysAddr) -> None:
        """sepc of the first entry (vsatp = 0, so GVA = GPA)."""
        self.hart.pc = int(entry)

    def set_ept_root(self, root: HostPhysAddr) -> None:
        """hgatp = Sv39x4 (or Sv48x4) | VMID 0 | root PPN; the root must be 16 KiB aligned, below 2**56."""
        value = int(root)
        if value % 0x4000 or value >= 1 << 56:
            raise AxError(AxErrorKind.InvalidInput, f"G-stage root {value:#x} must be 16 KiB aligned and below 2**56")
        self.hgatp = (RiscvPerCpu.G_STAGE.hgatp_mode << 60) | (value >> 12)
        flush_tlb(self.hart.uc)

    def setup(self, config: BaseModel) -> None:
        """No further setup: the reset state is fixed (riscv-h.md §9)."""
        if not isinstance(config, RiscvSetupConfig):
            raise AxError(
                AxErrorKind.InvalidInput, f"riscv64 setup needs a RiscvSetupConfig, got {type(config).__name__}"
            )

    def bind(self) -> None:
        """Load the vCPU on the hart: flush the simulated translation caches."""
        flush_tlb(self.hart.uc)

    def unbind(self) -> None:
        """Save the vCPU off the hart: flush the simulated translation caches."""
        flush_tlb(self.hart.uc)

    def set_gpr(self, index: int, value: int) -> None:
        """x<index> = value (x0 ignored). During an in-hook MMIO read it supplies the loaded value."""
        if not 0 <= index < 32:
            raise AxError(AxErrorKind.InvalidInput, f"riscv64 has registers x0..x31, not x{index}")
        pending = self._pending_read
        if pending is not None and pending[0] == index:
            _, addr, width = pending
            self.fast.mem_write(addr, (value & M64).to_bytes(8, "little")[:width])
            self._pending_read = None
        elif index:
            self.fast.reg_write(gpr_id(index), value)

    def get_gpr(self, index: int) -> int:
        """x<index> (x0 reads 0)."""
        if not 0 <= index < 32:
            raise AxError(AxErrorKind.InvalidInput, f"riscv64 has registers x0..x31, not x{index}")
        return self.fast.reg_read(gpr_id(index)) if index else 0

    def inject_interrupt(self, vector: int) -> None:
        """1 -> hvip.VSSIP, 5 -> hvip.VSTIP, 9 -> hvip.VSEIP; the guest takes it when it enables it."""
        bit = HVIP_FOR_VECTOR.get(vector)
        if bit is None:
            raise AxError(AxErrorKind.InvalidInput, f"riscv64 injects interrupts 1, 5 or 9, not {vector}")
        self.hvip |= bit
        self._sync_lines()

    def clear_external_interrupt(self) -> None:
        """Drop hvip.VSEIP (level-triggered external interrupt line from the VMM's interrupt controller)."""
        self.hvip &= ~HVIP_FOR_VECTOR[9]
        self._sync_lines()

    def set_return_value(self, value: int) -> None:
        """a0 = value."""
        if self._pending_read is None:
            self.fast.reg_write(_A0, value)
        else:
            self.set_gpr(10, value)

    def kick(self, external_vector: int | None = None) -> None:
        """Stop a running guest soon (thread-safe); with vector 9, as a host external interrupt."""
        if external_vector is not None:
            if external_vector != 9:
                raise AxError(
                    AxErrorKind.InvalidInput,
                    f"riscv64 host interrupts are supervisor external interrupts (9), not {external_vector}",
                )
            self._host_irq = True
        self._kicked = True
        self.exits.kick()

    # ---- the run loop ----------------------------------------------------------------------
    def run(self) -> VmExit:
        """Run the guest until an exit the VMM must handle, a halt, or the end of the slice."""
        self._exit = None
        self._fast_on = self.exits.start(self.services, self.vcpu_id)
        try:
            return self._run_until_exit()
        finally:
            if self._fast_on:
                self._fast_on = False
                self.exits.stop(self.services, self.vcpu_id)

    def _run_until_exit(self) -> VmExit:
        while True:
            if self._host_irq:
                self._host_irq = False
                if not self._signal(_EXTERNAL):
                    return self._take_exit()
            if self._timer_due() and not self._signal(_TIMER):
                return self._take_exit()
            if self._kicked:  # a kick between two guest runs: emu_start would forget it
                self._kicked = False
                self.exits.clear_kick()
                self._signal(_SOFTWARE)
                return self._take_last()
            self._sync_back_ssip()
            count = self.services.slice_instructions()
            try:
                self.exits.emu_start(self.hart.pc, UNTIL, self._timeout_us(), count)
            except UcError as err:
                if self._fault is None:
                    raise AxError(AxErrorKind.BadState, f"riscv64 vCPU {self.vcpu_id}: guest stopped: {err}") from err
                if not self._unmapped_access():
                    return self._take_exit()
                continue
            if self._exit is not None:
                return self._take_exit()
            stop = self._quiet_return(count)
            if stop is not None:
                return stop

    def _take_exit(self) -> VmExit:
        exit_, self._exit = self._exit, None
        assert exit_ is not None
        self._sync_back_ssip()
        return exit_

    def _quiet_return(self, count: int) -> VmExit | None:
        """emu_start returned by itself: a kick, WFI, the timer, or the end of the slice."""
        if self._kicked:
            return None  # the loop presents a host interrupt or the timer first, then yields
        pc = self.hart.pc
        if self._word_at(pc - 4) == WFI:
            if self._interrupt_ready():
                return None  # WFI completes at once: an enabled interrupt is pending
            if not self._signal_at(
                RiscvTrap(22, WFI, 0, 0, (pc - 4) & M64, self.hstatus, self._regs(), _word(WFI)), pc
            ):
                return self._take_exit()
            return None
        if self._timer_due():
            return None
        if count and not self.hart.uc.query(UC_QUERY_TIMEOUT):
            self.services.retired_instructions(self.vcpu_id, count)
        self._signal(_SOFTWARE)  # the slice (or the services' own run bound) is over; yield to the VMM
        return self._take_last()

    def _take_last(self) -> VmExit:
        assert self._last_decoded is not None
        exit_, self._exit = self._last_decoded.exit, None
        self._sync_back_ssip()
        return exit_

    # ---- trap delivery ---------------------------------------------------------------------
    def _regs(self) -> tuple[int, ...]:
        """x0..x31 now (one batched read)."""
        return self._snapshot()[3:]

    def _signal(self, scause: int) -> bool:
        """Report an interrupt trap (sepc = the next instruction); False if the VMM wants the exit."""
        pc = self.hart.pc
        return self._signal_at(RiscvTrap(scause, 0, 0, 0, pc, self.hstatus, self._regs(), b""), pc)

    def _signal_at(self, trap: RiscvTrap, natural_next: int | None) -> bool:
        """Decode a trap, apply its actions, resume at next_pc, tell the VMM; False = stop."""
        decoded = self.decode_trap(trap)
        self._last_decoded = decoded
        for action in decoded.actions:
            self._apply(action)
        if decoded.next_pc != natural_next:
            self.hart.pc = decoded.next_pc
        if self._fast_on:
            self.exits.report(self.services, self.vcpu_id)
        completed = self.services.on_exit(self.vcpu_id, trap.sepc, trap, decoded)
        if self._fast_on:
            self.exits.spend()
        if completed:
            return True
        self._exit = decoded.exit
        return False

    def decode_trap(self, trap: RiscvTrap) -> Decoded:
        """Hand a trap record to the pure decoder (a subclass may substitute another decoder)."""
        return decode(trap, self.services)

    def _apply(self, action: object) -> None:
        kind = type(action)
        if kind is act.SetGpr:
            self.set_gpr(action.index, action.value)  # type: ignore[attr-defined]
        else:
            APPLY[kind](self, action)

    # ---- hooks -----------------------------------------------------------------------------
    def _on_intr(self, uc: Uc, intno: int, user_data: object) -> None:
        values = self._snapshot()
        pc = values[0]
        if intno == 8:
            if values[1] == PRIV_U:
                self.hart.enter_guest_trap(8, 0, pc - 4)
                return
            trap = RiscvTrap(10, 0, 0, 0, (pc - 4) & M64, self.hstatus, values[3:], _ECALL_BYTES)
            if not self._signal_at(trap, pc):
                uc.emu_stop()
            return
        if intno == 2:
            self._illegal_instruction((pc - 4) & M64, uc)
            return
        if intno in (0, 12, 13, 15):
            self.hart.enter_guest_trap(intno, 0, (pc - 4) & M64)
            return
        trap = RiscvTrap(intno, 0, 0, 0, (pc - 4) & M64, self.hstatus, self._regs(), b"")
        self._signal_at(trap, pc)  # undelegated causes: the decoder raises Unsupported naming them

    def _illegal_instruction(self, fault_pc: int, uc: Uc) -> None:
        word = self._word_at(fault_pc)
        if word & 3 != 3:
            self.hart.enter_guest_trap(2, word & 0xFFFF, fault_pc)
            return
        if not is_virtual_instruction(word):
            self.hart.enter_guest_trap(2, word, fault_pc)
            return
        trap = RiscvTrap(22, word, 0, 0, fault_pc, self.hstatus, self._regs(), _word(word))
        if not self._signal_at(trap, None):
            uc.emu_stop()

    def _on_invalid(self, uc: Uc, user_data: object) -> bool:
        pc = self.fast.reg_read(PC)
        if self._word_at(pc) == EBREAK:
            self.hart.enter_guest_trap(3, pc, pc)
            return True
        return False

    def _hook_counter_reads(self, services: VmmServices) -> None:
        """Unicorn reads cycle/instret/hpmcounter natively; real harts with hcounteren = 0 trap.

        Counter reads found by pre-decoding the loaded code get a code hook bounded to their address.
        """
        for start, end in services.code_ranges():
            for address in counter_reads(services.read_guest(start, end - start), start):
                self.hart.uc.hook_add(UC_HOOK_CODE, self._on_counter_read, begin=address, end=address)

    def _on_counter_read(self, uc: Uc, address: int, size: int, user_data: object) -> None:
        word = self._word_at(address)
        trap = RiscvTrap(22, word, 0, 0, address, self.hstatus, self._regs(), _word(word))
        if not self._signal_at(trap, None):
            uc.emu_stop()

    def _on_mem_write(self, uc: Uc, access: int, address: int, size: int, value: int, user_data: object) -> None:
        self._shadow_access(uc, 23, address, size, value & ((1 << (8 * size)) - 1))

    def _on_mem_read(self, uc: Uc, access: int, address: int, size: int, value: int, user_data: object) -> None:
        self._shadow_access(uc, 21, address, size, None)

    def _shadow_access(self, uc: Uc, scause: int, address: int, size: int, written: int | None) -> None:
        """An access to a hooked device window, handled in the hook (the MMIO path the native one learns from)."""
        values = self._snapshot()
        reported_pc = pc = values[0]
        regs = values[3:]
        paging = values[2] >> 60 != 0
        info = self._fetch(pc, paging)
        operand = info.operand
        gva = -1 if operand is None else (regs[operand[0]] + operand[1]) & M64
        if gva != address and (not paging or gva & 0xFFF != address & 0xFFF):
            pc, info, gva = self._locate(pc, address, regs, paging)
        htinst = info.htinst if self.htinst_transformed else 0
        trap = RiscvTrap(scause, gva, address >> 2, htinst, pc, self.hstatus | HSTATUS_GVA, regs, info.raw)
        if written is None and info.load_dest is not None:
            self._pending_read = (info.load_dest, address, size)
        if not self._signal_at(trap, pc + info.length):
            self._stop_in_access(uc)
        elif self._fast_on and not paging:
            self._remember(reported_pc, address, size, written, pc, info)
        self._pending_read = None

    def _stop_in_access(self, uc: Uc) -> None:
        """The VMM wants `run()` to return after an access to a hooked window.

        Stopping now would make Unicorn execute the access again after the restart. An MMIO exit
        reported from a hook has been completed by the VMM (`on_exit` completes every such exit),
        so the stop waits for the next safe point; any other exit (a stage-2 fault) must not
        complete, so it stops now and the instruction runs again when (if) the guest resumes.
        """
        assert self._last_decoded is not None
        if type(self._last_decoded.exit) in (MmioRead, MmioWrite):
            self.exits.kick()
        else:
            uc.emu_stop()

    def _remember(
        self, reported_pc: int, address: int, size: int, written: int | None, pc: int, info: InsnInfo
    ) -> None:
        """Let the native hook reuse the decoder's answer for this access when it is one the hook reproduces:
        an MMIO exit of this address and width with no actions, resuming after the instruction, whose
        data (write) is the stored value or whose register (read) is the load's destination."""
        decoded = self._last_decoded
        assert decoded is not None
        exit_ = decoded.exit
        if decoded.actions or decoded.next_pc != pc + info.length:
            return
        if type(exit_) is MmioWrite:
            reproduced = written is not None and exit_.data == written
        elif type(exit_) is MmioRead:
            reproduced = written is None and exit_.reg == info.load_dest
        else:
            return
        if not reproduced or exit_.addr != address or exit_.width != size or info.operand is None:
            return
        base, offset = info.operand
        self.exits.remember(reported_pc, address, written is not None, pc, info.raw, gpr_id(base), offset, size)

    def _access_trap(
        self, scause: int, gva: int, gpa: int, pc: int, info: InsnInfo, regs: tuple[int, ...]
    ) -> RiscvTrap:
        """A load/store guest-page fault as an H hart reports it: stval = GVA, htval = GPA >> 2."""
        htinst = info.htinst if self.htinst_transformed else 0
        return RiscvTrap(scause, gva, gpa >> 2, htinst, pc, self.hstatus | HSTATUS_GVA, regs, info.raw)

    def _fetch(self, pc: int, paging: bool) -> InsnInfo:
        if paging:
            return insn_info(self._code_bytes(pc, True))
        data = self.fast.mem_read(pc, 4) if (pc & 0xFFF) <= 0xFFC else self._code_bytes(pc, False)
        return insn_info(data)

    def _locate(self, pc: int, address: int, regs: tuple[int, ...], paging: bool) -> tuple[int, InsnInfo, int]:
        """(PC, instruction facts, guest virtual address) of the access to guest-physical `address`.

        Unicorn's PC inside a memory hook is sometimes the start of the translation block rather than
        the accessing instruction; registers are exact, so walk forward to the first load/store whose
        address operand (x[base] + offset) is `address` (with the guest's paging on: has its page offset).
        """
        candidate = pc
        mask = 0xFFF if paging else M64
        for _ in range(_MAX_BLOCK_WALK):
            info = self._fetch(candidate, paging)
            operand = info.operand
            if operand is not None:
                gva = (regs[operand[0]] + operand[1]) & M64
                if gva & mask == address & mask:
                    return candidate, info, gva
            candidate += info.length
        return pc, self._fetch(pc, paging), address

    def _on_unmapped(self, uc: Uc, access: int, address: int, size: int, value: int, user_data: object) -> bool:
        self._fault = (access, address, size, self.fast.reg_read(PC))
        return False

    def _unmapped_access(self) -> bool:
        """Report a guest access to unmapped guest-physical memory (stop/restart path)."""
        assert self._fault is not None
        access, address, _size, pc = self._fault
        self._fault = None
        values = self._snapshot()
        regs = values[3:]
        paging = values[2] >> 60 != 0
        if access == UC_MEM_FETCH_UNMAPPED:
            gva = pc if paging else address
            trap = RiscvTrap(20, gva, address >> 2, 0, gva, self.hstatus | HSTATUS_GVA, regs, b"")
        else:
            pc, info, gva = self._locate(pc, address, regs, paging)
            cause = 23 if info.is_amo else _MEM_CAUSE.get(access, 21)
            trap = self._access_trap(cause, gva, address, pc, info, regs)
        return self._signal_at(trap, None)

    # ---- helpers ---------------------------------------------------------------------------
    def _code_bytes(self, pc: int, paging: bool) -> bytes:
        """The 2 or 4 bytes of the instruction at `pc` (through the guest's translation when it pages)."""
        read = (lambda a, n: self.fast.vmem_read(a, n, UC_PROT_EXEC)) if paging else self.fast.mem_read
        first = read(pc, 2)
        if first[0] & 3 != 3:
            return first
        return first + read(pc + 2, 2)

    def _word_at(self, addr: int) -> int:
        """The instruction at `addr` as an int (0 if it cannot be read)."""
        try:
            return int.from_bytes(self._code_bytes(addr & M64, self.fast.reg_read(SATP) >> 60 != 0), "little")
        except AxError:
            return 0

    def _timer_due(self) -> bool:
        deadline = self._deadline
        if deadline is None or self.hvip & HVIP_VSTIP:
            return False
        return self.services.time_ns() // NS_PER_TICK >= deadline

    def _timeout_us(self) -> int:
        """emu_start's timeout: none when the VMM kicks (run_timeout_ns None), else its bound and the timer."""
        bound = self.services.run_timeout_ns()
        if bound is None:
            return 0
        if self._deadline is not None and not self.hvip & HVIP_VSTIP:
            bound = min(bound, self._deadline * NS_PER_TICK - self.services.time_ns())
        return max(1, bound // 1000)

    def _interrupt_ready(self) -> bool:
        """A pending interrupt the guest enables in sie (WFI wakes whatever sstatus.SIE says)."""
        self._sync_back_ssip()
        return bool(self._sip_bits() & self.fast.reg_read(SIE) & _SIP_MASK)

    def _sip_bits(self) -> int:
        bits = 0
        for hvip_bit, sip_bit in HVIP_TO_SIP:
            if self.hvip & hvip_bit:
                bits |= sip_bit
        return bits

    def _sync_lines(self) -> None:
        self.hart.set_interrupt_lines(self._sip_bits())

    def program_timer(self, ticks: int) -> None:
        """SBI set_timer: replace the one-shot deadline (all ones: never) and clear hvip.VSTIP."""
        self._deadline = None if ticks == M64 else ticks
        self.hvip &= ~HVIP_VSTIP
        self._sync_lines()
        self.services.set_timer(self.vcpu_id, None if ticks == M64 else ticks * NS_PER_TICK)

    def raise_vstip(self) -> None:
        """The timer expired: hvip.VSTIP stays set until the next set_timer."""
        self.hvip |= HVIP_VSTIP
        self._sync_lines()

    def flush_translation_caches(self) -> None:
        """Flush the simulated TLB."""
        flush_tlb(self.hart.uc)

    def enter_resume_state(self, opaque: int) -> None:
        """SBI non-retentive suspend resume state: a0 = hart id, a1 = opaque, vsatp = 0, SIE = 0."""
        self.set_gpr(10, self.hart_id)
        self.set_gpr(11, opaque)
        self.fast.reg_write(SATP, 0)
        self.fast.reg_write(SSTATUS, self.fast.reg_read(SSTATUS) & ~SSTATUS_SIE)

    def _sync_back_ssip(self) -> None:
        """The guest acknowledges an IPI by clearing sip.SSIP: mirror that into hvip.VSSIP."""
        if self.hvip & HVIP_VSSIP and not self.hart.interrupt_lines() & SIP_SSIP:
            self.hvip &= ~HVIP_VSSIP


def _word(value: int) -> bytes:
    return value.to_bytes(4, "little")
