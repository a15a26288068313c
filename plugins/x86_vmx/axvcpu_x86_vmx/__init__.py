"""axvcpu arch plugin for Intel VMX (`x86_64`)."""

from __future__ import annotations

from .config import X86CreateConfig, X86SetupConfig, X86VmConfig
from .ept import eptp_for
from .host import X86HostCpu
from .percpu import X86PerCpu
from .registers import REGISTER_MODEL
from .vmx_basic import VmxBasic
from .vmxon import VmxonRegion

__version__ = "0.1.0"

__all__ = [
    "REGISTER_MODEL",
    "VmxBasic",
    "VmxonRegion",
    "X86CreateConfig",
    "X86HostCpu",
    "X86PerCpu",
    "X86SetupConfig",
    "X86VmConfig",
    "__version__",
    "eptp_for",
]
