"""The IA32_VMX_BASIC capability MSR (0x480): its fields and the requirements the plugin places on them."""

from __future__ import annotations

from typing import NamedTuple, Self

MEMORY_TYPE_WB = 6
MAX_REGION_SIZE = 4096


class VmxBasic(NamedTuple):
    """IA32_VMX_BASIC split into the fields §14 checks."""

    revision_id: int
    """Bits 30:0: the VMCS revision id copied into the VMXON and VMCS regions."""
    region_size: int
    """Bits 44:32: bytes of the VMXON / VMCS region (1..4096)."""
    addresses_32bit: bool
    """Bit 48: region addresses limited to 32 bits."""
    memory_type: int
    """Bits 53:50: memory type for VMCS access (6 = write-back)."""
    ins_outs_info: bool
    """Bit 54: VM exits from INS/OUTS report instruction information."""
    true_controls: bool
    """Bit 55: the TRUE capability MSRs 0x48D-0x490 exist."""

    @classmethod
    def from_msr(cls, value: int) -> Self:
        """Split the raw MSR value."""
        return cls(
            revision_id=value & 0x7FFF_FFFF,
            region_size=(value >> 32) & 0x1FFF,
            addresses_32bit=bool(value >> 48 & 1),
            memory_type=(value >> 50) & 0xF,
            ins_outs_info=bool(value >> 54 & 1),
            true_controls=bool(value >> 55 & 1),
        )

    def problems(self) -> list[str]:
        """Every field the plugin cannot work with (empty when usable)."""
        found: list[str] = []
        if not 0 < self.region_size <= MAX_REGION_SIZE:
            found.append(f"region size {self.region_size} is not in 1..{MAX_REGION_SIZE} (bits 44:32)")
        if self.addresses_32bit:
            found.append("physical addresses are limited to 32 bits (bit 48 set)")
        if self.memory_type != MEMORY_TYPE_WB:
            found.append(f"VMCS memory type is {self.memory_type}, not 6 = write-back (bits 53:50)")
        if not self.ins_outs_info:
            found.append("INS/OUTS instruction information is not reported (bit 54 clear)")
        if not self.true_controls:
            found.append("the TRUE capability MSRs 0x48D-0x490 are missing (bit 55 clear)")
        return found
