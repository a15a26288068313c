"""The 16 common VM-exit kinds (the reference's `AxVCpuExitReason`) and their JSON form.

Exits are immutable, slotted and cheap to build: they are created once per guest exit on the hot
path. Integer fields hold plain ints; `width` fields hold `AccessWidth`, `access_flags` holds
`MappingFlags`. `to_dict()` gives the JSON object of DESIGN.md and `exit_from_dict()` inverts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from .addr import AccessWidth, MappingFlags
from .errors import AxError, AxErrorKind
from .frozen import Frozen

_U64 = (1 << 64) - 1
_set = object.__setattr__


class VmExit(Frozen):
    """Base of every exit kind: equality by kind and fields, immutability, `to_dict()`."""

    __slots__ = ()
    kind: ClassVar[str]

    def __repr__(self) -> str:
        parts = ", ".join(f"{f}={_show(getattr(self, f))}" for f in self._fields)
        return f"{self.kind}({parts})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: `{"kind": <kind>, <fields>}` with widths and flags as integers."""
        out: dict[str, Any] = {"kind": self.kind}
        for name in self._fields:
            out[name] = _jsonable(getattr(self, name))
        return out


def _show(value: object) -> str:
    if isinstance(value, AccessWidth):
        return str(value.value)
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return hex(value) if value > 9 else str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _jsonable(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, tuple):
        return [int(v) for v in value]
    return value


class Hypercall(VmExit):
    """A hypercall: number and six arguments."""

    __slots__ = ("args", "nr")
    kind = "Hypercall"
    _fields = ("nr", "args")
    nr: int
    args: tuple[int, int, int, int, int, int]

    def __init__(self, nr: int, args: Iterable[int]) -> None:
        _set(self, "nr", nr)
        _set(self, "args", tuple(args))


class MmioRead(VmExit):
    """A guest load from an emulated device; the VMM writes the value into `reg`."""

    __slots__ = ("addr", "reg", "reg_width", "signed_ext", "width")
    kind = "MmioRead"
    _fields = ("addr", "width", "reg", "reg_width", "signed_ext")
    addr: int
    width: AccessWidth
    reg: int
    reg_width: AccessWidth
    signed_ext: bool

    def __init__(self, addr: int, width: AccessWidth, reg: int, reg_width: AccessWidth, signed_ext: bool) -> None:
        _set(self, "addr", addr)
        _set(self, "width", width)
        _set(self, "reg", reg)
        _set(self, "reg_width", reg_width)
        _set(self, "signed_ext", signed_ext)


class MmioWrite(VmExit):
    """A guest store to an emulated device; `data` is masked to `width`."""

    __slots__ = ("addr", "data", "width")
    kind = "MmioWrite"
    _fields = ("addr", "width", "data")
    addr: int
    width: AccessWidth
    data: int

    def __init__(self, addr: int, width: AccessWidth, data: int) -> None:
        _set(self, "addr", addr)
        _set(self, "width", width)
        _set(self, "data", data)


class SysRegRead(VmExit):
    """A trapped system-register read into GPR `reg`."""

    __slots__ = ("addr", "reg")
    kind = "SysRegRead"
    _fields = ("addr", "reg")
    addr: int
    reg: int

    def __init__(self, addr: int, reg: int) -> None:
        _set(self, "addr", addr)
        _set(self, "reg", reg)


class SysRegWrite(VmExit):
    """A trapped system-register write."""

    __slots__ = ("addr", "value")
    kind = "SysRegWrite"
    _fields = ("addr", "value")
    addr: int
    value: int

    def __init__(self, addr: int, value: int) -> None:
        _set(self, "addr", addr)
        _set(self, "value", value)


class IoRead(VmExit):
    """A port-I/O read (x86 IN)."""

    __slots__ = ("port", "width")
    kind = "IoRead"
    _fields = ("port", "width")
    port: int
    width: AccessWidth

    def __init__(self, port: int, width: AccessWidth) -> None:
        _set(self, "port", port)
        _set(self, "width", width)


class IoWrite(VmExit):
    """A port-I/O write (x86 OUT); `data` is masked to `width`."""

    __slots__ = ("data", "port", "width")
    kind = "IoWrite"
    _fields = ("port", "width", "data")
    port: int
    width: AccessWidth
    data: int

    def __init__(self, port: int, width: AccessWidth, data: int) -> None:
        _set(self, "port", port)
        _set(self, "width", width)
        _set(self, "data", data)


class ExternalInterrupt(VmExit):
    """A host (physical) interrupt arrived while the guest ran."""

    __slots__ = ("vector",)
    kind = "ExternalInterrupt"
    _fields = ("vector",)
    vector: int

    def __init__(self, vector: int) -> None:
        _set(self, "vector", vector)


class NestedPageFault(VmExit):
    """A stage-2 fault the VMM must resolve (or stop the VM); the guest resumes at the same PC."""

    __slots__ = ("access_flags", "addr")
    kind = "NestedPageFault"
    _fields = ("addr", "access_flags")
    addr: int
    access_flags: MappingFlags

    def __init__(self, addr: int, access_flags: MappingFlags) -> None:
        _set(self, "addr", addr)
        _set(self, "access_flags", access_flags)


class Halt(VmExit):
    """The vCPU waits for an interrupt (HLT, WFI, retentive suspend)."""

    __slots__ = ()
    kind = "Halt"


class CpuUp(VmExit):
    """Start secondary vCPU `target_cpu` at `entry_point` with `arg`."""

    __slots__ = ("arg", "entry_point", "target_cpu")
    kind = "CpuUp"
    _fields = ("target_cpu", "entry_point", "arg")
    target_cpu: int
    entry_point: int
    arg: int

    def __init__(self, target_cpu: int, entry_point: int, arg: int) -> None:
        _set(self, "target_cpu", target_cpu)
        _set(self, "entry_point", entry_point)
        _set(self, "arg", arg)


class CpuDown(VmExit):
    """The calling vCPU powers itself off."""

    __slots__ = ("state",)
    kind = "CpuDown"
    _fields = ("state",)
    state: int

    def __init__(self, state: int) -> None:
        _set(self, "state", state)


class SystemDown(VmExit):
    """The guest powers the whole VM off, or resets it when `reset` is true."""

    __slots__ = ("reset",)
    kind = "SystemDown"
    _fields = ("reset",)
    reset: bool

    def __init__(self, reset: bool = False) -> None:
        _set(self, "reset", reset)


class Nothing(VmExit):
    """The exit was handled inside the vCPU; the VMM only resumes it."""

    __slots__ = ()
    kind = "Nothing"


class FailEntry(VmExit):
    """Hardware refused to enter the guest (for VMX: the VM-entry failure reason)."""

    __slots__ = ("hardware_entry_failure_reason",)
    kind = "FailEntry"
    _fields = ("hardware_entry_failure_reason",)
    hardware_entry_failure_reason: int

    def __init__(self, hardware_entry_failure_reason: int) -> None:
        _set(self, "hardware_entry_failure_reason", hardware_entry_failure_reason)


class SendIPI(VmExit):
    """An inter-processor interrupt to `target_cpu` (+ the `target_cpu_aux` mask), all, or self."""

    __slots__ = ("send_to_all", "send_to_self", "target_cpu", "target_cpu_aux", "vector")
    kind = "SendIPI"
    _fields = ("target_cpu", "target_cpu_aux", "send_to_all", "send_to_self", "vector")
    target_cpu: int
    target_cpu_aux: int
    send_to_all: bool
    send_to_self: bool
    vector: int

    def __init__(
        self, target_cpu: int, target_cpu_aux: int, send_to_all: bool, send_to_self: bool, vector: int
    ) -> None:
        _set(self, "target_cpu", target_cpu)
        _set(self, "target_cpu_aux", target_cpu_aux)
        _set(self, "send_to_all", send_to_all)
        _set(self, "send_to_self", send_to_self)
        _set(self, "vector", vector)


EXIT_KINDS: dict[str, type[VmExit]] = {
    cls.kind: cls
    for cls in (
        Hypercall,
        MmioRead,
        MmioWrite,
        SysRegRead,
        SysRegWrite,
        IoRead,
        IoWrite,
        ExternalInterrupt,
        NestedPageFault,
        Halt,
        CpuUp,
        CpuDown,
        SystemDown,
        Nothing,
        FailEntry,
        SendIPI,
    )
}
"""Every exit kind by its JSON name."""

_WIDTH_FIELDS = frozenset({"width", "reg_width"})
_BOOL_FIELDS = frozenset({"signed_ext", "reset", "send_to_all", "send_to_self"})
_IGNORED_KEYS = frozenset({"kind", "next_pc"})


def exit_from_dict(data: Mapping[str, Any]) -> VmExit:
    """Rebuild an exit from its `to_dict()` form; AxError(InvalidData) names any bad field.

    A `next_pc` key (present in decoded-exit JSON) is accepted and ignored.
    """
    if not isinstance(data, Mapping):
        raise AxError(AxErrorKind.InvalidData, f"an exit must be a JSON object, got {type(data).__name__}")
    kind = data.get("kind")
    cls = EXIT_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise AxError(AxErrorKind.InvalidData, f"unknown exit kind {kind!r}; expected one of {', '.join(EXIT_KINDS)}")
    unknown = set(data) - set(cls._fields) - _IGNORED_KEYS
    if unknown:
        raise AxError(AxErrorKind.InvalidData, f"{kind}: unknown field(s) {', '.join(sorted(unknown))}")
    values = [_field_value(cls.kind, name, data) for name in cls._fields]
    return cls(*values)


def _field_value(kind: str, name: str, data: Mapping[str, Any]) -> Any:
    if name not in data:
        if kind == "SystemDown" and name == "reset":
            return False
        raise AxError(AxErrorKind.InvalidData, f"{kind}: missing field {name!r}")
    raw = data[name]
    if name in _BOOL_FIELDS:
        if not isinstance(raw, bool):
            raise AxError(AxErrorKind.InvalidData, f"{kind}.{name} must be true or false, got {raw!r}")
        return raw
    if name == "args":
        if not isinstance(raw, list | tuple) or len(raw) != 6:
            raise AxError(AxErrorKind.InvalidData, f"{kind}.args must be a list of 6 integers, got {raw!r}")
        return tuple(_u64(kind, f"args[{i}]", v) for i, v in enumerate(raw))
    value = _u64(kind, name, raw)
    if name in _WIDTH_FIELDS:
        try:
            return AccessWidth(value)
        except ValueError:
            raise AxError(AxErrorKind.InvalidData, f"{kind}.{name} must be 1, 2, 4 or 8, got {value}") from None
    if name == "access_flags":
        if value & ~0x3F:
            raise AxError(AxErrorKind.InvalidData, f"{kind}.access_flags has unknown bits: {value:#x}")
        return MappingFlags(value)
    return value


def _u64(kind: str, name: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= _U64:
        raise AxError(AxErrorKind.InvalidData, f"{kind}.{name} must be an integer in 0..2**64-1, got {raw!r}")
    return raw
