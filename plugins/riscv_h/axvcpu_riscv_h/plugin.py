"""The pluggy entry point of the riscv64 plugin: its architecture descriptor."""

from __future__ import annotations

from collections.abc import Mapping

from axvcpu_core.conformance_kit import ScenarioEntry
from axvcpu_core.descriptor import ArchDescriptor, Capabilities, ConsoleDefault, DemoGuest, PlatformDefaults
from axvcpu_core.hookspecs import hookimpl

from . import sbi
from .benchmarks import bench_kit
from .config import RiscvCreateConfig, RiscvSetupConfig, RiscvVmConfig, vcpu_configs
from .conformance import conformance_guests
from .decoder import decoder_spec
from .guests import guest_bytes
from .percpu import RiscvPerCpu
from .registers import REGISTER_MODEL
from .vcpu import RiscvVCpu

NOT_APPLICABLE = {
    "IoRead": "RISC-V has no port I/O",
    "IoWrite": "RISC-V has no port I/O",
    "FailEntry": "entering V=1 with SRET cannot fail the way a VMX entry can",
}
EXITS = frozenset(
    {
        "Hypercall", "MmioRead", "MmioWrite", "SysRegRead", "SysRegWrite", "ExternalInterrupt",
        "NestedPageFault", "Halt", "CpuUp", "CpuDown", "SystemDown", "Nothing", "SendIPI",
    }
)  # fmt: skip
SBI_STATUS = {
    "success": sbi.SBI_SUCCESS,
    "failed": sbi.SBI_ERR_FAILED,
    "invalid_param": sbi.SBI_ERR_INVALID_PARAM,
    "invalid_address": sbi.SBI_ERR_INVALID_ADDRESS,
    "already_available": sbi.SBI_ERR_ALREADY_AVAILABLE,
}
"""SBI error codes the VMM writes with set_return_value (two's complement)."""


def demo_guest() -> DemoGuest:
    """The SMP demo: banner, HSM hart start, IPIs, a hypercall, a timer interrupt, SRST power-off."""
    return DemoGuest(guest_bytes("demo"), vcpus=2, description=demo_guest.__doc__ or "")


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
        capabilities=Capabilities(
            exits=EXITS,
            not_applicable=NOT_APPLICABLE,
            features=frozenset({"percpu", "decode", "run", "smp"}),
        ),
        vcpu_class=RiscvVCpu,
        decoder=decoder_spec(),
        vcpu_configs=vcpu_configs,
        status_codes=SBI_STATUS,
        demo=demo_guest,
        bench=bench_kit,
    )


@hookimpl
def axvcpu_conformance_guests() -> Mapping[str, ScenarioEntry]:
    """The riscv64 guest for every conformance scenario it supports."""
    return conformance_guests()
