"""The entry point of the plugin (`axvcpu.arch` = `axvcpu_example_arm32.plugin`): its pluggy hooks.

`axvcpu_arch_descriptor` tells the core everything about the arch; `axvcpu_conformance_guests`
gives the conformance suite a guest (or a reason) per scenario. Nothing else in this module is
seen by the core.
"""

from __future__ import annotations

from collections.abc import Mapping

from axvcpu_core.conformance_kit import ScenarioEntry
from axvcpu_core.descriptor import ArchDescriptor, Capabilities, DemoGuest
from axvcpu_core.hookspecs import hookimpl

from .board import PLATFORM
from .config import Arm32CreateConfig, Arm32SetupConfig, Arm32VmConfig, vcpu_configs
from .conformance import scenario_guests
from .decoder import decoder_spec
from .guests import guest_bytes
from .percpu import Arm32PerCpu
from .registers import REGISTER_MODEL
from .vcpu import Arm32VCpu

DESCRIPTION = (
    "EXAMPLE plugin: a made-up minimal virtualization model on Unicorn's 32-bit Arm (ARM state): "
    "SVC hypercalls, MMIO through unmapped memory. Not a model of the Arm virtualization extensions."
)
EXITS = frozenset({"Hypercall", "MmioRead", "MmioWrite", "NestedPageFault", "SystemDown", "Nothing"})
_NO_IRQ = "the example model has no interrupts"
NOT_APPLICABLE = {
    "SysRegRead": "the example model does not trap system-register (CP15) accesses",
    "SysRegWrite": "the example model does not trap system-register (CP15) accesses",
    "IoRead": "Arm has no port I/O",
    "IoWrite": "Arm has no port I/O",
    "ExternalInterrupt": f"{_NO_IRQ}; the host's time-slice interrupt is reported as Nothing",
    "Halt": f"{_NO_IRQ}, so WFI has nothing to wait for and does not trap",
    "CpuUp": "the example model has no call to start a vCPU",
    "CpuDown": "the example model has no call to stop a vCPU",
    "SendIPI": f"{_NO_IRQ}, so no IPIs",
    "FailEntry": "entering the guest cannot fail in the example model",
}
"""Every exit kind the model never produces, and why (the suite skips their scenarios)."""


def demo_guest() -> DemoGuest:
    """Prints a line on the ns16550a UART and powers off."""
    return DemoGuest(guest_bytes("demo"), vcpus=1, description=demo_guest.__doc__ or "")


@hookimpl
def axvcpu_arch_descriptor() -> ArchDescriptor:
    """The arm32 descriptor."""
    return ArchDescriptor(
        name="arm32",
        aliases=("toyarm",),
        description=DESCRIPTION,
        api_versions=">=1.0,<2",
        registers=REGISTER_MODEL,
        percpu_class=Arm32PerCpu,
        create_config=Arm32CreateConfig,
        setup_config=Arm32SetupConfig,
        vm_config=Arm32VmConfig,
        platform=PLATFORM,
        capabilities=Capabilities(
            exits=EXITS, not_applicable=NOT_APPLICABLE, features=frozenset({"percpu", "decode", "run"})
        ),
        vcpu_class=Arm32VCpu,
        decoder=decoder_spec(),
        vcpu_configs=vcpu_configs,
        demo=demo_guest,
        # The VMM only writes these when it refuses CpuUp / SendIPI, which this model never asks for.
        status_codes={"success": 0, "invalid_param": 0xFFFF_FFFF},
    )


@hookimpl
def axvcpu_conformance_guests() -> Mapping[str, ScenarioEntry]:
    """A guest (or the reason there is none) for every conformance scenario."""
    return scenario_guests()
