"""The pluggy entry point of the riscv64 plugin: its architecture descriptor."""

from __future__ import annotations

from axvcpu_core.descriptor import ArchDescriptor, Capabilities, ConsoleDefault, PlatformDefaults
from axvcpu_core.hookspecs import hookimpl

from .config import RiscvCreateConfig, RiscvSetupConfig, RiscvVmConfig
from .percpu import RiscvPerCpu
from .registers import REGISTER_MODEL

NOT_APPLICABLE = {
    "IoRead": "RISC-V has no port I/O",
    "IoWrite": "RISC-V has no port I/O",
    "FailEntry": "entering V=1 with SRET cannot fail the way a VMX entry can",
}


@hookimpl
def axvcpu_arch_descriptor() -> ArchDescriptor:
    """The riscv64 descriptor."""
    return ArchDescriptor(
        name="riscv64",
        aliases=("riscv", "rv64"),
        description="RISC-V RV64 with the H extension: VS-mode guests under an HS-mode hypervisor",
        api_versions=">=1.0,<2",
        registers=REGISTER_MODEL,
        percpu_class=RiscvPerCpu,
        create_config=RiscvCreateConfig,
        setup_config=RiscvSetupConfig,
        vm_config=RiscvVmConfig,
        platform=PlatformDefaults(
            ram_base=0x8000_0000,
            ram_size=128 << 20,
            console=ConsoleDefault(kind="ns16550a", bus="mmio", base=0x1000_0000),
        ),
        capabilities=Capabilities(not_applicable=NOT_APPLICABLE, features=frozenset({"percpu"})),
    )
