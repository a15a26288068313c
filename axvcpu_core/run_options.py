"""Turn `axvcpu run` options into a `VmSpec` (QEMU virt defaults when there is no spec file)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AxError, AxErrorKind
from .image import ELF_MAGIC
from .registry import LoadedArch
from .spec import VmSpec

CONSOLE_SIZE = {"mmio": 0x100, "port": 8}


@dataclass
class RunOptions:
    """The command-line options of `axvcpu run`."""

    spec_file: Path | None = None
    arch: LoadedArch | None = None
    image: Path | None = None
    load_addr: int | None = None
    entry: int | None = None
    vcpus: int | None = None
    memory: int | None = None
    max_exits: int | None = None
    timeout: float | None = None


def build_spec(options: RunOptions, workdir: Path) -> VmSpec:
    """The VM spec a run uses: the spec file with overrides, or the arch's defaults."""
    if options.spec_file is not None:
        return _from_file(options)
    if options.arch is None:
        raise AxError(AxErrorKind.InvalidInput, "give a VM spec file or --arch (see `axvcpu arches`)")
    from .vmm.vm import require_vcpu_model

    require_vcpu_model(options.arch.descriptor)
    return VmSpec.from_data(_default_data(options, options.arch, workdir), source="from the command line")


def _from_file(options: RunOptions) -> VmSpec:
    assert options.spec_file is not None
    if options.image is not None or options.memory is not None or options.load_addr is not None:
        raise AxError(
            AxErrorKind.InvalidInput,
            "--image, --load-addr and --memory apply without a spec; put them in the spec file",
        )
    from .spec import read_spec_file

    data = read_spec_file(options.spec_file)
    if isinstance(data, dict):
        _override(data, options)
    return VmSpec.from_data(data, str(options.spec_file), options.spec_file.resolve().parent)


def _override(data: dict[str, Any], options: RunOptions) -> None:
    if options.arch is not None:
        data["arch"] = options.arch.name
    if options.vcpus is not None:
        data["vcpus"] = options.vcpus
    if options.entry is not None:
        data["entry"] = options.entry
    limits = data.setdefault("limits", {})
    if isinstance(limits, dict):
        if options.max_exits is not None:
            limits["max_exits"] = options.max_exits
        if options.timeout is not None:
            limits["timeout"] = options.timeout


def _default_data(options: RunOptions, arch: LoadedArch, workdir: Path) -> dict[str, Any]:
    platform = arch.descriptor.platform
    console = platform.console
    data: dict[str, Any] = {
        "name": f"{arch.name}-{'demo' if options.image is None else options.image.name}",
        "arch": arch.name,
        "memory": [{"base": platform.ram_base, "size": options.memory or platform.ram_size}],
        "devices": [
            {"kind": console.kind, "bus": console.bus, "base": console.base, "size": CONSOLE_SIZE[console.bus]}
        ],
        "images": [_image_entry(options, arch, workdir)],
    }
    vcpus = options.vcpus
    if vcpus is None and options.image is None:
        assert arch.descriptor.demo is not None
        vcpus = arch.descriptor.demo().vcpus
    data["vcpus"] = vcpus or 1
    if options.entry is not None:
        data["entry"] = options.entry
    _override(data, RunOptions(max_exits=options.max_exits, timeout=options.timeout))
    return data


def _image_entry(options: RunOptions, arch: LoadedArch, workdir: Path) -> dict[str, Any]:
    base = arch.descriptor.platform.ram_base
    if options.image is None:
        demo = arch.descriptor.demo
        if demo is None:
            raise AxError(AxErrorKind.Unsupported, f"arch {arch.name} has no built-in demo guest; give --image")
        path = Path(tempfile.mkstemp(prefix="demo-", suffix=".bin", dir=workdir)[1])
        path.write_bytes(demo().image)
        return {"file": str(path), "load_addr": base}
    is_elf = options.image.is_file() and options.image.read_bytes()[:4] == ELF_MAGIC
    load_addr = options.load_addr if options.load_addr is not None or is_elf else base
    return {"file": str(options.image), "load_addr": load_addr}
