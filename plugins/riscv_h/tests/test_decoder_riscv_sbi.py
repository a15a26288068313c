"""SBI calls from VS-mode (scause 10): every row of riscv-h.md §3.2, results and resume PCs."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from test_decoder_riscv_encode import M64, LiveServices, trap

from axvcpu_core.descriptor import Decoded
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import (
    CpuDown,
    CpuUp,
    Halt,
    Hypercall,
    Nothing,
    SendIPI,
    SystemDown,
)
from axvcpu_core.services import OfflineServices, VmmServices
from axvcpu_riscv_h import sbi
from axvcpu_riscv_h.actions import ConsoleRead as CRead
from axvcpu_riscv_h.actions import ConsoleWrite as CWrite
from axvcpu_riscv_h.actions import (
    FlushTranslationCaches,
    NonRetentiveSuspendState,
    SetGpr,
    SetTimer,
)
from axvcpu_riscv_h.decoder import decode

SEPC = 0x8020_0000
NEXT = SEPC + 4
OFF = OfflineServices()
RAM = 0x8000_0000
LIVE = LiveServices(ram={RAM: bytes(range(256)) * 64})
FLUSH = FlushTranslationCaches()

NOT_SUPPORTED = M64 - 1
INVALID_PARAM = M64 - 2
INVALID_ADDRESS = M64 - 4


def call(eid: int, fid: int = 0, *args: int, services: VmmServices = OFF, sepc: int = SEPC) -> Decoded:
    """Decode an ecall with a7 = eid, a6 = fid, a0.. = args."""
    regs: dict[int | str, int] = {"a7": eid, "a6": fid}
    regs.update({10 + i: v for i, v in enumerate(args)})
    return decode(trap(10, sepc=sepc, regs=regs), services)


def ret(a0: int, a1: int = 0) -> tuple[SetGpr, SetGpr]:
    return (SetGpr(10, a0), SetGpr(11, a1))


def nothing(*actions: object) -> Decoded:
    return Decoded(Nothing(), NEXT, actions)


def legacy(a0: int) -> Decoded:
    return nothing(SetGpr(10, a0))


# --- constants ----------------------------------------------------------------------------------


def ascii_eid(name: str) -> int:
    return int.from_bytes(name.encode(), "big")


def test_eids_are_packed_ascii() -> None:
    assert ascii_eid("TIME") == sbi.EID_TIME
    assert ascii_eid("sPI") == sbi.EID_IPI
    assert ascii_eid("RFNC") == sbi.EID_RFNC
    assert ascii_eid("HSM") == sbi.EID_HSM
    assert ascii_eid("SRST") == sbi.EID_SRST
    assert ascii_eid("DBCN") == sbi.EID_DBCN
    assert sbi.EID_HVC == ascii_eid("HVC") == 0x485643


def test_implementation_constants() -> None:
    assert sbi.IMPL_ID == ascii_eid("AXVC") == 0x41585643
    assert sbi.IMPL_ID > 11  # outside the registered IDs 0-11
    assert sbi.IMPL_VERSION == 0 << 16 | 1 << 8 | 0
    assert sbi.SPEC_VERSION == 0x0200_0000
    assert sbi.DBCN_MAX_BYTES == 4096
    errors = [sbi.SBI_ERR_FAILED, sbi.SBI_ERR_NOT_SUPPORTED, sbi.SBI_ERR_INVALID_PARAM, sbi.SBI_ERR_DENIED,
              sbi.SBI_ERR_INVALID_ADDRESS, sbi.SBI_ERR_ALREADY_AVAILABLE, sbi.SBI_ERR_ALREADY_STARTED,
              sbi.SBI_ERR_ALREADY_STOPPED, sbi.SBI_ERR_NO_SHMEM, sbi.SBI_ERR_INVALID_STATE, sbi.SBI_ERR_BAD_RANGE,
              sbi.SBI_ERR_TIMEOUT, sbi.SBI_ERR_IO, sbi.SBI_ERR_DENIED_LOCKED]  # fmt: skip
    assert errors == [(1 << 64) - n for n in range(1, 15)]
    assert sbi.SBI_ERR_ALREADY_AVAILABLE == 0xFFFF_FFFF_FFFF_FFFA


# --- BASE ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fid", "value"),
    [(0, 0x0200_0000), (1, 0x41585643), (2, 0x100), (4, 0), (5, 0), (6, 0)],
)
def test_base_functions(fid: int, value: int) -> None:
    assert call(0x10, fid) == nothing(*ret(0, value))


PRESENT = [0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x10, 0x54494D45, 0x735049, 0x52464E43,
           0x48534D, 0x53525354, 0x4442434E, 0x485643]  # fmt: skip
ABSENT = [0x03, 0x09, 0x0F, 0x504D55, 0x53555350, 0x43505043, 0x4E41434C, 0x535441, 0x0800_0000,
          0x0900_0000, 0x0A00_0000, 0x1_0000_0010, M64]  # fmt: skip


@pytest.mark.parametrize("eid", PRESENT, ids=hex)
def test_probe_extension_present(eid: int) -> None:
    assert call(0x10, 3, eid) == nothing(*ret(0, 1))


@pytest.mark.parametrize("eid", ABSENT, ids=hex)
def test_probe_extension_absent(eid: int) -> None:
    assert call(0x10, 3, eid) == nothing(*ret(0, 0))


# --- unknown EIDs and FIDs ----------------------------------------------------------------------


@pytest.mark.parametrize("eid", ABSENT[3:], ids=hex)
def test_unknown_extension_is_not_supported(eid: int) -> None:
    assert call(eid, 0, 1, 2) == nothing(*ret(NOT_SUPPORTED))


@pytest.mark.parametrize(
    ("eid", "fid"),
    [(0x10, 7), (0x10, M64), (0x54494D45, 1), (0x735049, 1), (0x52464E43, 7), (0x48534D, 4),
     (0x48534D, M64), (0x53525354, 1), (0x4442434E, 3)],
)  # fmt: skip
def test_unknown_function_is_not_supported(eid: int, fid: int) -> None:
    assert call(eid, fid) == nothing(*ret(NOT_SUPPORTED))


@pytest.mark.parametrize("eid", [0x03, *range(0x09, 0x10)])
def test_unsupported_legacy_calls_write_a0_only(eid: int) -> None:
    assert call(eid, 5, 7) == legacy(NOT_SUPPORTED)


# --- TIME, sPI, RFNC ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 12345, M64])
def test_set_timer(value: int) -> None:
    assert call(0x54494D45, 0, value) == nothing(SetTimer(value), *ret(0))


@pytest.mark.parametrize(
    ("mask", "base", "everyone"),
    [(0b101, 0, False), (1, 3, False), (0, 0, False), (0xFFFF, M64, True), (M64, M64 - 1, False)],
)
def test_send_ipi(mask: int, base: int, everyone: bool) -> None:
    got = call(0x735049, 0, mask, base)
    assert got == Decoded(SendIPI(base, mask, everyone, everyone, 1), NEXT, ret(0))


@pytest.mark.parametrize("fid", [0, 1, 2])
def test_remote_fences_flush(fid: int) -> None:
    assert call(0x52464E43, fid, 1, 0, 0x1000, 0x2000, 3) == nothing(FLUSH, *ret(0))


@pytest.mark.parametrize("fid", [3, 4, 5, 6])
def test_remote_hfences_are_not_supported(fid: int) -> None:
    assert call(0x52464E43, fid, 1, 0) == nothing(*ret(NOT_SUPPORTED))


# --- HSM ----------------------------------------------------------------------------------------


def test_hart_start() -> None:
    got = call(0x48534D, 0, 1, 0x8020_0000, 0xDEAD)
    assert got == Decoded(CpuUp(1, 0x8020_0000, 0xDEAD), NEXT, ret(0))


def test_hart_start_does_not_validate() -> None:
    assert call(0x48534D, 0, M64, 3, 4).exit == CpuUp(M64, 3, 4)


def test_hart_stop() -> None:
    assert call(0x48534D, 1) == Decoded(CpuDown(0), NEXT)


@pytest.mark.parametrize(
    ("state", "value"),
    [("started", 0), ("stopped", 1), ("start_pending", 2), ("stop_pending", 3), ("suspended", 4),
     ("suspend_pending", 5), ("resume_pending", 6)],
)  # fmt: skip
def test_hart_get_status(state: str, value: int) -> None:
    services = LiveServices(states={0: "started", 3: state})
    assert call(0x48534D, 2, 3, services=services) == nothing(*ret(0, value))


def test_hart_get_status_unknown_hart() -> None:
    assert call(0x48534D, 2, 5, services=LiveServices()) == nothing(*ret(INVALID_PARAM))
    assert call(0x48534D, 2, 1, services=OFF) == nothing(*ret(INVALID_PARAM))
    assert call(0x48534D, 2, 0, services=OFF) == nothing(*ret(0, 0))


def test_hart_get_status_bad_service_answers_are_errors() -> None:
    with pytest.raises(AxError) as info:
        call(0x48534D, 2, 0, services=LiveServices(states={0: "asleep"}))
    assert info.value.kind is AxErrorKind.InvalidData
    assert "'asleep'" in info.value.message

    class Broken(LiveServices):
        def vcpu_status(self, vcpu_id: int) -> str:
            raise AxError(AxErrorKind.BadState, "VMM is shutting down")

    with pytest.raises(AxError) as info:
        call(0x48534D, 2, 0, services=Broken())
    assert info.value.kind is AxErrorKind.BadState


@pytest.mark.parametrize("kind", [0, 0xFFFF_FFFF_0000_0000, 0x1234_5678_0000_0000])
def test_retentive_suspend(kind: int) -> None:
    assert call(0x48534D, 3, kind, 0x9000_0000, 7) == Decoded(Halt(), NEXT, ret(0))


@pytest.mark.parametrize("kind", [0x8000_0000, 0xFFFF_FFFF_8000_0000])
def test_non_retentive_suspend_resumes_at_resume_addr(kind: int) -> None:
    got = call(0x48534D, 3, kind, 0x8040_0000, 0xABCD)
    assert got == Decoded(Halt(), 0x8040_0000, (NonRetentiveSuspendState(0xABCD),))


@pytest.mark.parametrize(
    "kind",
    [0x1, 0x0FFF_FFFF, 0x1000_0000, 0x7FFF_FFFF, 0x8000_0001, 0x8FFF_FFFF, 0x9000_0000, 0xFFFF_FFFF],
)
def test_other_suspend_types_are_invalid(kind: int) -> None:
    assert call(0x48534D, 3, kind, 0x8040_0000, 1) == nothing(*ret(INVALID_PARAM))


# --- SRST ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "reason", "reset"),
    [(0, 0, False), (0, 1, False), (1, 0, True), (2, 1, True), (0xFFFF_FFFF_0000_0000, 0x5_0000_0001, False),
     (0x7_0000_0002, 0, True)],
)  # fmt: skip
def test_system_reset(kind: int, reason: int, reset: bool) -> None:
    assert call(0x53525354, 0, kind, reason) == Decoded(SystemDown(reset), NEXT)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [(3, 0), (0xEFFF_FFFF, 0), (0xF000_0000, 0), (0, 2), (1, 0xDFFF_FFFF), (2, 0xE000_0000), (0, 0xF000_0000)],
)
def test_system_reset_reserved_values_are_invalid(kind: int, reason: int) -> None:
    assert call(0x53525354, 0, kind, reason) == nothing(*ret(INVALID_PARAM))


# --- DBCN ---------------------------------------------------------------------------------------


def test_console_write_reads_the_buffer() -> None:
    services = LiveServices(ram={RAM: b"hello, world"})
    got = call(0x4442434E, 0, 5, RAM + 7, 0, services=services)
    assert got == nothing(CWrite(b"world", CWrite.DBCN_COUNT))
    assert services.reads == [(RAM + 7, 5)]


def test_console_write_is_capped() -> None:
    got = call(0x4442434E, 0, 10_000, RAM, 0, services=LIVE)
    assert got.actions == (CWrite((bytes(range(256)) * 16), CWrite.DBCN_COUNT),)


@pytest.mark.parametrize("fid", [0, 1])
def test_console_buffer_errors(fid: int) -> None:
    assert call(0x4442434E, fid, 4, RAM, 1, services=LIVE) == nothing(*ret(INVALID_PARAM))  # base_hi
    assert call(0x4442434E, fid, 4, 0x10, 0, services=LIVE) == nothing(*ret(INVALID_PARAM))  # unmapped
    assert call(0x4442434E, fid, 4, RAM, 0, services=OFF) == nothing(*ret(INVALID_PARAM))  # offline
    assert call(0x4442434E, fid, 0, 0x10, 1, services=LIVE) == nothing(*ret(0))  # nothing to do


def test_console_read() -> None:
    assert call(0x4442434E, 1, 16, RAM + 4, 0, services=LIVE) == nothing(CRead(16, RAM + 4, False))
    assert call(0x4442434E, 1, M64, RAM, 0, services=LIVE) == nothing(CRead(4096, RAM, False))


@pytest.mark.parametrize(("a0", "byte"), [(0x41, b"A"), (0x1FF, b"\xff"), (M64, b"\xff"), (0x100, b"\x00")])
def test_console_write_byte(a0: int, byte: bytes) -> None:
    assert call(0x4442434E, 2, a0) == nothing(CWrite(byte, CWrite.DBCN_ZERO))


# --- HVC ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fid", [0, 1, 0x1234, M64])
def test_hvc_hypercall(fid: int) -> None:
    got = call(0x485643, fid, 1, 2, 3, 4, 5, M64)
    assert got == Decoded(Hypercall(fid, (1, 2, 3, 4, 5, M64)), NEXT)
    assert got.to_dict() == {"kind": "Hypercall", "nr": fid, "args": [1, 2, 3, 4, 5, M64], "next_pc": NEXT}


# --- legacy -------------------------------------------------------------------------------------


def test_legacy_set_timer() -> None:
    assert call(0x00, 99, 5000) == nothing(SetTimer(5000), SetGpr(10, 0))


def test_legacy_console() -> None:
    assert call(0x01, 99, 0x141) == nothing(CWrite(b"A", CWrite.LEGACY))
    assert call(0x02, 99) == nothing(CRead(1, 0, True))


def test_legacy_send_ipi_reads_the_mask() -> None:
    services = LiveServices(ram={RAM: (0b1011).to_bytes(8, "little") + b"\xff" * 8})
    got = call(0x04, 99, RAM, services=services)
    assert got == Decoded(SendIPI(0, 0b1011, False, False, 1), NEXT, (SetGpr(10, 0),))
    assert services.reads == [(RAM, 8)]


def test_legacy_send_ipi_unreadable_mask() -> None:
    assert call(0x04, 0, 0x10, services=LIVE) == legacy(INVALID_ADDRESS)
    with pytest.raises(AxError) as info:
        call(0x04, 0, 0x1234_5678)
    assert info.value.kind is AxErrorKind.BadAddress
    assert "a0 = 0x12345678" in info.value.message
    assert "send_ipi" in info.value.message


@pytest.mark.parametrize("eid", [0x05, 0x06, 0x07])
def test_legacy_fences(eid: int) -> None:
    assert call(eid, 99, 0, 0, 0, 0) == nothing(FLUSH, SetGpr(10, 0))


def test_legacy_shutdown() -> None:
    assert call(0x08, 99) == Decoded(SystemDown(False), NEXT)


# --- resume PC and purity -----------------------------------------------------------------------

EVERY_ROW: Mapping[str, tuple[int, int, tuple[int, ...]]] = {
    "base": (0x10, 0, ()), "probe": (0x10, 3, (0x10,)), "time": (0x54494D45, 0, (1,)),
    "ipi": (0x735049, 0, (1, 0)), "rfence": (0x52464E43, 1, ()), "hfence": (0x52464E43, 4, ()),
    "start": (0x48534D, 0, (1, 2, 3)), "stop": (0x48534D, 1, ()), "status": (0x48534D, 2, (0,)),
    "suspend": (0x48534D, 3, (0,)), "reset": (0x53525354, 0, (0, 0)), "write": (0x4442434E, 0, (1, RAM, 0)),
    "read": (0x4442434E, 1, (1, RAM, 0)), "byte": (0x4442434E, 2, (65,)), "hvc": (0x485643, 9, ()),
    "l-timer": (0, 0, (1,)), "l-put": (1, 0, (65,)), "l-get": (2, 0, ()), "l-ipi": (4, 0, (RAM,)),
    "l-fence": (5, 0, ()), "l-down": (8, 0, ()), "l-clear": (3, 0, ()), "unknown": (0x504D55, 0, ()),
}  # fmt: skip


@pytest.mark.parametrize("row", EVERY_ROW)
def test_every_sbi_call_resumes_after_the_ecall(row: str) -> None:
    eid, fid, args = EVERY_ROW[row]
    assert call(eid, fid, *args, services=LIVE).next_pc == NEXT
    assert call(eid, fid, *args, services=LIVE, sepc=M64 - 1).next_pc == 2  # wraps


# --- actions ------------------------------------------------------------------------------------


def test_actions_are_immutable_values() -> None:
    action = SetGpr(10, 5)
    with pytest.raises(AttributeError):
        action.value = 6
    with pytest.raises(AttributeError):
        del action.index
    assert action == SetGpr(10, 5)
    assert action != SetGpr(11, 5)
    assert action != SetTimer(5)
    assert hash(action) == hash(SetGpr(10, 5))
    assert repr(action) == "SetGpr(index=10, value=5)"
    assert repr(FLUSH) == "FlushTranslationCaches()"
    assert FlushTranslationCaches() == FLUSH
    assert CRead(1, 0, True) != CRead(1, 0, False)
    assert {CWrite(b"a", CWrite.LEGACY), CWrite(b"a", CWrite.LEGACY)} == {CWrite(b"a", 2)}


def test_live_services_stand_in_follows_the_protocol() -> None:
    assert isinstance(LIVE, VmmServices)
