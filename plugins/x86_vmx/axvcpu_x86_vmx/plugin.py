"""The pluggy entry point of the x86_64 plugin: its architecture descriptor."""

from __future__ import annotations

from axvcpu_core.descriptor import ArchDescriptor, Capabilities, ConsoleDefault, PlatformDefaults
from axvcpu_core.hookspecs import hookimpl

from .config import X86CreateConfig, X86SetupConfig, X86VmConfig
from .percpu import X86PerCpu
from .registers import REGISTER_MODEL

NOT_APPLICABLE = {
    "CpuDown": (
        "x86 has no architected CPU-off request (no PSCI CPU_OFF or SBI hart_stop): a guest parks a CPU "
        "with HLT, which is Halt, and no VMX exit reason means the CPU powers off"
    ),
}
"""Every other exit kind has a VMX exit reason (reference §2.3); FailEntry is bit 31 of the exit reason."""


@hookimpl
def axvcpu_arch_descriptor() -> ArchDescriptor:
    """The x86_64 descriptor."""
    return ArchDescriptor(
        name="x86_64",
        aliases=("x86", "vmx", "x64", "amd64"),
        description="Intel x86-64 with VMX and EPT: VMX non-root guests under a VMX-root hypervisor",
        api_versions=">=1.0,<2",
        registers=REGISTER_MODEL,
        percpu_class=X86PerCpu,
        create_config=X86CreateConfig,
        setup_config=X86SetupConfig,
        vm_config=X86VmConfig,
        platform=PlatformDefaults(
            ram_base=0x0,
            ram_size=128 << 20,
            console=ConsoleDefault(kind="ns16550a", bus="port", base=0x3F8),
        ),
        capabilities=Capabilities(not_applicable=NOT_APPLICABLE, features=frozenset({"percpu"})),
    )
