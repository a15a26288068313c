"""HCR_EL2 bits and the guest value of reference §11.1."""

from __future__ import annotations

HCR_VM = 1 << 0
HCR_SWIO = 1 << 1
HCR_FMO = 1 << 3
HCR_IMO = 1 << 4
HCR_AMO = 1 << 5
HCR_VI = 1 << 7
HCR_TWI = 1 << 13
HCR_TWE = 1 << 14
HCR_TID3 = 1 << 18
HCR_TSC = 1 << 19
HCR_RW = 1 << 31

HCR_EL2_GUEST = HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_TWI | HCR_TWE | HCR_TSC | HCR_RW
"""0x8008_603B: stage 2 on; IRQ/FIQ/SError to EL2; WFI, WFE and SMC trapped; EL1 is AArch64."""


def guest_hcr(virtual_id_registers: bool = False) -> int:
    """The guest HCR_EL2, with TID3 (0x800C_603B) when ID group 3 reads must reach the VMM."""
    return HCR_EL2_GUEST | (HCR_TID3 if virtual_id_registers else 0)
