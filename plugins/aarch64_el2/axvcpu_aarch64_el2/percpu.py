"""Per-physical-CPU EL2 state (reference §15): the EL2 check, vector table and HCR_EL2, saved and restored."""

from __future__ import annotations

from typing import ClassVar, Self

from axvcpu_core.arch import ArchPerCpu
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_core.physcpu import check_cpu_id

from .hcr import HCR_EL2_GUEST
from .host import Aarch64HostCpu
from .stage2 import DEFAULT_IPA_BITS, levels, vtcr_for
from .vectors import VECTOR_TABLE_ALIGN


class Aarch64PerCpu(ArchPerCpu):
    """One physical PE's hypervisor state.

    `HOST_CPU` is the simulated CPU model each per-CPU object gets its own instance of; `EL2_VECTORS` is
    the address of the plugin's EL2 vector table (there is no host memory: it is the value VBAR_EL2
    takes, and only has to be 2 KiB-aligned); `VTCR_EL2` is the host-wide stage-2 configuration the
    walk levels are derived from. All three are class settings so a host model (or a test) can
    subclass them.
    """

    HOST_CPU: ClassVar[type[Aarch64HostCpu]] = Aarch64HostCpu
    EL2_VECTORS: ClassVar[int] = 0x1_0000_0000
    VTCR_EL2: ClassVar[int] = vtcr_for(DEFAULT_IPA_BITS)

    def __init__(self, cpu_id: int) -> None:
        self.cpu_id = cpu_id
        self.host = self.HOST_CPU()
        self.vtcr_el2 = self.VTCR_EL2
        self._saved: tuple[int, int] | None = None

    @classmethod
    def new(cls, cpu_id: int) -> Self:
        """Record the CPU and model its host state; nothing is enabled."""
        check_cpu_id(cpu_id)
        return cls(cpu_id)

    def is_enabled(self) -> bool:
        """Whether `hardware_enable` succeeded and `hardware_disable` has not run since."""
        return self._saved is not None

    def hardware_enable(self) -> None:
        """Check EL2, save VBAR_EL2 and HCR_EL2, install the EL2 vectors and the guest HCR_EL2 (§11.1)."""
        self._check_el2()
        if self.is_enabled():
            raise AxError(AxErrorKind.ResourceBusy, f"virtualization is already enabled on CPU {self.cpu_id}")
        if self.EL2_VECTORS % VECTOR_TABLE_ALIGN:
            raise AxError(
                AxErrorKind.InvalidData,
                f"EL2 vector table {self.EL2_VECTORS:#x} is not 2 KiB-aligned (VBAR_EL2 bits [10:0] are RES0)",
            )
        self._saved = (self.host.vbar_el2, self.host.hcr_el2)
        self.host.vbar_el2 = self.EL2_VECTORS
        self.host.hcr_el2 = HCR_EL2_GUEST

    def hardware_disable(self) -> None:
        """Restore VBAR_EL2 and HCR_EL2 to exactly the values `hardware_enable` saved."""
        if self._saved is None:
            raise AxError(AxErrorKind.BadState, f"virtualization is not enabled on CPU {self.cpu_id}; enable it first")
        self.host.vbar_el2, self.host.hcr_el2 = self._saved
        self._saved = None

    def max_guest_page_table_levels(self) -> int:
        """4 - the stage-2 start level of the configured VTCR_EL2 (SL0): 3 or 4."""
        return levels(self.vtcr_el2)

    def _check_el2(self) -> None:
        host = self.host
        if host.exception_level != 2:
            raise AxError(
                AxErrorKind.Unsupported,
                f"CPU {self.cpu_id} runs at EL{host.exception_level} (CurrentEL {host.current_el:#x}), "
                "not EL2: boot the hypervisor at EL2",
            )
        if host.el2_support == 0:
            raise AxError(
                AxErrorKind.Unsupported,
                f"CPU {self.cpu_id} does not implement EL2 (ID_AA64PFR0_EL1 {host.id_aa64pfr0_el1:#x}, "
                "bits [11:8] = 0)",
            )
