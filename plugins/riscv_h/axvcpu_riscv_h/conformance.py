"""The riscv64 guests for the conformance suite's scenarios (axvcpu_core.conformance_kit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axvcpu_core.conformance_kit import DEVICE_BASE, ScenarioEntry, ScenarioGuest

from .guests import guest_bytes, guest_info

_MMIO_SCENARIOS = {
    "lb": "mmio_read_1_sign",
    "lbu": "mmio_read_1_zero",
    "lh": "mmio_read_2_sign",
    "lhu": "mmio_read_2_zero",
    "lw": "mmio_read_4_sign",
    "lwu": "mmio_read_4_zero",
    "ld": "mmio_read_8_zero",
    "sb": "mmio_write_1",
    "sh": "mmio_write_2",
    "sw": "mmio_write_4",
    "sd": "mmio_write_8",
}


def _guest(name: str, exits: tuple[tuple[str, int], ...] = (), vcpus: int = 1, **extra: Any) -> ScenarioGuest:
    """A guest by name; `exits` are (symbol, resume offset from that symbol)."""
    symbols = guest_info(name)["symbols"]
    pairs = tuple((symbols[sym], symbols[sym] + delta) for sym, delta in exits)
    results = symbols.get("results")
    slots = {slot: results + 8 * index for slot, index in extra.pop("slots", {}).items()}
    return ScenarioGuest(guest_bytes(name), pairs, vcpus, slots, extra.pop("details", {}))


def _mmio() -> dict[str, ScenarioEntry]:
    info = guest_info("mmio")
    entries: dict[str, ScenarioEntry] = {}
    image = guest_bytes("mmio")
    for access in info["accesses"]:
        scenario = _MMIO_SCENARIOS.get(access["mnemonic"])
        if scenario is None:
            continue
        details = {"offset": access["addr"] - DEVICE_BASE}
        slots = {}
        if access["kind"] == "MmioRead":
            details["reg"] = access["reg"]
            slots["value"] = access["result_offset"]
        exits = ((access["offset"], access["next_offset"]),)
        entries[scenario] = ScenarioGuest(image, exits, 1, slots, details)
    return entries


def conformance_guests() -> Mapping[str, ScenarioEntry]:
    """Every scenario riscv64 supports, and why it lacks the others."""
    cpu = guest_info("cpu")
    return {
        "hypercall": _guest("hypercall", (("insn_hvc", 4),), slots={"value": 0}),
        **_mmio(),
        "stage2_rule": _guest("stage2", (("insn_amo", 0),), details={"addr": 0x9000_0000}),
        "sysreg_read": _guest("csr", (("insn_rdcycle", 4),), slots={"value": 0}, details={"addr": 0xC00, "reg": 10}),
        "sysreg_write": _guest("csr", (("insn_csrw_hstatus", 4),), details={"addr": 0x600, "value": 0x12345678}),
        "halt_wake": _guest("wfi", (("insn_wfi", 4),), slots={"marker": 0}, details={"vector": 1}),
        "external_interrupt": _guest("spin", details={"vector": 9}),
        "fetch_fault": _guest("fetch_fault", details={"addr": 0x9000_0000}),
        "cpu_up": _guest(
            "cpu",
            (("insn_hart_start", 4),),
            vcpus=2,
            slots={"marker": 0},
            details={"entry": cpu["symbols"]["secondary"], "arg": cpu["constants"]["CPU_OPAQUE"]},
        ),
        "cpu_down": _guest("cpu", (("insn_hart_stop", 4),), vcpus=2),
        "send_ipi": _guest("ipi", (("insn_send_ipi", 4),), vcpus=2, slots={"marker": 0}, details={"vector": 1}),
        "send_ipi_broadcast": _guest("cpu", (("insn_send_ipi", 4),), vcpus=2),
        "poweroff": _guest("hypercall", (("insn_shutdown", 4),)),
        "reset": _guest("cpu", (("insn_reset", 4),), vcpus=2),
    }
