"""The pluggy entry point of the aarch64 plugin: its architecture descriptor."""

from __future__ import annotations

from axvcpu_core.descriptor import ArchDescriptor, Capabilities, ConsoleDefault, PlatformDefaults
from axvcpu_core.hookspecs import hookimpl

from .config import Aarch64CreateConfig, Aarch64SetupConfig, Aarch64VmConfig
from .percpu import Aarch64PerCpu
from .registers import REGISTER_MODEL

NOT_APPLICABLE = {
    "IoRead": "AArch64 has no port I/O",
    "IoWrite": "AArch64 has no port I/O",
    "FailEntry": "entering EL1 with ERET cannot fail the way a VMX entry can",
}


@hookimpl
def axvcpu_arch_descriptor() -> ArchDescriptor:
    """The aarch64 descriptor."""
    return ArchDescriptor(
        name="aarch64",
        aliases=("arm64", "el2", "armv8"),
        description="Arm AArch64 with EL2: EL1/EL0 guests under an EL2 hypervisor, stage-2 translation",
        api_versions=">=1.0,<2",
        registers=REGISTER_MODEL,
        percpu_class=Aarch64PerCpu,
        create_config=Aarch64CreateConfig,
        setup_config=Aarch64SetupConfig,
        vm_config=Aarch64VmConfig,
        platform=PlatformDefaults(
            ram_base=0x4000_0000,
            ram_size=128 << 20,
            console=ConsoleDefault(kind="pl011", bus="mmio", base=0x0900_0000),
        ),
        capabilities=Capabilities(not_applicable=NOT_APPLICABLE, features=frozenset({"percpu"})),
    )
