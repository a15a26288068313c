"""The RISC-V H trap record: the fast `RiscvTrap`, its JSON model and the JSON converters.

A trap record is what an H-extension hart hands HS-mode on a trap (scause, stval, htval, htinst,
sepc, hstatus), plus the guest GPRs and the guest bytes at sepc. `RiscvTrap` is the decoder's
input on the hot path; `RiscvTrapRecord` is the pydantic model of the JSON form (DESIGN.md) and
only serves the JSON Schema; `parse_record` / `dump_record` convert without pydantic.

Validation of `insn_bytes` (decided here, documented in `parse_record`): a non-empty value must
hold at least the 2 or 4 bytes its first byte announces; empty means "not captured" and is
accepted, because most traps never need the instruction bytes. The decoder itself raises
AxError(InvalidData) naming `insn_bytes` when it needs them and they are missing or short.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, NamedTuple, NoReturn

from pydantic import BaseModel, ConfigDict, Field, model_validator

from axvcpu_core.errors import AxError, AxErrorKind

from .insn import insn_length
from .registers import ABI_NAMES

M64 = (1 << 64) - 1

REG_INDEX: dict[str, int] = {f"x{i}": i for i in range(32)} | {n: i for i, n in enumerate(ABI_NAMES)}
REG_INDEX["fp"] = 8
"""Every accepted register name (x0..x31, ABI names, and `fp` for s0) and its number."""

ZERO_REGS: tuple[int, ...] = (0,) * 32
_SCALARS = ("scause", "stval", "htval", "htinst", "sepc", "hstatus")
_KEYS = frozenset((*_SCALARS, "regs", "insn_bytes"))
_HEX = frozenset("0123456789abcdef")


class _TrapFields(NamedTuple):
    scause: int
    stval: int
    htval: int
    htinst: int
    sepc: int
    hstatus: int
    regs: tuple[int, ...]
    insn_bytes: bytes


class RiscvTrap(_TrapFields):
    """One trap as the decoder sees it: CSR values, x0..x31 (x0 = 0) and the bytes at sepc.

    Immutable (a named tuple underneath, so it is built once per guest exit at C speed, and equal
    only to another RiscvTrap with the same fields). The constructor does not validate values (build
    untrusted traps with `parse_record`): `regs` must hold 32 ints below 2**64 with x0 = 0. It only
    normalises `regs` to a tuple and `insn_bytes` to bytes (no copy when they already are), so a
    hardware model may pass a list and Unicorn's bytearray.
    """

    __slots__ = ()

    def __new__(
        cls,
        scause: int,
        stval: int = 0,
        htval: int = 0,
        htinst: int = 0,
        sepc: int = 0,
        hstatus: int = 0,
        regs: Iterable[int] = ZERO_REGS,
        insn_bytes: bytes | bytearray | memoryview = b"",
    ) -> RiscvTrap:
        regs = regs if type(regs) is tuple else tuple(regs)
        data = insn_bytes if type(insn_bytes) is bytes else bytes(insn_bytes)
        return tuple.__new__(cls, (scause, stval, htval, htinst, sepc, hstatus, regs, data))

    def __eq__(self, other: object) -> bool:
        if type(other) is not RiscvTrap:
            return NotImplemented
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return tuple.__hash__(self)

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        regs = {f"x{i}": hex(v) for i, v in enumerate(self.regs) if v}
        return (
            f"RiscvTrap(scause={self.scause:#x}, stval={self.stval:#x}, htval={self.htval:#x}, "
            f"htinst={self.htinst:#x}, sepc={self.sepc:#x}, hstatus={self.hstatus:#x}, "
            f"regs={regs}, insn_bytes={self.insn_bytes.hex()!r})"
        )


# --- JSON model (schema only) -------------------------------------------------------------------

U64 = Annotated[int, Field(ge=0, le=M64, strict=True)]
RegName = Literal[
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
    "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28",
    "x29", "x30", "x31",
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "fp", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5",
    "t6",
]  # fmt: skip


class RiscvTrapRecord(BaseModel):
    """JSON form of a riscv64 trap record (DESIGN.md); every integer is unsigned and below 2**64."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="riscv64 trap record")

    scause: U64 = Field(description="bit 63 = interrupt; low bits = exception or interrupt code")
    stval: U64 = Field(0, description="faulting guest virtual address, or the instruction bits (22)")
    htval: U64 = Field(0, description="faulting guest physical address >> 2 (20/21/23)")
    htinst: U64 = Field(0, description="0, a transformed instruction or a pseudoinstruction")
    sepc: U64 = Field(0, description="PC of the trapping instruction (interrupts: next PC)")
    hstatus: U64 = Field(0, description="hstatus after trap entry (kept for traces)")
    regs: dict[RegName, U64] = Field(
        default_factory=dict, description="x0..x31 by architectural or ABI name; absent = 0; x0 = 0"
    )
    insn_bytes: str = Field("", pattern=r"^(?:[0-9a-f]{2})*$", description="lowercase hex of the guest bytes at sepc")

    @model_validator(mode="after")
    def _consistent(self) -> RiscvTrapRecord:
        """Apply the rules a JSON Schema cannot express, exactly as `parse_record` does."""
        try:
            _parse_regs(self.regs)
            _parse_insn(self.insn_bytes)
        except AxError as err:
            raise ValueError(err.message) from None
        return self


# --- converters ---------------------------------------------------------------------------------


def _bad(message: str) -> NoReturn:
    raise AxError(AxErrorKind.InvalidData, message)


def _u64(name: str, raw: object) -> int:
    if type(raw) is not int or not 0 <= raw <= M64:
        _bad(f"trap record field {name!r} must be an integer in 0..2**64-1, got {raw!r}")
    return raw


def _parse_regs(raw: object) -> tuple[int, ...]:
    if not isinstance(raw, Mapping):
        _bad(f"trap record field 'regs' must be an object keyed x0..x31 or ABI names, got {raw!r}")
    values = list(ZERO_REGS)
    seen: dict[int, str] = {}
    for name, value in raw.items():
        index = REG_INDEX.get(name) if isinstance(name, str) else None
        if index is None:
            _bad(f"trap record field 'regs' has unknown register name {name!r}; use x0..x31 or ABI names")
        if index in seen:
            _bad(f"trap record field 'regs' names x{index} twice ({seen[index]!r} and {name!r})")
        seen[index] = name
        values[index] = _u64(f"regs.{name}", value)
    if values[0]:
        _bad(f"trap record field 'regs.{seen[0]}' must be 0 (x0 is hardwired to zero)")
    return tuple(values)


def _parse_insn(raw: object) -> bytes:
    if not isinstance(raw, str) or len(raw) % 2 or not _HEX.issuperset(raw):
        _bad(f"trap record field 'insn_bytes' must be lowercase hex with an even digit count, got {raw!r}")
    data = bytes.fromhex(raw)
    if data:
        need = insn_length(data[0]) or 2
        if len(data) < need:
            _bad(
                f"trap record field 'insn_bytes' holds {len(data)} byte(s) but its low bits announce "
                f"a {need}-byte instruction"
            )
    return data


def parse_record(obj: Mapping[str, Any]) -> RiscvTrap:
    """Validate a JSON trap record and build the `RiscvTrap`; AxError(InvalidData) names the bad field.

    Rejected: a non-object, a missing `scause`, unknown fields, integers that are not JSON integers
    in 0..2**64-1, unknown or duplicated register names, a non-zero x0, `insn_bytes` that is not
    lowercase hex, and non-empty `insn_bytes` shorter than the 2 or 4 bytes its low bits announce
    (longer encodings need only their first 2 bytes: the decoder never emulates them).
    """
    if not isinstance(obj, Mapping):
        _bad(f"a riscv64 trap record must be a JSON object, got {type(obj).__name__}")
    if "scause" not in obj:
        _bad("trap record field 'scause' is missing")
    unknown = set(obj) - _KEYS
    if unknown:
        _bad(f"trap record has unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    scause, stval, htval, htinst, sepc, hstatus = (_u64(name, obj.get(name, 0)) for name in _SCALARS)
    regs = _parse_regs(obj.get("regs", {}))
    insn = _parse_insn(obj.get("insn_bytes", ""))
    return RiscvTrap(scause, stval, htval, htinst, sepc, hstatus, regs, insn)


def dump_record(trap: RiscvTrap) -> dict[str, Any]:
    """The JSON object of a trap: all CSR fields, non-zero regs as x1..x31, insn_bytes when present."""
    out: dict[str, Any] = {name: getattr(trap, name) for name in _SCALARS}
    out["regs"] = {f"x{i}": v for i, v in enumerate(trap.regs) if v}
    if trap.insn_bytes:
        out["insn_bytes"] = trap.insn_bytes.hex()
    return out
