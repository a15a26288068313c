"""What an arch plugin tells the core about itself: the `ArchDescriptor` and its parts."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from .arch import ArchPerCpu, ArchVCpu
from .exits import EXIT_KINDS, VmExit

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .benchkit import BenchKit
    from .services import VmmServices

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Decoded(NamedTuple):
    """A decoded trap: the common exit and the PC the guest resumes at if the VMM completes it."""

    exit: VmExit
    next_pc: int
    actions: tuple[object, ...] = ()
    """Arch-specific side effects the vCPU applies in `run()` before returning the exit
    (register writes, timer programming, console I/O). They are not part of the exit JSON."""

    def to_dict(self) -> dict[str, Any]:
        """The decoded-exit JSON object of DESIGN.md: exit fields plus `next_pc`."""
        out = self.exit.to_dict()
        out["next_pc"] = self.next_pc
        return out


@dataclass(frozen=True)
class DecoderSpec:
    """A plugin's pure decoder and the converters between its trap record and JSON.

    `parse` turns a JSON object into the decoder's input and raises AxError(InvalidData) naming the
    bad field; `decode` is the pure decoder; `dump` gives a trap's JSON object back (for traces).
    """

    record_model: type[BaseModel]
    parse: Callable[[Mapping[str, Any]], Any]
    decode: Callable[[Any, VmmServices], Decoded]
    dump: Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class RegisterModel:
    """The general-purpose register file as `set_gpr`/`get_gpr` index it."""

    gpr_names: tuple[str, ...]
    """Architectural name of each index, in `set_gpr` order."""
    return_value_index: int
    """Index `set_return_value` writes."""
    zero_indices: frozenset[int] = frozenset()
    """Indices hard-wired to zero (writes ignored, reads 0)."""
    aliases: Mapping[str, int] = field(default_factory=dict)
    """Other accepted names (ABI names) and the index they mean."""
    cpu_up: Mapping[str, int] = field(default_factory=dict)
    """Registers the VMM sets on a vCPU started by CpuUp: "cpu_id" and/or "arg" -> index."""

    def index_of(self, name: str) -> int | None:
        """Index of a register by architectural or alias name (case-insensitive), or None."""
        lowered = name.lower()
        for index, gpr in enumerate(self.gpr_names):
            if gpr.lower() == lowered:
                return index
        return self.aliases.get(lowered)


@dataclass(frozen=True)
class ConsoleDefault:
    """The default console UART of the arch's reference platform."""

    kind: str
    bus: str
    base: int


@dataclass(frozen=True)
class PlatformDefaults:
    """QEMU `virt`-style defaults used when no VM spec is given."""

    ram_base: int
    ram_size: int
    console: ConsoleDefault


@dataclass(frozen=True)
class Capabilities:
    """What the plugin implements today, and what its architecture cannot have."""

    exits: frozenset[str] = frozenset()
    """Exit kinds the plugin's decoder and hardware model produce."""
    not_applicable: Mapping[str, str] = field(default_factory=dict)
    """Exit kinds the architecture never produces, with the reason."""
    features: frozenset[str] = frozenset()
    """Implemented parts: "percpu", "decode", "run", "smp", ..."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form for `axvcpu arches --json`."""
        return {
            "exits": sorted(self.exits),
            "not_applicable": dict(sorted(self.not_applicable.items())),
            "features": sorted(self.features),
        }


@dataclass(frozen=True)
class DemoGuest:
    """A built-in guest image: raw bytes loaded at the start of RAM, and its default vCPU count."""

    image: bytes
    vcpus: int = 1
    description: str = ""


@dataclass(frozen=True)
class ArchDescriptor:
    """Everything the core needs to know about one architecture plugin."""

    name: str
    aliases: tuple[str, ...]
    description: str
    api_versions: str
    """The plugin-API versions the plugin supports, e.g. ">=1.0,<2"."""
    registers: RegisterModel
    percpu_class: type[ArchPerCpu]
    create_config: type[BaseModel]
    setup_config: type[BaseModel]
    vm_config: type[BaseModel]
    """Model of the VM spec's `arch_config` section."""
    platform: PlatformDefaults
    capabilities: Capabilities
    vcpu_class: type[ArchVCpu] | None = None
    decoder: DecoderSpec | None = None
    vcpu_configs: Callable[[BaseModel, int], tuple[BaseModel, BaseModel]] | None = None
    """(VM settings, vCPU id) -> (create config, setup config); needed with `vcpu_class`."""
    bench: Callable[[], BenchKit] | None = None
    """The guest loops and bare-Unicorn set-up `axvcpu bench` measures."""
    demo: Callable[[], DemoGuest] | None = None
    """The built-in demo guest `axvcpu run --arch A` runs with no spec and no image."""
    status_codes: Mapping[str, int] = field(default_factory=dict)
    """Firmware-call return values the VMM writes with `set_return_value` when it completes or
    refuses CpuUp / SendIPI: "success", "invalid_param", "already_available", "invalid_address"."""

    def problems(self) -> list[str]:
        """Everything wrong with the descriptor (empty when valid)."""
        from pydantic import BaseModel

        found: list[str] = []
        if not _NAME.match(self.name):
            found.append(f"name {self.name!r} is not a lowercase identifier")
        found += [f"alias {a!r} is not a lowercase identifier" for a in self.aliases if not _NAME.match(a)]
        if not self.description.strip():
            found.append("description is empty")
        found += _class_problems("percpu_class", self.percpu_class, ArchPerCpu)
        if self.vcpu_class is not None:
            found += _class_problems("vcpu_class", self.vcpu_class, ArchVCpu)
        for label in ("create_config", "setup_config", "vm_config"):
            found += _class_problems(label, getattr(self, label), BaseModel)
        found += _register_problems(self.registers)
        unknown = (set(self.capabilities.exits) | set(self.capabilities.not_applicable)) - set(EXIT_KINDS)
        if unknown:
            found.append(f"capabilities name unknown exit kinds: {', '.join(sorted(unknown))}")
        both = set(self.capabilities.exits) & set(self.capabilities.not_applicable)
        if both:
            found.append(f"exit kinds both supported and not applicable: {', '.join(sorted(both))}")
        if self.capabilities.exits and self.decoder is None:
            found.append("capabilities list exits but the descriptor has no decoder")
        if self.vcpu_class is not None and self.vcpu_configs is None:
            found.append("a descriptor with a vcpu_class needs vcpu_configs")
        found += [
            f"cpu_up register {k!r} must be 'cpu_id' or 'arg'"
            for k in self.registers.cpu_up
            if k not in ("cpu_id", "arg")
        ]
        return found


def _class_problems(label: str, value: object, base: type) -> list[str]:
    if not isinstance(value, type) or not issubclass(value, base):
        return [f"{label} must be a subclass of {base.__name__}, got {value!r}"]
    return []


def _register_problems(model: RegisterModel) -> list[str]:
    count = len(model.gpr_names)
    found: list[str] = []
    if count == 0:
        found.append("register model has no general-purpose registers")
    if not 0 <= model.return_value_index < count:
        found.append(f"return_value_index {model.return_value_index} is outside 0..{count - 1}")
    found += [f"zero index {i} is outside 0..{count - 1}" for i in model.zero_indices if not 0 <= i < count]
    found += [f"alias {n!r} -> {i} is outside 0..{count - 1}" for n, i in model.aliases.items() if not 0 <= i < count]
    return found
