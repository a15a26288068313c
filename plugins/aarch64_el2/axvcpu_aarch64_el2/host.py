"""A simulated AArch64 host CPU: the system registers `hardware_enable` reads and writes.

The defaults describe an Armv8 CPU with EL2 and EL3 whose hypervisor was entered at EL2 (CurrentEL 0x8)
by a boot stub that left its own EL2 vectors installed. Every default is a class setting, so a test or
another host model subclasses `Aarch64HostCpu` to describe a different CPU.
"""

from __future__ import annotations

from typing import ClassVar

CURRENT_EL_EL2 = 0x8
"""CurrentEL with EL (bits [3:2]) = 2."""


class Aarch64HostCpu:
    """One simulated host PE: CurrentEL, ID_AA64PFR0_EL1, VBAR_EL2 and HCR_EL2."""

    CURRENT_EL: ClassVar[int] = CURRENT_EL_EL2
    """CurrentEL: the hypervisor runs at EL2."""
    ID_AA64PFR0_EL1: ClassVar[int] = 0x1000_0000_0100_2222
    """EL0..EL3 = 2 (AArch64 and AArch32), FP and AdvSIMD implemented, GIC = 1 (GICv3 system registers),
    CSV3 = 1."""
    VBAR_EL2: ClassVar[int] = 0x4008_0800
    """The boot stub's EL2 vector table (2 KiB-aligned)."""
    HCR_EL2: ClassVar[int] = 0x8000_0000
    """As the boot stub leaves it: only RW (EL1 is AArch64); no stage 2, nothing trapped."""

    def __init__(self) -> None:
        self.current_el = self.CURRENT_EL
        self.id_aa64pfr0_el1 = self.ID_AA64PFR0_EL1
        self.vbar_el2 = self.VBAR_EL2
        self.hcr_el2 = self.HCR_EL2

    @property
    def exception_level(self) -> int:
        """CurrentEL.EL (bits [3:2])."""
        return (self.current_el >> 2) & 0b11

    @property
    def el2_support(self) -> int:
        """ID_AA64PFR0_EL1.EL2 (bits [11:8]): 0 = EL2 not implemented, 1 = AArch64, 2 = also AArch32."""
        return (self.id_aa64pfr0_el1 >> 8) & 0xF
