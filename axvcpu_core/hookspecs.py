"""The pluggy hook specifications of project "axvcpu" and the plugin-API version.

An arch plugin is a module (or object) registered under the entry-point group `axvcpu.arch`
that implements `axvcpu_arch_descriptor` with the `hookimpl` marker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .conformance_kit import ScenarioEntry
    from .descriptor import ArchDescriptor
    from .exits import VmExit
    from .vmm.devices import DeviceFactory

PROJECT_NAME = "axvcpu"
ENTRY_POINT_GROUP = "axvcpu.arch"
API_VERSION = "1.0"
"""Version of the plugin API; plugins declare the range they support in `api_versions`."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

REQUIRED_HOOKS = ("axvcpu_arch_descriptor",)


@hookspec
def axvcpu_arch_descriptor() -> ArchDescriptor:  # type: ignore[empty-body]
    """Return the plugin's architecture descriptor (required, called once at load)."""


@hookspec
def axvcpu_device_models() -> Mapping[str, DeviceFactory]:  # type: ignore[empty-body]
    """Optional: device models by spec `kind` (factory(options, console) -> device with read/write)."""


@hookspec
def axvcpu_exit_observed(vm_id: int, vcpu_id: int, pc: int, exit: VmExit) -> None:
    """Optional: called for every exit of every VM (tracing, statistics). Costs a call per exit."""


@hookspec
def axvcpu_conformance_guests() -> Mapping[str, ScenarioEntry]:  # type: ignore[empty-body]
    """Optional: the plugin's guest (or reason for lacking one) for each conformance scenario."""
