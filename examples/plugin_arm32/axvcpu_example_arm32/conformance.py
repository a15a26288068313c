"""The plugin's answers to the conformance suite: a guest, or the reason there is none, per scenario.

See `axvcpu_core.conformance_kit.SCENARIOS` for what each guest must do. Offsets come from the
label table of each guest (`guests/NAME.json`): `access`/`call`/... is the trapping instruction,
`resume` where the guest continues, `value` its 8-byte result slot.
"""

from __future__ import annotations

from collections.abc import Mapping

from axvcpu_core.conformance_kit import DEVICE_BASE, ScenarioEntry, ScenarioGuest, Unsupported

from .board import RAM_BASE
from .guests import guest_bytes, guest_symbols

DEVICE_OFFSET = 0x10
"""Where in the scratch device the MMIO guests access (the `offset` detail)."""
LOAD_REGISTER = 3
"""The register the MMIO read guests load into (the `reg` detail)."""
UNMAPPED = 0x2000_0000
"""Where the fetch_fault guest jumps."""

_NO_IRQ = "the example model has no interrupts"
UNSUPPORTED: dict[str, str] = {
    "mmio_read_4_sign": "an LDR fills the whole 32-bit register: no 4-byte load sign-extends",
    "mmio_write_8": "32-bit registers: no single-register 8-byte store",
    "mmio_read_8_zero": "32-bit registers: no single-register 8-byte load",
    "sysreg_read": "the example model does not trap system-register (CP15) accesses",
    "sysreg_write": "the example model does not trap system-register (CP15) accesses",
    "io_read": "Arm has no port I/O",
    "io_write": "Arm has no port I/O",
    "halt_wake": f"{_NO_IRQ}: WFI does not halt and nothing can be injected",
    "external_interrupt": f"{_NO_IRQ}: no host device raises one",
    "cpu_up": "the example model has no call to start a vCPU (no PSCI)",
    "cpu_down": "the example model has no call to stop a vCPU (no PSCI)",
    "send_ipi": f"{_NO_IRQ}, so no IPIs",
    "send_ipi_broadcast": f"{_NO_IRQ}, so no IPIs",
}


def _guest(
    name: str, trap: str = "access", slots: tuple[str, ...] = (), details: Mapping[str, int] | None = None
) -> ScenarioGuest:
    """Guest `name` with one exit at label `trap` resuming at label `resume` (or at `trap` itself)."""
    symbols = guest_symbols(name)
    exit_ = (symbols[trap], symbols.get("resume", symbols[trap]))
    return ScenarioGuest(
        image=guest_bytes(name), exits=(exit_,), slots={s: symbols[s] for s in slots}, details=details or {}
    )


def _fetch_fault() -> ScenarioGuest:
    # The trapping "instruction" is the fetch at UNMAPPED itself: its offset from the image start is
    # negative, and the guest resumes there (NestedPageFault keeps the PC).
    offset = UNMAPPED - RAM_BASE
    return ScenarioGuest(image=guest_bytes("fetch_fault"), exits=((offset, offset),), details={"addr": UNMAPPED})


def scenario_guests() -> dict[str, ScenarioEntry]:
    """Every scenario of the suite: a `ScenarioGuest` or `Unsupported`."""
    entries: dict[str, ScenarioEntry] = {name: Unsupported(reason) for name, reason in UNSUPPORTED.items()}
    entries["hypercall"] = _guest("hypercall", trap="call", slots=("value",))
    for width in (1, 2, 4):
        entries[f"mmio_write_{width}"] = _guest(f"mmio_write_{width}", details={"offset": DEVICE_OFFSET})
    for kind in ("1_zero", "1_sign", "2_zero", "2_sign", "4_zero"):
        details = {"offset": DEVICE_OFFSET, "reg": LOAD_REGISTER}
        entries[f"mmio_read_{kind}"] = _guest(f"mmio_read_{kind}", slots=("value",), details=details)
    entries["stage2_rule"] = _guest("stage2_rule", details={"addr": DEVICE_BASE + DEVICE_OFFSET})
    entries["fetch_fault"] = _fetch_fault()
    entries["poweroff"] = _guest("poweroff", trap="poweroff")
    entries["reset"] = _guest("reset", trap="reset")
    return entries
