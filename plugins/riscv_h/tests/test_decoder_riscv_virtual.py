"""Virtual-instruction traps (22), interrupts (§6) and the classification of every other scause (§2)."""

from __future__ import annotations

import pytest
from test_decoder_riscv_encode import (
    CSRRC,
    CSRRCI,
    CSRRS,
    CSRRSI,
    CSRRW,
    CSRRWI,
    EBREAK,
    ECALL,
    IRQ,
    M64,
    RDTIME_A0,
    SRET,
    WFI,
    c_lw,
    csr_insn,
    i_type,
    le,
    load,
    r_type,
    trap,
)

from axvcpu_core.descriptor import Decoded
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.exits import ExternalInterrupt, Halt, Nothing, SysRegRead, SysRegWrite
from axvcpu_core.services import OfflineServices
from axvcpu_riscv_h.actions import ReadTime, SetVstip
from axvcpu_riscv_h.decoder import decode
from axvcpu_riscv_h.record import RiscvTrap

OFF = OfflineServices()
SEPC = 0x8020_0000
NEXT = SEPC + 4


def run(t: RiscvTrap) -> Decoded:
    return decode(t, OFF)


def vinsn(word: int, **kwargs: object) -> Decoded:
    """A virtual-instruction trap with the instruction in stval."""
    return run(trap(22, stval=word, **kwargs))  # type: ignore[arg-type]


def error(t: RiscvTrap, kind: AxErrorKind = AxErrorKind.Unsupported) -> str:
    with pytest.raises(AxError) as info:
        run(t)
    assert info.value.kind is kind
    return info.value.message


# --- WFI and time -------------------------------------------------------------------------------


def test_wfi_halts() -> None:
    assert vinsn(WFI) == Decoded(Halt(), NEXT)
    assert vinsn(0x10500073) == Decoded(Halt(), NEXT)


def test_rdtime_is_served_by_the_vcpu() -> None:
    assert vinsn(RDTIME_A0) == Decoded(Nothing(), NEXT, (ReadTime(10),))


@pytest.mark.parametrize("funct3", [CSRRS, CSRRC, CSRRSI, CSRRCI])
@pytest.mark.parametrize("rd", [1, 5, 31])
def test_every_pure_time_read(funct3: int, rd: int) -> None:
    assert vinsn(csr_insn(funct3, rd, 0, 0xC01)) == Decoded(Nothing(), NEXT, (ReadTime(rd),))


def test_time_read_into_x0_has_no_action() -> None:
    assert vinsn(csr_insn(CSRRS, 0, 0, 0xC01)) == Decoded(Nothing(), NEXT)


# --- other CSRs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("csr", [0xC00, 0xC02, 0xC03, 0xC1F, 0x600, 0x680, 0x14D, 0x180, 0x240])
@pytest.mark.parametrize("funct3", [CSRRS, CSRRC, CSRRSI, CSRRCI])
def test_pure_reads(csr: int, funct3: int) -> None:
    assert vinsn(csr_insn(funct3, 7, 0, csr)) == Decoded(SysRegRead(csr, 7), NEXT)


def test_pure_read_into_x0_still_reads() -> None:
    assert vinsn(csr_insn(CSRRS, 0, 0, 0xC00)) == Decoded(SysRegRead(0xC00, 0), NEXT)


@pytest.mark.parametrize(("rs1", "value", "want"), [(11, M64, M64), (0, 5, 0), (31, 0x1234, 0x1234)])
def test_pure_write_from_a_register(rs1: int, value: int, want: int) -> None:
    got = vinsn(csr_insn(CSRRW, 0, rs1, 0x180), regs={rs1: value} if rs1 else {})
    assert got == Decoded(SysRegWrite(0x180, want), NEXT)


@pytest.mark.parametrize("uimm", [0, 5, 31])
def test_pure_write_of_an_immediate(uimm: int) -> None:
    assert vinsn(csr_insn(CSRRWI, 0, uimm, 0x14D)) == Decoded(SysRegWrite(0x14D, uimm), NEXT)


@pytest.mark.parametrize(
    "word",
    [csr_insn(CSRRW, 10, 11, 0x140), csr_insn(CSRRWI, 10, 3, 0x140), csr_insn(CSRRS, 10, 11, 0x100),
     csr_insn(CSRRS, 0, 11, 0x100), csr_insn(CSRRC, 5, 6, 0xC01), csr_insn(CSRRSI, 0, 1, 0x144),
     csr_insn(CSRRCI, 3, 31, 0x104)],
    ids=hex,
)  # fmt: skip
def test_read_modify_write_csr_access_is_unsupported(word: int) -> None:
    message = error(trap(22, stval=word))
    assert "read-modify-write CSR access" in message
    assert f"{word:#010x}" in message


# --- everything else is named -------------------------------------------------------------------

NAMED = [
    (ECALL, "ECALL"), (EBREAK, "EBREAK"), (SRET, "SRET"), (0x30200073, "MRET"),
    (r_type(0x73, 0, 0x09, 0, 0, 0), "SFENCE.VMA"), (r_type(0x73, 0, 0x09, 0, 10, 11), "SFENCE.VMA"),
    (r_type(0x73, 0, 0x0B, 0, 10, 11), "SINVAL.VMA"), (0x18000073, "SFENCE.W.INVAL"),
    (r_type(0x73, 0, 0x11, 0, 10, 11), "HFENCE.VVMA"), (r_type(0x73, 0, 0x31, 0, 0, 0), "HFENCE.GVMA"),
    (r_type(0x73, 0, 0x13, 0, 1, 2), "HINVAL.VVMA"), (r_type(0x73, 0, 0x33, 0, 1, 2), "HINVAL.GVMA"),
    (r_type(0x73, 4, 0x34, 10, 11, 0), "HLV.W"), (r_type(0x73, 4, 0x32, 10, 11, 3), "HLVX.HU"),
    (r_type(0x73, 4, 0x30, 5, 6, 1), "HLV.BU"), (r_type(0x73, 4, 0x36, 5, 6, 0), "HLV.D"),
    (r_type(0x73, 4, 0x37, 0, 11, 10), "HSV.D"), (r_type(0x73, 4, 0x31, 0, 11, 10), "HSV.B"),
    (r_type(0x73, 4, 0x7F, 0, 11, 10), "unknown HLV/HSV"), (0x00D00073, "WRS.NTO"),
    (r_type(0x73, 0, 0x7F, 1, 2, 3), "unknown privileged"),
    (load("LW", 1), "not a SYSTEM instruction"), (i_type(0x13, 0, 1, 1, 1), "not a SYSTEM instruction"),
]  # fmt: skip


@pytest.mark.parametrize(("word", "name"), NAMED, ids=[n for _, n in NAMED])
def test_other_virtual_instructions_are_unsupported_by_name(word: int, name: str) -> None:
    message = error(trap(22, stval=word))
    assert name in message
    assert f"{word:#010x}" in message


# --- where the instruction comes from -----------------------------------------------------------


def test_insn_bytes_are_used_when_stval_is_zero() -> None:
    assert run(trap(22, insn_bytes=le(WFI, 4))) == Decoded(Halt(), NEXT)
    assert run(trap(22, insn_bytes=le(RDTIME_A0, 4) + b"\x00\x00")).actions == (ReadTime(10),)


def test_stval_wins_over_insn_bytes() -> None:
    assert run(trap(22, stval=WFI, insn_bytes=le(RDTIME_A0, 4))).exit == Halt()


@pytest.mark.parametrize("stval", [c_lw(8, 9, 0), 0x1_1050_0073, 0x1F, 0x0001_003F])
def test_stval_that_is_not_a_32_bit_encoding(stval: int) -> None:
    assert "not a 32-bit encoding" in error(trap(22, stval=stval))


@pytest.mark.parametrize("data", [le(c_lw(8, 9, 0), 2), b"\x1f\x00\x00\x00\x00\x00"])
def test_insn_bytes_that_are_not_a_32_bit_encoding(data: bytes) -> None:
    assert "not a 32-bit encoding" in error(trap(22, insn_bytes=data))


@pytest.mark.parametrize("data", [b"", b"\x73", b"\x73\x00", b"\x73\x00\x50"])
def test_missing_or_short_insn_bytes(data: bytes) -> None:
    message = error(trap(22, insn_bytes=data), AxErrorKind.InvalidData)
    assert "'insn_bytes'" in message
    assert "stval = 0" in message


def test_next_pc_wraps() -> None:
    assert vinsn(WFI, sepc=M64 - 1).next_pc == 2


# --- interrupts ---------------------------------------------------------------------------------


def test_supervisor_software_interrupt() -> None:
    assert run(trap(IRQ | 1)) == Decoded(Nothing(), SEPC)


def test_supervisor_timer_interrupt_sets_vstip() -> None:
    assert run(trap(IRQ | 5)) == Decoded(Nothing(), SEPC, (SetVstip(),))


def test_supervisor_external_interrupt_is_vector_9() -> None:
    got = run(trap(IRQ | 9, sepc=M64))
    assert got == Decoded(ExternalInterrupt(9), M64)
    assert got.to_dict() == {"kind": "ExternalInterrupt", "vector": 9, "next_pc": M64}


@pytest.mark.parametrize(
    ("code", "name"),
    [(0, "reserved or custom"), (2, "VS software"), (6, "VS timer"), (10, "VS external"),
     (12, "supervisor guest external"), (13, "counter overflow"), (3, "reserved or custom"),
     (63, "reserved or custom"), ((1 << 63) - 1, "reserved or custom")],
)  # fmt: skip
def test_other_interrupts_are_unsupported_by_name(code: int, name: str) -> None:
    message = error(trap(IRQ | code))
    assert f"interrupt {code} ({name})" in message
    assert f"{IRQ | code:#x}" in message


# --- every other exception code -----------------------------------------------------------------

EXCEPTIONS = {
    0: "instruction address misaligned", 1: "instruction access fault", 2: "illegal instruction",
    3: "breakpoint", 4: "load address misaligned", 5: "load access fault", 6: "store/AMO address misaligned",
    7: "store/AMO access fault", 8: "environment call from U/VU-mode", 9: "environment call from HS-mode",
    11: "environment call from M-mode", 12: "instruction page fault", 13: "load page fault",
    14: "reserved or custom", 15: "store/AMO page fault", 16: "double trap", 17: "reserved or custom",
    18: "software check", 19: "hardware error", 24: "reserved or custom", 63: "reserved or custom",
    (1 << 63) - 1: "reserved or custom",
}  # fmt: skip


@pytest.mark.parametrize("code", EXCEPTIONS)
def test_other_exceptions_are_unsupported_by_number_and_name(code: int) -> None:
    message = error(trap(code, stval=0x1234))
    assert f"exception {code} ({EXCEPTIONS[code]})" in message
    assert f"scause {code:#x}" in message
