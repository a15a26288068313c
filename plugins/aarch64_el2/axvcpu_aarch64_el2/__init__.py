"""axvcpu arch plugin for Arm AArch64 virtualization at EL2 (`aarch64`)."""

from __future__ import annotations

from .affinity import affinity_for, vmpidr_for
from .config import Aarch64CreateConfig, Aarch64SetupConfig, Aarch64VmConfig
from .hcr import HCR_EL2_GUEST, guest_hcr
from .host import Aarch64HostCpu
from .percpu import Aarch64PerCpu
from .registers import REGISTER_MODEL
from .stage2 import levels, start_level, vtcr_for

__version__ = "0.1.0"

__all__ = [
    "HCR_EL2_GUEST",
    "REGISTER_MODEL",
    "Aarch64CreateConfig",
    "Aarch64HostCpu",
    "Aarch64PerCpu",
    "Aarch64SetupConfig",
    "Aarch64VmConfig",
    "__version__",
    "affinity_for",
    "guest_hcr",
    "levels",
    "start_level",
    "vmpidr_for",
    "vtcr_for",
]
