"""The pure arm32 decoder: `Arm32Trap` -> `Decoded` (common exit + resume PC), or a typed AxError.

Pure: no Unicorn, no side effects, no VMM state, so it decodes recorded traps (`axvcpu decode
--arch arm32`) exactly as live ones. Total: whatever the trap holds, the only exception it raises
is AxError (InvalidData for a record that contradicts itself, Unsupported for a trap the model
does not define). Dispatch is a table on (cause, access).

The made-up trap model:

| guest does | cause / access | exit | resume PC |
|---|---|---|---|
| `svc #0x4856` | svc | Hypercall(nr = r7, args = r0..r5); result in r0 | pc + 4 |
| `svc #0x5344` / `svc #0x5352` | svc | SystemDown(reset = False / True) | pc + 4 |
| LDR/STR... (see `insn`) on unmapped memory | data_abort / read, write | MmioRead / MmioWrite | pc + 4 |
| any other access to unmapped memory | data_abort / read, write | NestedPageFault(READ / WRITE) | pc |
| fetch from unmapped memory | prefetch_abort / execute | NestedPageFault(EXECUTE) | pc |
| (host time-slice interrupt) | irq / none | Nothing | pc |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from axvcpu_core.addr import AccessWidth, MappingFlags
from axvcpu_core.descriptor import Decoded, DecoderSpec
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import Hypercall, MmioRead, MmioWrite, NestedPageFault, Nothing, SystemDown, VmExit
from axvcpu_core.services import VmmServices

from .insn import load_store
from .record import M32, Arm32Trap, Arm32TrapRecord, dump_record, parse_record

SVC_HYPERCALL = 0x4856  # "HV"
SVC_POWEROFF = 0x5344  # "SD"
SVC_RESET = 0x5352  # "SR"
HYPERCALL_NR_REG = 7
_SVC_CLASS = 0x0F00_0000

Handler = Callable[[Arm32Trap, VmmServices], Decoded]


def _invalid(trap: Arm32Trap, message: str) -> NoReturn:
    raise AxError(AxErrorKind.InvalidData, f"arm32 {trap.cause} trap at pc {trap.pc:#x}: {message}")


def _word(trap: Arm32Trap) -> int:
    """The instruction at pc; a record without it cannot be decoded."""
    if len(trap.insn_bytes) != 4:
        _invalid(trap, f"insn_bytes must hold the 4-byte instruction at pc, got {len(trap.insn_bytes)} byte(s)")
    return int.from_bytes(trap.insn_bytes, "little")


# --- svc: the model's calls -----------------------------------------------------------------------


def _hypercall(trap: Arm32Trap) -> VmExit:
    return Hypercall(trap.regs[HYPERCALL_NR_REG], trap.regs[0:6])


SVC_TABLE: dict[int, Callable[[Arm32Trap], VmExit]] = {
    SVC_HYPERCALL: _hypercall,
    SVC_POWEROFF: lambda trap: SystemDown(reset=False),
    SVC_RESET: lambda trap: SystemDown(reset=True),
}
"""SVC immediate -> exit."""


def _svc(trap: Arm32Trap, services: VmmServices) -> Decoded:
    word = _word(trap)
    if word & _SVC_CLASS != _SVC_CLASS or word >> 28 == 0xF:
        _invalid(trap, f"insn_bytes hold {word:#010x}, which is not an SVC instruction")
    imm = word & 0xFF_FFFF
    make = SVC_TABLE.get(imm)
    if make is None:
        raise AxError(
            AxErrorKind.Unsupported,
            f"arm32: svc #{imm:#x} at pc {trap.pc:#x} is not a call of the example model "
            f"(hypercall #{SVC_HYPERCALL:#x}, power off #{SVC_POWEROFF:#x}, reset #{SVC_RESET:#x})",
        )
    return Decoded(make(trap), (trap.pc + 4) & M32)


# --- aborts: MMIO or stage-2 faults ------------------------------------------------------------------


def _data_abort(trap: Arm32Trap, services: VmmServices) -> Decoded:
    is_read = trap.access == "read"
    found = load_store(_word(trap))
    if found is None:  # the stage-2 rule: not emulated, the VMM resolves it or stops
        return Decoded(NestedPageFault(trap.fault_addr, MappingFlags.READ if is_read else MappingFlags.WRITE), trap.pc)
    row, rt = found
    if row.load != is_read:
        _invalid(trap, f"insn_bytes hold a {row.name} but access is {trap.access!r}")
    next_pc = (trap.pc + 4) & M32
    if row.load:
        # signed_ext only for LDRSB/LDRSH: an LDR fills the whole 32-bit register, nothing to extend.
        return Decoded(MmioRead(trap.fault_addr, row.width, rt, AccessWidth.DWORD, row.signed), next_pc)
    data = trap.regs[rt] & ((1 << (8 * row.width)) - 1)
    return Decoded(MmioWrite(trap.fault_addr, row.width, data), next_pc)


def _prefetch_abort(trap: Arm32Trap, services: VmmServices) -> Decoded:
    return Decoded(NestedPageFault(trap.fault_addr, MappingFlags.EXECUTE), trap.pc)


def _irq(trap: Arm32Trap, services: VmmServices) -> Decoded:
    return Decoded(Nothing(), trap.pc)


CAUSE_TABLE: dict[tuple[str, str], Handler] = {
    ("svc", "none"): _svc,
    ("data_abort", "read"): _data_abort,
    ("data_abort", "write"): _data_abort,
    ("prefetch_abort", "execute"): _prefetch_abort,
    ("irq", "none"): _irq,
}
"""(cause, access) -> handler; any other pair is a record that contradicts itself."""


def decode(trap: Arm32Trap, services: VmmServices) -> Decoded:
    """Decode one trap into its exit and resume PC; AxError (InvalidData, Unsupported) otherwise."""
    handler = CAUSE_TABLE.get((trap.cause, trap.access))
    if handler is None:
        _invalid(trap, f"access {trap.access!r} does not go with cause {trap.cause!r}")
    return handler(trap, services)


def decoder_spec() -> DecoderSpec:
    """The plugin's `DecoderSpec`: JSON model, parse, decode and dump."""
    return DecoderSpec(record_model=Arm32TrapRecord, parse=parse_record, decode=decode, dump=dump_record)
