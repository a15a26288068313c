"""CSR numbers, bits and reset values of the simulated H hart (riscv-h.md §7, §9)."""

from __future__ import annotations

M64 = (1 << 64) - 1
INTERRUPT = 1 << 63

HSTATUS_RESET = 0x0000_0002_0020_0180
"""VSXL = 2, VTW = 1 (WFI traps), SPVP = 1, SPV = 1."""
HSTATUS_GVA = 1 << 6
"""Set by a guest-page fault: stval holds a guest virtual address."""

# hvip bits (§7) and the guest-visible sip bit each one drives.
HVIP_VSSIP, HVIP_VSTIP, HVIP_VSEIP = 1 << 2, 1 << 6, 1 << 10
HVIP_FOR_VECTOR = {1: HVIP_VSSIP, 5: HVIP_VSTIP, 9: HVIP_VSEIP}
"""`inject_interrupt` vector -> hvip bit."""
SIP_SSIP, SIP_STIP, SIP_SEIP = 1 << 1, 1 << 5, 1 << 9
HVIP_TO_SIP = ((HVIP_VSSIP, SIP_SSIP), (HVIP_VSTIP, SIP_STIP), (HVIP_VSEIP, SIP_SEIP))

# Guest (VS-level) sstatus bits.
SSTATUS_SIE, SSTATUS_SPIE, SSTATUS_SPP = 1 << 1, 1 << 5, 1 << 8
MSTATUS_FS_INITIAL = 1 << 13

# The simulated M-level firmware under the hart (Unicorn runs the guest's VS-mode as S-mode).
MIDELEG = 0x222
"""SSI, STI and SEI go to S-mode (the guest) without an M-mode hop."""
MEDELEG = 0xB109
"""Exceptions Unicorn would route to the guest's own handler; the hart reflects them itself."""

ECALL = 0x0000_0073
WFI = 0x1050_0073
EBREAK = 0x0010_0073

TIMEBASE_HZ = 10_000_000
"""Guest `time` frequency (QEMU virt); 100 ns per tick."""
NS_PER_TICK = 1_000_000_000 // TIMEBASE_HZ
