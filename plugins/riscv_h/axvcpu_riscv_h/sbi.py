"""SBI calls from VS-mode (scause 10): constants and the dispatch table (riscv-h.md §3).

`dispatch(trap, services)` looks the EID (a7) up in `WHOLE_EXTENSIONS` (legacy EIDs and the HVC
hypercall extension, which ignore a6) and then in `SBI_TABLE` (EID -> FID -> handler). Results
that the guest sees in a0/a1 are returned as `SetGpr` actions; every exit resumes at sepc + 4
except a non-retentive hart_suspend, which resumes at its resume address.

Interpretations: the hart id of HSM calls is the vCPU id (the default `hart_id`); the legacy
send_ipi mask pointer is read with `services.read_guest` as a guest-physical address, which is the
guest-virtual address only while vsatp is Bare (the decoder has no vsatp to walk). When that read
fails, a live VM's services give a0 = INVALID_ADDRESS and Nothing, while the offline stand-in
(exactly `OfflineServices`) raises AxError(BadAddress) naming the pointer, as the exit itself
depends on the mask. DBCN buffers that cannot be read give INVALID_PARAM in both cases (the exit
is Nothing either way, so offline decoding stays faithful); `num_bytes = 0` succeeds before the
buffer is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from axvcpu_core.descriptor import Decoded
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import CpuDown, CpuUp, Halt, Hypercall, Nothing, SendIPI, SystemDown
from axvcpu_core.services import OfflineServices, VmmServices

from .actions import FLUSH, ConsoleRead, ConsoleWrite, NonRetentiveSuspendState, SetGpr, SetTimer
from .record import RiscvTrap

M64 = (1 << 64) - 1
U32 = 0xFFFF_FFFF

# --- constants ----------------------------------------------------------------------------------

EID_LEGACY_SET_TIMER = 0x00
EID_LEGACY_CONSOLE_PUTCHAR = 0x01
EID_LEGACY_CONSOLE_GETCHAR = 0x02
EID_LEGACY_CLEAR_IPI = 0x03
EID_LEGACY_SEND_IPI = 0x04
EID_LEGACY_REMOTE_FENCE_I = 0x05
EID_LEGACY_REMOTE_SFENCE_VMA = 0x06
EID_LEGACY_REMOTE_SFENCE_VMA_ASID = 0x07
EID_LEGACY_SHUTDOWN = 0x08
EID_BASE = 0x10
EID_TIME = 0x54494D45
EID_IPI = 0x735049
EID_RFNC = 0x52464E43
EID_HSM = 0x48534D
EID_SRST = 0x53525354
EID_DBCN = 0x4442434E
EID_HVC = 0x485643
"""The project hypercall extension: any FID -> Hypercall{nr = a6, args = a0..a5}."""
EID_REG = 17
FID_REG = 16
"""a7 selects the extension, a6 the function."""
HVC_NR_REG = FID_REG
HVC_ARG_REGS = range(10, 16)
"""The hypercall ABI: nr in a6, arguments in a0..a5 (the result goes to a0)."""
_HVC_ARGS = slice(HVC_ARG_REGS.start, HVC_ARG_REGS.stop)

SBI_SUCCESS = 0
SBI_ERR_FAILED = -1 & M64
SBI_ERR_NOT_SUPPORTED = -2 & M64
SBI_ERR_INVALID_PARAM = -3 & M64
SBI_ERR_DENIED = -4 & M64
SBI_ERR_INVALID_ADDRESS = -5 & M64
SBI_ERR_ALREADY_AVAILABLE = -6 & M64
SBI_ERR_ALREADY_STARTED = -7 & M64
SBI_ERR_ALREADY_STOPPED = -8 & M64
SBI_ERR_NO_SHMEM = -9 & M64
SBI_ERR_INVALID_STATE = -10 & M64
SBI_ERR_BAD_RANGE = -11 & M64
SBI_ERR_TIMEOUT = -12 & M64
SBI_ERR_IO = -13 & M64
SBI_ERR_DENIED_LOCKED = -14 & M64

SPEC_VERSION = 0x0200_0000
"""SBI 2.0: major in bits 30:24, minor in 23:0."""
IMPL_ID = 0x41585643
"""Implementation ID: ASCII "AXVC", outside the SBI registry (0-11 are taken)."""
PLUGIN_VERSION = (0, 1, 0)
IMPL_VERSION = PLUGIN_VERSION[0] << 16 | PLUGIN_VERSION[1] << 8 | PLUGIN_VERSION[2]
"""Implementation version: major << 16 | minor << 8 | patch of the plugin version (0.1.0 -> 0x100)."""
DBCN_MAX_BYTES = 4096
"""Cap of one DBCN console_write / console_read call; a1 reports the bytes actually done."""

PROBE_EXTENSIONS = frozenset(
    {0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08,
     EID_BASE, EID_TIME, EID_IPI, EID_RFNC, EID_HSM, EID_SRST, EID_DBCN, EID_HVC}
)  # fmt: skip
"""EIDs for which probe_extension answers 1."""

HSM_STATES: dict[str, int] = {
    "started": 0,
    "stopped": 1,
    "start_pending": 2,
    "stop_pending": 3,
    "suspended": 4,
    "suspend_pending": 5,
    "resume_pending": 6,
}
"""`VmmServices.vcpu_status` strings and their SBI HSM state values."""

SUSPEND_RETENTIVE = 0x0000_0000
SUSPEND_NON_RETENTIVE = 0x8000_0000

# --- shared results -----------------------------------------------------------------------------

Handler = Callable[[RiscvTrap, VmmServices], Decoded]

NOTHING = Nothing()
HALT = Halt()
_CPU_DOWN = CpuDown(0)
_SHUTDOWN = SystemDown(False)
_REBOOT = SystemDown(True)


def _result(a0: int, a1: int) -> tuple[SetGpr, SetGpr]:
    return (SetGpr(10, a0), SetGpr(11, a1))


_OK = _result(SBI_SUCCESS, 0)
_NOT_SUPPORTED = _result(SBI_ERR_NOT_SUPPORTED, 0)
_INVALID_PARAM = _result(SBI_ERR_INVALID_PARAM, 0)
_LEGACY_OK = (SetGpr(10, SBI_SUCCESS),)
_LEGACY_NOT_SUPPORTED = (SetGpr(10, SBI_ERR_NOT_SUPPORTED),)
_LEGACY_INVALID_ADDRESS = (SetGpr(10, SBI_ERR_INVALID_ADDRESS),)
_HSM_RESULTS = {state: _result(SBI_SUCCESS, value) for state, value in HSM_STATES.items()}
_BYTES = tuple(bytes((i,)) for i in range(256))
_new = tuple.__new__  # hot path: builds a Decoded without NamedTuple.__new__


def _next(trap: RiscvTrap) -> int:
    return (trap.sepc + 4) & M64


def _nothing(trap: RiscvTrap, actions: tuple[object, ...]) -> Decoded:
    return Decoded(NOTHING, (trap.sepc + 4) & M64, actions)


def _const(actions: tuple[object, ...]) -> Handler:
    """A handler that returns Nothing with fixed register results."""

    def handler(trap: RiscvTrap, services: VmmServices) -> Decoded:
        return Decoded(NOTHING, (trap.sepc + 4) & M64, actions)

    return handler


# --- BASE, TIME, sPI, RFNC ----------------------------------------------------------------------


def _probe_extension(trap: RiscvTrap, services: VmmServices) -> Decoded:
    return _nothing(trap, _result(SBI_SUCCESS, int(trap.regs[10] in PROBE_EXTENSIONS)))


def _set_timer(trap: RiscvTrap, services: VmmServices) -> Decoded:
    return _nothing(trap, (SetTimer(trap.regs[10]), *_OK))


def _send_ipi(trap: RiscvTrap, services: VmmServices) -> Decoded:
    regs = trap.regs
    everyone = regs[11] == M64
    return Decoded(SendIPI(regs[11], regs[10], everyone, everyone, 1), _next(trap), _OK)


# --- HSM ----------------------------------------------------------------------------------------


def _hart_start(trap: RiscvTrap, services: VmmServices) -> Decoded:
    regs = trap.regs
    return Decoded(CpuUp(regs[10], regs[11], regs[12]), _next(trap), _OK)


def _hart_stop(trap: RiscvTrap, services: VmmServices) -> Decoded:
    return Decoded(_CPU_DOWN, _next(trap))


def _hart_get_status(trap: RiscvTrap, services: VmmServices) -> Decoded:
    hartid = trap.regs[10]
    try:
        state = services.vcpu_status(hartid)
    except AxError as err:
        if err.kind is not AxErrorKind.NotFound:
            raise
        return _nothing(trap, _INVALID_PARAM)
    result = _HSM_RESULTS.get(state)
    if result is None:
        raise AxError(
            AxErrorKind.InvalidData,
            f"VmmServices.vcpu_status({hartid}) returned {state!r}; expected one of {', '.join(HSM_STATES)}",
        )
    return _nothing(trap, result)


def _hart_suspend(trap: RiscvTrap, services: VmmServices) -> Decoded:
    regs = trap.regs
    kind = regs[10] & U32
    if kind == SUSPEND_RETENTIVE:
        return Decoded(HALT, _next(trap), _OK)
    if kind == SUSPEND_NON_RETENTIVE:
        return Decoded(HALT, regs[11], (NonRetentiveSuspendState(regs[12]),))
    return _nothing(trap, _INVALID_PARAM)


# --- SRST ---------------------------------------------------------------------------------------


def _system_reset(trap: RiscvTrap, services: VmmServices) -> Decoded:
    regs = trap.regs
    kind, reason = regs[10] & U32, regs[11] & U32
    if reason > 1 or kind > 2:
        return _nothing(trap, _INVALID_PARAM)
    return Decoded(_SHUTDOWN if kind == 0 else _REBOOT, _next(trap))


# --- DBCN ---------------------------------------------------------------------------------------


def _console_buffer(trap: RiscvTrap, services: VmmServices) -> tuple[int, bytes] | Decoded:
    """Check num_bytes/base_lo/base_hi and read the (capped) buffer, or the early result."""
    regs = trap.regs
    count, base_lo, base_hi = regs[10], regs[11], regs[12]
    if count == 0:
        return _nothing(trap, _OK)
    if base_hi:
        return _nothing(trap, _INVALID_PARAM)
    size = min(count, DBCN_MAX_BYTES)
    try:
        return base_lo, services.read_guest(base_lo, size)[:size]
    except AxError as err:
        if err.kind is not AxErrorKind.BadAddress:
            raise
        return _nothing(trap, _INVALID_PARAM)


def _console_write(trap: RiscvTrap, services: VmmServices) -> Decoded:
    buffer = _console_buffer(trap, services)
    if isinstance(buffer, Decoded):
        return buffer
    return _nothing(trap, (ConsoleWrite(buffer[1], ConsoleWrite.DBCN_COUNT),))


def _console_read(trap: RiscvTrap, services: VmmServices) -> Decoded:
    buffer = _console_buffer(trap, services)
    if isinstance(buffer, Decoded):
        return buffer
    gpa, probed = buffer
    return _nothing(trap, (ConsoleRead(len(probed), gpa, False),))


def _console_write_byte(trap: RiscvTrap, services: VmmServices) -> Decoded:
    return _nothing(trap, (ConsoleWrite(_BYTES[trap.regs[10] & 0xFF], ConsoleWrite.DBCN_ZERO),))


# --- HVC and legacy (FID ignored) ---------------------------------------------------------------


def _hypercall(trap: RiscvTrap, services: VmmServices) -> Decoded:
    regs = trap.regs
    return _new(Decoded, (Hypercall(regs[HVC_NR_REG], regs[_HVC_ARGS]), (trap.sepc + 4) & M64, ()))


def _legacy_set_timer(trap: RiscvTrap, services: VmmServices) -> Decoded:
    return _nothing(trap, (SetTimer(trap.regs[10]), *_LEGACY_OK))


def _legacy_putchar(trap: RiscvTrap, services: VmmServices) -> Decoded:
    return _nothing(trap, (ConsoleWrite(_BYTES[trap.regs[10] & 0xFF], ConsoleWrite.LEGACY),))


_LEGACY_GETCHAR = (ConsoleRead(1, 0, True),)
_LEGACY_FENCE = (FLUSH, *_LEGACY_OK)


def _legacy_send_ipi(trap: RiscvTrap, services: VmmServices) -> Decoded:
    pointer = trap.regs[10]
    try:
        mask = int.from_bytes(services.read_guest(pointer, 8)[:8], "little")
    except AxError as err:
        if err.kind is not AxErrorKind.BadAddress:
            raise
        if type(services) is OfflineServices:  # offline decode: no guest memory, do not guess
            raise AxError(
                AxErrorKind.BadAddress,
                f"legacy SBI send_ipi: the hart mask pointer a0 = {pointer:#x} cannot be read offline "
                "(no guest memory); decode it with a live VM's services",
            ) from None
        return _nothing(trap, _LEGACY_INVALID_ADDRESS)
    return Decoded(SendIPI(0, mask, False, False, 1), _next(trap), _LEGACY_OK)


def _legacy_shutdown(trap: RiscvTrap, services: VmmServices) -> Decoded:
    return Decoded(_SHUTDOWN, _next(trap))


# --- tables -------------------------------------------------------------------------------------

SBI_TABLE: dict[int, Mapping[int, Handler]] = {
    EID_BASE: {
        0: _const(_result(SBI_SUCCESS, SPEC_VERSION)),
        1: _const(_result(SBI_SUCCESS, IMPL_ID)),
        2: _const(_result(SBI_SUCCESS, IMPL_VERSION)),
        3: _probe_extension,
        4: _const(_OK),
        5: _const(_OK),
        6: _const(_OK),
    },
    EID_TIME: {0: _set_timer},
    EID_IPI: {0: _send_ipi},
    EID_RFNC: {
        **{fid: _const((FLUSH, *_OK)) for fid in (0, 1, 2)},
        **{fid: _const(_NOT_SUPPORTED) for fid in (3, 4, 5, 6)},  # hfence: guest harts have no H
    },
    EID_HSM: {0: _hart_start, 1: _hart_stop, 2: _hart_get_status, 3: _hart_suspend},
    EID_SRST: {0: _system_reset},
    EID_DBCN: {0: _console_write, 1: _console_read, 2: _console_write_byte},
}
"""SBI >= 0.2 extensions: EID -> FID -> handler. A missing FID answers NOT_SUPPORTED / 0."""

WHOLE_EXTENSIONS: dict[int, Handler] = {
    EID_HVC: _hypercall,
    EID_LEGACY_SET_TIMER: _legacy_set_timer,
    EID_LEGACY_CONSOLE_PUTCHAR: _legacy_putchar,
    EID_LEGACY_CONSOLE_GETCHAR: _const(_LEGACY_GETCHAR),
    EID_LEGACY_SEND_IPI: _legacy_send_ipi,
    **{eid: _const(_LEGACY_FENCE) for eid in (0x05, 0x06, 0x07)},
    EID_LEGACY_SHUTDOWN: _legacy_shutdown,
    **{eid: _const(_LEGACY_NOT_SUPPORTED) for eid in (0x03, *range(0x09, 0x10))},
}
"""Extensions whose functions ignore a6: HVC and the legacy EIDs 0x00-0x0F (results in a0 only)."""

_NO_FUNCTIONS: Mapping[int, Handler] = {}


def dispatch(trap: RiscvTrap, services: VmmServices) -> Decoded:
    """Decode an SBI call (ecall from VS-mode): EID in a7, FID in a6, arguments in a0..a5."""
    regs = trap.regs
    whole = WHOLE_EXTENSIONS.get(regs[EID_REG])
    if whole is not None:
        return whole(trap, services)
    handler = SBI_TABLE.get(regs[EID_REG], _NO_FUNCTIONS).get(regs[FID_REG])
    if handler is None:
        return Decoded(NOTHING, (trap.sepc + 4) & M64, _NOT_SUPPORTED)
    return handler(trap, services)
