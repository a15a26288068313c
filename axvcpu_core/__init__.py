"""axvcpu core: the vCPU / per-CPU contract, exit kinds, plugin system, VM spec and VMM.

Public names are importable from here; they load lazily so `axvcpu --help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "AxError": "errors",
    "AxErrorKind": "errors",
    "GuestPhysAddr": "addr",
    "GuestVirtAddr": "addr",
    "HostPhysAddr": "addr",
    "SysRegAddr": "addr",
    "Port": "addr",
    "AccessWidth": "addr",
    "MappingFlags": "addr",
    "VmExit": "exits",
    "Hypercall": "exits",
    "MmioRead": "exits",
    "MmioWrite": "exits",
    "SysRegRead": "exits",
    "SysRegWrite": "exits",
    "IoRead": "exits",
    "IoWrite": "exits",
    "ExternalInterrupt": "exits",
    "NestedPageFault": "exits",
    "Halt": "exits",
    "CpuUp": "exits",
    "CpuDown": "exits",
    "SystemDown": "exits",
    "Nothing": "exits",
    "FailEntry": "exits",
    "SendIPI": "exits",
    "EXIT_KINDS": "exits",
    "exit_from_dict": "exits",
    "ArchVCpu": "arch",
    "ArchPerCpu": "arch",
    "VCpu": "vcpu",
    "VCpuState": "vcpu",
    "PerCpu": "percpu",
    "current_phys_cpu": "physcpu",
    "running_on": "physcpu",
    "get_current_vcpu": "physcpu",
    "VmmServices": "services",
    "OfflineServices": "services",
    "FastExitHandlers": "services",
    "GuestAddressSpace": "addrspace",
    "MemoryRegion": "addrspace",
    "GuestMemoryFault": "addrspace",
    "ArchDescriptor": "descriptor",
    "Capabilities": "descriptor",
    "ConsoleDefault": "descriptor",
    "Decoded": "descriptor",
    "DecoderSpec": "descriptor",
    "PlatformDefaults": "descriptor",
    "RegisterModel": "descriptor",
    "API_VERSION": "hookspecs",
    "hookimpl": "hookspecs",
    "hookspec": "hookspecs",
    "ArchRegistry": "registry",
    "LoadedArch": "registry",
    "PluginFailure": "registry",
    "default_registry": "registry",
    "VmSpec": "spec",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'axvcpu_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .addr import AccessWidth, GuestPhysAddr, GuestVirtAddr, HostPhysAddr, MappingFlags, Port, SysRegAddr
    from .addrspace import GuestAddressSpace, GuestMemoryFault, MemoryRegion
    from .arch import ArchPerCpu, ArchVCpu
    from .descriptor import (
        ArchDescriptor,
        Capabilities,
        ConsoleDefault,
        Decoded,
        DecoderSpec,
        PlatformDefaults,
        RegisterModel,
    )
    from .errors import AxError, AxErrorKind
    from .exits import (
        EXIT_KINDS,
        CpuDown,
        CpuUp,
        ExternalInterrupt,
        FailEntry,
        Halt,
        Hypercall,
        IoRead,
        IoWrite,
        MmioRead,
        MmioWrite,
        NestedPageFault,
        Nothing,
        SendIPI,
        SysRegRead,
        SysRegWrite,
        SystemDown,
        VmExit,
        exit_from_dict,
    )
    from .hookspecs import API_VERSION, hookimpl, hookspec
    from .percpu import PerCpu
    from .physcpu import current_phys_cpu, get_current_vcpu, running_on
    from .registry import ArchRegistry, LoadedArch, PluginFailure, default_registry
    from .services import FastExitHandlers, OfflineServices, VmmServices
    from .spec import VmSpec
    from .vcpu import VCpu, VCpuState
