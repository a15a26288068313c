"""The VMXON region: one 4 KiB frame whose first dword holds the VMCS revision id."""

from __future__ import annotations

from dataclasses import dataclass, field

FRAME_SIZE = 4096
"""A VMXON region occupies one whole 4 KiB frame; IA32_VMX_BASIC only bounds the part the CPU uses."""
_REVISION_MASK = 0x7FFF_FFFF


@dataclass(eq=False)
class VmxonRegion:
    """A VMXON region in simulated host memory.

    There is no real host memory: `address` is the simulated host-physical address the region would be
    passed to VMXON at (it carries the alignment and width a real frame address has, and VMXON checks
    them), and `data` is the frame's content.
    """

    address: int
    data: bytearray = field(default_factory=lambda: bytearray(FRAME_SIZE))

    @classmethod
    def new(cls, address: int, revision_id: int) -> VmxonRegion:
        """A zeroed frame at `address` with dword 0 = `revision_id` (bits 30:0) and bit 31 clear."""
        region = cls(address)
        region.data[0:4] = (revision_id & _REVISION_MASK).to_bytes(4, "little")
        return region

    @property
    def header(self) -> int:
        """Dword 0 of the region, all 32 bits."""
        return int.from_bytes(self.data[0:4], "little")

    @property
    def revision_id(self) -> int:
        """Bits 30:0 of dword 0."""
        return self.header & _REVISION_MASK
