"""The pure RISC-V H trap decoder: `RiscvTrap` + `VmmServices` queries -> `Decoded` (riscv-h.md §2-§6).

No Unicorn and no side effects: the decoder only queries the services (guest memory for SBI
buffers, vCPU status); register results, timer programming, console I/O and hvip changes are
returned as `actions` for the vCPU to apply. Dispatch is a dict on the full scause value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from axvcpu_core.addr import AccessWidth, MappingFlags
from axvcpu_core.descriptor import Decoded, DecoderSpec
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import ExternalInterrupt, MmioRead, MmioWrite, NestedPageFault, SysRegRead, SysRegWrite
from axvcpu_core.services import VmmServices

from . import insn
from .actions import SET_VSTIP, ReadTime
from .record import RiscvTrap, RiscvTrapRecord, dump_record, parse_record
from .sbi import HALT, NOTHING, dispatch

M64 = (1 << 64) - 1
INTERRUPT = 1 << 63

EXCEPTION_NAMES: dict[int, str] = {
    0: "instruction address misaligned", 1: "instruction access fault", 2: "illegal instruction",
    3: "breakpoint", 4: "load address misaligned", 5: "load access fault",
    6: "store/AMO address misaligned", 7: "store/AMO access fault", 8: "environment call from U/VU-mode",
    9: "environment call from HS-mode", 10: "environment call from VS-mode",
    11: "environment call from M-mode", 12: "instruction page fault", 13: "load page fault",
    15: "store/AMO page fault", 16: "double trap", 18: "software check", 19: "hardware error",
    20: "instruction guest-page fault", 21: "load guest-page fault", 22: "virtual instruction",
    23: "store/AMO guest-page fault",
}  # fmt: skip
INTERRUPT_NAMES: dict[int, str] = {
    1: "supervisor software", 2: "VS software", 5: "supervisor timer", 6: "VS timer",
    9: "supervisor external", 10: "VS external", 12: "supervisor guest external", 13: "counter overflow",
}  # fmt: skip

_QWORD = AccessWidth.QWORD
_READ, _WRITE, _EXECUTE = MappingFlags.READ, MappingFlags.WRITE, MappingFlags.EXECUTE
_EXTERNAL = ExternalInterrupt(9)
_TIMER_ACTIONS = (SET_VSTIP,)
_READ_TIME = ((), *((ReadTime(rd),) for rd in range(1, 32)))
_CAUSE_ACCESS = {20: "instruction fetch", 21: "load", 23: "store/AMO"}
_new = tuple.__new__  # hot paths: `_new(Decoded, (exit, next_pc, ()))` skips NamedTuple.__new__
_NO_ACTIONS: tuple[object, ...] = ()


def cause_name(scause: int) -> str:
    """'exception 13 (load page fault)' / 'interrupt 6 (VS timer)' for messages."""
    if scause & INTERRUPT:
        code = scause & ~INTERRUPT
        return f"interrupt {code} ({INTERRUPT_NAMES.get(code, 'reserved or custom')})"
    return f"exception {scause} ({EXCEPTION_NAMES.get(scause, 'reserved or custom')})"


def _unknown_cause(trap: RiscvTrap) -> NoReturn:
    raise AxError(
        AxErrorKind.Unsupported,
        f"scause {trap.scause:#x}: {cause_name(trap.scause)} is not handled by the hypervisor "
        f"(sepc {trap.sepc:#x}); only causes 10, 20-23 and interrupts 1, 5, 9 reach it",
    )


# --- guest-page faults (§4) ---------------------------------------------------------------------


def _implicit(trap: RiscvTrap) -> Decoded:
    """A VS-stage page-table access the G-stage refused: fault on the PTE's GPA (§4.1)."""
    flags = _WRITE if trap.htinst & 0x20 else _READ
    return Decoded(NestedPageFault((trap.htval << 2) & M64, flags), trap.sepc)


def _fetch_fault(trap: RiscvTrap, services: VmmServices) -> Decoded:
    if trap.htinst in insn.PSEUDO_INSTRUCTIONS:
        return _implicit(trap)
    gpa = ((trap.htval << 2) | (trap.stval & 3)) & M64
    return Decoded(NestedPageFault(gpa, _EXECUTE), trap.sepc)


def _inconsistent(trap: RiscvTrap, access: insn.MemAccess) -> NoReturn:
    kind = "store" if access.store else "load"
    source = "htinst" if insn.transformed_word(trap.htinst) else "insn_bytes"
    raise AxError(
        AxErrorKind.InvalidData,
        f"inconsistent trap record: {source} decodes to {access.name} (a {kind}) but scause "
        f"{trap.scause} is a {_CAUSE_ACCESS[trap.scause]} guest-page fault",
    )


def _data_fault(trap: RiscvTrap, services: VmmServices) -> Decoded:
    """A load (21) or store/AMO (23) guest-page fault: MMIO for a single-register access, else the stage-2 rule."""
    if trap.htinst in insn.PSEUDO_INSTRUCTIONS:
        return _implicit(trap)
    store = trap.scause == 23
    access = insn.mem_access(trap.htinst, trap.insn_bytes)
    gpa = ((trap.htval << 2) | (trap.stval & 3)) & M64
    if access is None:
        return Decoded(NestedPageFault(gpa, _WRITE if store else _READ), trap.sepc)
    if access.store != store:
        _inconsistent(trap, access)
    exit_: MmioRead | MmioWrite
    if store:
        exit_ = MmioWrite(gpa, access.width, trap.regs[access.reg] & access.mask)
    else:
        exit_ = MmioRead(gpa, access.width, access.reg, _QWORD, access.signed_ext)
    return _new(Decoded, (exit_, (trap.sepc + access.length) & M64, _NO_ACTIONS))


# --- virtual instruction (§5) and interrupts (§6) -----------------------------------------------


def _virtual_instruction(trap: RiscvTrap, services: VmmServices) -> Decoded:
    op = insn.decode_system(insn.virtual_insn_word(trap.stval, trap.insn_bytes))
    next_pc = (trap.sepc + 4) & M64
    kind = op.kind
    if kind == insn.CSR_READ:
        if op.csr == insn.CSR_TIME:
            return Decoded(NOTHING, next_pc, _READ_TIME[op.operand])
        return Decoded(SysRegRead(op.csr, op.operand), next_pc)
    if kind == insn.CSR_WRITE_REG:
        return Decoded(SysRegWrite(op.csr, trap.regs[op.operand]), next_pc)
    if kind == insn.CSR_WRITE_IMM:
        return Decoded(SysRegWrite(op.csr, op.operand), next_pc)
    return Decoded(HALT, next_pc)


def _software_interrupt(trap: RiscvTrap, services: VmmServices) -> Decoded:
    return Decoded(NOTHING, trap.sepc)


def _timer_interrupt(trap: RiscvTrap, services: VmmServices) -> Decoded:
    return Decoded(NOTHING, trap.sepc, _TIMER_ACTIONS)


def _external_interrupt(trap: RiscvTrap, services: VmmServices) -> Decoded:
    return Decoded(_EXTERNAL, trap.sepc)


CAUSE_TABLE: dict[int, Callable[[RiscvTrap, VmmServices], Decoded]] = {
    10: dispatch,
    20: _fetch_fault,
    21: _data_fault,
    22: _virtual_instruction,
    23: _data_fault,
    INTERRUPT | 1: _software_interrupt,
    INTERRUPT | 5: _timer_interrupt,
    INTERRUPT | 9: _external_interrupt,
}
"""scause -> handler (§2); any other value is AxError(Unsupported) naming the cause."""


def decode(trap: RiscvTrap, services: VmmServices) -> Decoded:
    """Decode one trap into the common exit, its resume PC and the vCPU's actions.

    Raises AxError: Unsupported for causes and virtual instructions the plugin does not handle,
    InvalidData for inconsistent records or missing/short `insn_bytes`, BadAddress for an offline
    legacy send_ipi whose mask cannot be read.
    """
    handler = CAUSE_TABLE.get(trap.scause)
    if handler is None:
        _unknown_cause(trap)
    return handler(trap, services)


def decoder_spec() -> DecoderSpec:
    """The plugin's `DecoderSpec`: JSON model, parse, decode and dump."""
    return DecoderSpec(record_model=RiscvTrapRecord, parse=parse_record, decode=decode, dump=dump_record)
