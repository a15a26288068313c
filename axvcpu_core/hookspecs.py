"""The pluggy hook specifications of project "axvcpu" and the plugin-API version.

An arch plugin is a module (or object) registered under the entry-point group `axvcpu.arch`
that implements `axvcpu_arch_descriptor` with the `hookimpl` marker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .descriptor import ArchDescriptor

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
