"""The arm32 trap record: the fast `Arm32Trap`, its JSON model `Arm32TrapRecord` and the converters.

The record is made up for this example (real Arm hardware reports HSR, HDFAR and HPFAR): it holds
what a hypervisor of the toy model is told when the guest traps. The hardware model builds an
`Arm32Trap` on every exit (a slotted dataclass: cheap, no validation); recorded traps coming back
as JSON (`axvcpu decode`, traces) are validated by the pydantic model at that edge only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from axvcpu_core.errors import AxError, AxErrorKind

from .registers import REGISTER_MODEL

M32 = 0xFFFF_FFFF
Cause = Literal["svc", "data_abort", "prefetch_abort", "irq"]
Access = Literal["none", "read", "write", "execute"]
ZERO_REGS: tuple[int, ...] = (0,) * 16


@dataclass(frozen=True, slots=True)
class Arm32Trap:
    """One trap as the decoder sees it (see `Arm32TrapRecord` for the meaning of each field)."""

    cause: Cause
    pc: int
    fault_addr: int = 0
    access: Access = "none"
    regs: tuple[int, ...] = ZERO_REGS
    """r0..r15, 16 values below 2**32."""
    insn_bytes: bytes = b""


U32 = Annotated[int, Field(ge=0, le=M32)]


class Arm32TrapRecord(BaseModel):
    """JSON form of an arm32 trap record. Absent fields are 0 / "none" / empty."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, title="arm32 trap record")

    cause: Cause = Field(
        description="svc: an SVC instruction; data_abort / prefetch_abort: a load or store / an instruction "
        "fetch touched unmapped guest-physical memory; irq: the host's time-slice interrupt"
    )
    pc: U32 = Field(0, description="address of the trapping instruction (irq: of the next instruction)")
    fault_addr: U32 = Field(0, description="guest-physical address of the faulting access (aborts only)")
    access: Access = Field("none", description="read or write (data_abort), execute (prefetch_abort), else none")
    regs: dict[str, U32] = Field(
        default_factory=dict,
        description="r0..r15 (or fp, ip, sp, lr, pc) when the CPU trapped; absent = 0. r15 is the PC register "
        "as the CPU held it: for svc the instruction after it. The decoder uses `pc`, not r15.",
    )
    insn_bytes: str = Field("", pattern=r"^([0-9a-f]{8})?$", description="lowercase hex of the 4 bytes at pc")

    @field_validator("regs")
    @classmethod
    def _known_registers(cls, regs: dict[str, int]) -> dict[str, int]:
        seen: dict[int, str] = {}
        for name in regs:
            index = REGISTER_MODEL.index_of(name)
            if index is None or name != name.lower():
                raise ValueError(f"unknown register {name!r}; use r0..r15, fp, ip, sp, lr or pc")
            if index in seen:
                raise ValueError(f"r{index} is named twice ({seen[index]!r} and {name!r})")
            seen[index] = name
        return regs

    def to_trap(self) -> Arm32Trap:
        """The decoder's input."""
        regs = list(ZERO_REGS)
        for name, value in self.regs.items():
            index = REGISTER_MODEL.index_of(name)
            assert index is not None  # checked by the validator
            regs[index] = value
        return Arm32Trap(self.cause, self.pc, self.fault_addr, self.access, tuple(regs), bytes.fromhex(self.insn_bytes))


def parse_record(obj: Mapping[str, Any]) -> Arm32Trap:
    """Validate a JSON trap record; AxError(InvalidData) names every bad field."""
    try:
        return Arm32TrapRecord.model_validate(obj).to_trap()
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in err.errors())
        raise AxError(AxErrorKind.InvalidData, f"invalid arm32 trap record: {problems}") from None


def dump_record(trap: Arm32Trap) -> dict[str, Any]:
    """The JSON object of a trap (non-zero registers only); `parse_record` inverts it."""
    return {
        "cause": trap.cause,
        "pc": trap.pc,
        "fault_addr": trap.fault_addr,
        "access": trap.access,
        "regs": {f"r{i}": value for i, value in enumerate(trap.regs) if value},
        "insn_bytes": trap.insn_bytes.hex(),
    }
