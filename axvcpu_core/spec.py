"""`VmSpec`: the validated description of a VM (YAML, TOML or JSON).

Per-arch settings (`arch_config`) are validated by the plugin's own model. Every error names the
field and the bad value; `VmSpec.load` and `VmSpec.from_data` raise `SpecError` (AxError
InvalidInput) listing them all.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .addr import MappingFlags
from .errors import AxError, AxErrorKind
from .image import GuestImage, load_image
from .registry import ArchRegistry, LoadedArch, default_registry
from .units import parse_address, parse_size

Address = Annotated[int, BeforeValidator(parse_address), Field(json_schema_extra={"examples": ["0x80000000"]})]
Size = Annotated[int, BeforeValidator(parse_size), Field(json_schema_extra={"examples": ["128MiB", "0x8000000"]})]

_PAGE = 0x1000
MAX_VCPUS = 256


class SpecError(AxError):
    """A VM spec that failed validation; `problems` holds one line per bad field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(AxErrorKind.InvalidInput, f"invalid VM spec {source}:\n  " + "\n  ".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemoryRegionSpec(_Strict):
    """A RAM region: base, size and permissions."""

    base: Address = Field(description="guest-physical base address (page aligned)")
    size: Size = Field(description="size in bytes, e.g. 128MiB (page aligned)")
    flags: str = Field(default="rwx", description="permissions: letters r, w, x or names joined by |")
    name: str = Field(default="ram", min_length=1, description="label used in messages")

    @field_validator("base", "size")
    @classmethod
    def _page_aligned(cls, value: int) -> int:
        if value % _PAGE:
            raise ValueError(f"{value:#x} is not a multiple of the 4 KiB page size")
        return value

    @field_validator("size")
    @classmethod
    def _non_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("a memory region cannot be empty")
        return value

    @field_validator("flags")
    @classmethod
    def _known_flags(cls, value: str) -> str:
        try:
            MappingFlags.parse(value)
        except AxError as err:
            raise ValueError(err.message) from None
        return value

    @property
    def end(self) -> int:
        """First address past the region."""
        return self.base + self.size

    @property
    def mapping_flags(self) -> MappingFlags:
        """The parsed permissions."""
        return MappingFlags.parse(self.flags)


class ImageSpec(_Strict):
    """A guest image file and where it goes."""

    file: Path = Field(description="path, relative to the spec file")
    load_addr: Address | None = Field(default=None, description="load address (raw: required; ELF: moves it)")
    format: Literal["auto", "raw", "elf"] = Field(default="auto", description="auto detects ELF by its magic")


class DeviceSpec(_Strict):
    """An emulated device: model, bus and address window."""

    kind: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_-]*$", description="device model, e.g. ns16550a")
    bus: Literal["mmio", "port"] = Field(default="mmio", description="MMIO window or x86 port range")
    base: Address = Field(description="first address (or port) of the window")
    size: Size = Field(default=0x1000, description="window size in bytes (or ports)")
    irq: int | None = Field(default=None, ge=0, le=1023, description="interrupt line, if the device has one")
    access: Literal["hook", "trap"] = Field(
        default="hook",
        description="hook: shadow page + memory hooks (fast exits, slows all guest loads/stores); "
        "trap: unmapped window, stop/restart per access (no global cost)",
    )
    options: dict[str, Any] = Field(default_factory=dict, description="model-specific settings")

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.size == 0:
            raise ValueError(f"device {self.kind} at {self.base:#x} has size 0")
        if self.bus == "port" and self.base + self.size > 0x10000:
            raise ValueError(f"port window {self.base:#x}+{self.size:#x} goes past port 0xffff")
        return self


class LimitsSpec(_Strict):
    """When a run stops by itself."""

    max_exits: int | None = Field(default=None, gt=0, description="stop after this many VM exits")
    max_instructions: int | None = Field(default=None, gt=0, description="stop after this many guest instructions")
    timeout: float | None = Field(default=None, gt=0, description="stop after this many wall-clock seconds")


class VmSpec(_Strict):
    """A VM: arch, vCPUs, memory, images, entry point, devices, per-arch config and limits."""

    name: str = Field(default="vm", min_length=1, description="VM name shown in output")
    arch: str = Field(description="arch plugin: canonical name or alias (see `axvcpu arches`)")
    vcpus: int = Field(default=1, ge=1, le=MAX_VCPUS, description="number of vCPUs")
    memory: list[MemoryRegionSpec] = Field(min_length=1, description="RAM regions; they must not overlap")
    images: list[ImageSpec] = Field(default_factory=list, description="images loaded into RAM before start")
    entry: Address | None = Field(default=None, description="vCPU 0 start address; default: first image")
    devices: list[DeviceSpec] = Field(default_factory=list, description="emulated devices")
    arch_config: dict[str, Any] = Field(default_factory=dict, description="validated by the arch plugin")
    limits: LimitsSpec = Field(default_factory=LimitsSpec)

    _arch: LoadedArch | None = PrivateAttr(default=None)
    _arch_settings: BaseModel | None = PrivateAttr(default=None)
    _images: tuple[GuestImage, ...] = PrivateAttr(default=())

    # --- field checks ---------------------------------------------------------------------
    @field_validator("arch")
    @classmethod
    def _known_arch(cls, value: str, info: ValidationInfo) -> str:
        try:
            return _registry(info).resolve(value).name
        except AxError as err:
            raise ValueError(err.message) from None

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Self:
        registry = _registry(info)
        self._arch = registry.resolve(self.arch)
        self._arch_settings = _validate_arch_config(self._arch, self.arch_config)
        _check_regions(self.memory)
        self._images = _load_images(self.images, self.memory, _base_dir(info))
        if self.entry is None and self._images:
            first = self._images[0]
            self.entry = first.entry if first.entry is not None else first.start
        _check_entry(self.entry, self._images, self.memory)
        _check_devices(self.devices, self.memory)
        return self

    # --- results ----------------------------------------------------------------------------
    @property
    def loaded_arch(self) -> LoadedArch:
        """The arch plugin the spec names."""
        assert self._arch is not None
        return self._arch

    @property
    def arch_settings(self) -> BaseModel:
        """`arch_config` validated by the plugin's `vm_config` model."""
        assert self._arch_settings is not None
        return self._arch_settings

    @property
    def loaded_images(self) -> tuple[GuestImage, ...]:
        """The images, read and placed."""
        return self._images

    # --- construction ---------------------------------------------------------------------
    @classmethod
    def from_data(
        cls,
        data: Any,
        source: str = "<data>",
        base_dir: Path | None = None,
        registry: ArchRegistry | None = None,
    ) -> VmSpec:
        """Validate a parsed spec; SpecError lists every problem with its field and value."""
        context = {"registry": registry, "base_dir": base_dir}
        try:
            return cls.model_validate(data, context=context)
        except ValidationError as err:
            raise SpecError(source, [_describe(e) for e in err.errors()]) from None

    @classmethod
    def load(cls, path: str | Path, registry: ArchRegistry | None = None) -> VmSpec:
        """Read and validate a spec file (.yaml/.yml, .toml or .json)."""
        file = Path(path)
        data = read_spec_file(file)
        return cls.from_data(data, str(file), file.resolve().parent, registry)


def read_spec_file(path: Path) -> Any:
    """Parse a YAML, TOML or JSON file by its suffix; AxError naming the file on failure."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise AxError(AxErrorKind.NotFound, f"cannot read VM spec {str(path)!r}: {err}") from err
    try:
        if suffix in (".yaml", ".yml"):
            import yaml

            return yaml.safe_load(text)
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text)
    except Exception as err:
        raise AxError(AxErrorKind.InvalidData, f"VM spec {str(path)!r} is not valid {suffix[1:]}: {err}") from err
    raise AxError(AxErrorKind.InvalidInput, f"VM spec {str(path)!r}: use a .yaml, .yml, .toml or .json file")


def _registry(info: ValidationInfo) -> ArchRegistry:
    context = info.context or {}
    registry = context.get("registry")
    return registry if isinstance(registry, ArchRegistry) else default_registry()


def _base_dir(info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base_dir")
    return base if isinstance(base, Path) else Path.cwd()


def _describe(error: Any) -> str:
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".") or "spec"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("missing",):
        return f"{loc}: field required"
    bad = error.get("input")
    if error["loc"] == () and error["type"] == "value_error":
        return message  # a cross-field check: the message names its fields
    if isinstance(bad, dict) and error["loc"] == ():
        return f"{loc}: {message}"
    return f"{loc}: {message} (got {bad!r})"


def _validate_arch_config(arch: LoadedArch, config: dict[str, Any]) -> BaseModel:
    try:
        return arch.descriptor.vm_config.model_validate(config)
    except ValidationError as err:
        lines = [_describe(e) for e in err.errors()]
        raise ValueError(f"arch_config for {arch.name}: " + "; ".join(lines)) from None


def _check_regions(memory: list[MemoryRegionSpec]) -> None:
    for i, a in enumerate(memory):
        for j in range(i):
            b = memory[j]
            if a.base < b.end and b.base < a.end:
                raise ValueError(
                    f"memory[{i}] [{a.base:#x}, {a.end:#x}) overlaps memory[{j}] [{b.base:#x}, {b.end:#x})"
                )


def _in_ram(start: int, end: int, memory: list[MemoryRegionSpec]) -> bool:
    return any(r.base <= start and end <= r.end for r in memory)


def _load_images(images: list[ImageSpec], memory: list[MemoryRegionSpec], base_dir: Path) -> tuple[GuestImage, ...]:
    loaded = []
    for i, spec in enumerate(images):
        path = spec.file if spec.file.is_absolute() else base_dir / spec.file
        try:
            image = load_image(path, spec.format, spec.load_addr)
        except AxError as err:
            raise ValueError(f"images[{i}].file: {err.message}") from None
        for seg in image.segments:
            if not _in_ram(seg.gpa, seg.end, memory):
                raise ValueError(
                    f"images[{i}]: {spec.file} needs [{seg.gpa:#x}, {seg.end:#x}) "
                    f"({seg.mem_size} bytes), which is not inside one RAM region"
                )
        loaded.append(image)
    return tuple(loaded)


def _check_entry(entry: int | None, images: tuple[GuestImage, ...], memory: list[MemoryRegionSpec]) -> None:
    if entry is None:
        return
    if images:
        if not any(seg.gpa <= entry < seg.end for img in images for seg in img.segments):
            raise ValueError(f"entry {entry:#x} is outside every image")
    elif not _in_ram(entry, entry + 1, memory):
        raise ValueError(f"entry {entry:#x} is outside RAM")


def _check_devices(devices: list[DeviceSpec], memory: list[MemoryRegionSpec]) -> None:
    for i, dev in enumerate(devices):
        end = dev.base + dev.size
        if dev.bus == "mmio":
            for j, region in enumerate(memory):
                if dev.base < region.end and region.base < end:
                    raise ValueError(f"devices[{i}] ({dev.kind}) at {dev.base:#x} overlaps memory[{j}]")
        for j in range(i):
            other = devices[j]
            if other.bus == dev.bus and dev.base < other.base + other.size and other.base < end:
                raise ValueError(f"devices[{i}] ({dev.kind}) overlaps devices[{j}] ({other.kind})")
