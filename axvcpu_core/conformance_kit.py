"""What an arch plugin supplies to the conformance suite (no pytest needed to import this).

A plugin implements the hook `axvcpu_conformance_guests()` and returns a mapping from scenario name
(see `SCENARIOS`) to a `ScenarioGuest`, an `Unsupported` (skipped with the reason) or a `KnownGap`
(runs as a strict xfail: it must fail, and the suite reports when it starts passing).

Every guest is a raw image loaded at the start of the platform's RAM, entered at its first byte by
vCPU 0, with the platform's console device and a *scratch* device at `DEVICE_BASE` (reads return
what was last written at the same offset, else `DEVICE_FILL`). Offsets below are from the image
start. Numbers the suite fixes are in this module; numbers only the guest knows go in `details`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEVICE_BASE = 0x1000_1000
"""Scratch device window of every scenario VM (4 KiB)."""
DEVICE_FILL = 0x8899_AABB_CCDD_EEFF
"""What the scratch device returns where nothing was written (every width has its sign bit set)."""
WRITE_PATTERN = 0x1122_3344_5566_7788
"""The value a guest stores in the MMIO-write scenarios (the exit carries it masked to the width)."""
HYPERCALL_NR = 1
HYPERCALL_ARGS = (10, 20, 30, 40, 50, 60)
HYPERCALL_RESULT = 210
"""The VMM's built-in hypercall 1 returns the sum of its six arguments."""
MARKER = 0x600D_600D
"""What a guest stores in a result slot to show it got somewhere."""
WIDTHS = (1, 2, 4, 8)

SCENARIOS: dict[str, str] = {
    "hypercall": "a hypercall with 6 arguments; the guest stores the returned value in slot 'value'",
    **{f"mmio_write_{w}": f"a {w}-byte store of WRITE_PATTERN to DEVICE_BASE + details['offset']" for w in WIDTHS},
    **{
        f"mmio_read_{w}_{kind}": f"a {w}-byte {kind}-extending load from DEVICE_BASE + details['offset']; "
        "the loaded register is stored in slot 'value'"
        for w in WIDTHS
        for kind in ("zero", "sign")
        if not (w == 8 and kind == "sign")
    },
    "stage2_rule": "an access to unmapped guest-physical memory that is not a single-register load or store "
    "(details['addr']): NestedPageFault resuming at the same PC",
    "sysreg_read": "a trapped system-register read of details['addr'] into register details['reg']; the "
    "register is stored in slot 'value' (the VMM completes unknown registers with 0)",
    "sysreg_write": "a trapped write of details['value'] to system register details['addr']",
    "io_read": "a port read of details['width'] bytes from details['port'] (the VMM reads 0 from an "
    "unassigned port); the register is stored in slot 'value'",
    "io_write": "a port write of details['value'] (details['width'] bytes) to details['port']",
    "halt_wake": "halt; the suite injects interrupt details['vector'] 1 ms later; the guest then stores "
    "MARKER in slot 'marker'",
    "external_interrupt": "the guest keeps running (for example in a long loop) and then powers off; the suite "
    "raises host interrupt details['vector'] on vCPU 0 1 ms in: an ExternalInterrupt exit, after which the guest "
    "goes on",
    "fetch_fault": "a jump to unmapped guest-physical address details['addr']",
    "cpu_up": "vCPU 0 starts vCPU 1 at details['entry'] (offset) with arg details['arg']; vCPU 1 stores "
    "MARKER in slot 'marker'",
    "cpu_down": "a secondary vCPU powers itself off",
    "send_ipi": "vCPU 0 sends an IPI to vCPU 1 (details['vector']); vCPU 1 stores MARKER in slot 'marker'",
    "send_ipi_broadcast": "an IPI to all vCPUs including the sender",
    "poweroff": "the guest powers the VM off",
    "reset": "the guest resets the VM",
}
"""Every scenario of the suite and what its guest must do."""


@dataclass(frozen=True)
class ScenarioGuest:
    """A guest program for one scenario.

    `exits` lists the (offset of the trapping instruction, offset the guest resumes at) of the
    scenario's exit(s), in order; the suite checks both against the trace. `slots` names 8-byte result
    slots by offset; `details` carries the numbers the scenario description refers to.
    """

    image: bytes
    exits: tuple[tuple[int, int], ...]
    vcpus: int = 1
    slots: Mapping[str, int] = field(default_factory=dict)
    details: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Unsupported:
    """The plugin does not support the scenario (skipped with this reason)."""

    reason: str


@dataclass(frozen=True)
class KnownGap:
    """The plugin knows it fails the scenario: it runs as a strict xfail with this reason."""

    reason: str
    guest: ScenarioGuest


ScenarioEntry = ScenarioGuest | Unsupported | KnownGap
