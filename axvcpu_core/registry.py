"""Discovery, validation and lookup of arch plugins (entry-point group `axvcpu.arch`).

Each plugin is loaded on its own: one that fails to import, has unknown or malformed hooks, lacks a
required hook, raises in its hook, returns an invalid descriptor, needs another plugin-API version
or reuses another plugin's name is recorded as a `PluginFailure` naming its distribution and the
reason; the others still load.
"""

from __future__ import annotations

import functools
import importlib.metadata as metadata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pluggy

from . import hookspecs
from .descriptor import ArchDescriptor
from .errors import AxError, AxErrorKind
from .versions import version_in_range


@dataclass(frozen=True)
class LoadedArch:
    """An arch plugin that loaded and validated."""

    descriptor: ArchDescriptor
    plugin_name: str
    distribution: str
    version: str
    plugin: object = field(default=None, compare=False, repr=False)
    """The registered plugin object (its other hooks are called on it alone)."""

    @property
    def name(self) -> str:
        """Canonical arch name."""
        return self.descriptor.name

    def to_dict(self) -> dict[str, Any]:
        """JSON form for `axvcpu arches --json`."""
        d = self.descriptor
        return {
            "name": d.name,
            "aliases": list(d.aliases),
            "description": d.description,
            "distribution": self.distribution,
            "version": self.version,
            "api_versions": d.api_versions,
            "capabilities": d.capabilities.to_dict(),
        }


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that did not load, by entry-point name and distribution, with the reason."""

    plugin_name: str
    distribution: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"plugin": self.plugin_name, "distribution": self.distribution, "reason": self.reason}


class ArchRegistry:
    """The loaded arch plugins, their pluggy manager, and the plugins that failed."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.manager.add_hookspecs(hookspecs)
        self._arches: dict[str, LoadedArch] = {}
        self._names: dict[str, str] = {}
        self.failures: list[PluginFailure] = []

    @property
    def arches(self) -> tuple[LoadedArch, ...]:
        """Loaded arches sorted by name."""
        return tuple(self._arches[n] for n in sorted(self._arches))

    def load_entry_points(self, group: str = hookspecs.ENTRY_POINT_GROUP) -> None:
        """Load every plugin registered under the entry-point group."""
        for ep in sorted(metadata.entry_points(group=group), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist is not None else "<unknown distribution>"
            version = ep.dist.version if ep.dist is not None else "0"
            try:
                plugin = ep.load()
            except Exception as err:
                self._fail(ep.name, dist, f"import of {ep.value!r} failed: {type(err).__name__}: {err}")
                continue
            self.add_plugin(plugin, ep.name, dist, version)

    def add_plugin(self, plugin: object, name: str, distribution: str, version: str = "0") -> LoadedArch | None:
        """Register and validate one plugin object; returns None (and records why) if it fails."""
        try:
            descriptor = self._register(plugin, name)
        except _Refused as refused:
            self._fail(name, distribution, str(refused))
            return None
        problem = self._conflict(descriptor) or _api_problem(descriptor)
        if problem:
            self.manager.unregister(plugin)
            self._fail(name, distribution, problem)
            return None
        loaded = LoadedArch(descriptor, name, distribution, version, plugin)
        self._arches[descriptor.name] = loaded
        for key in (descriptor.name, *descriptor.aliases):
            self._names[key.lower()] = descriptor.name
        return loaded

    def _register(self, plugin: object, name: str) -> ArchDescriptor:
        try:
            self.manager.register(plugin, name=name)
        except Exception as err:
            raise _Refused(f"invalid hook implementation: {err}") from err
        try:
            self.manager.check_pending()
            descriptor = _call_descriptor_hook(self.manager, plugin)
        except _Refused:
            self.manager.unregister(plugin)
            raise
        except pluggy.PluginValidationError as err:
            self.manager.unregister(plugin)
            raise _Refused(f"unknown hook: {err}") from err
        return descriptor

    def _conflict(self, descriptor: ArchDescriptor) -> str | None:
        for key in (descriptor.name, *descriptor.aliases):
            owner = self._names.get(key.lower())
            if owner is not None:
                return f"name {key!r} is already taken by arch {owner!r}"
        return None

    def _fail(self, name: str, distribution: str, reason: str) -> None:
        self.failures.append(PluginFailure(name, distribution, reason))

    def device_models(self) -> dict[str, Any]:
        """Device factories contributed by plugins through `axvcpu_device_models`."""
        models: dict[str, Any] = {}
        for result in self.manager.hook.axvcpu_device_models():
            models.update(result)
        return models

    def exit_observers(self) -> Any | None:
        """The `axvcpu_exit_observed` hook caller, or None when no plugin observes exits."""
        caller = self.manager.hook.axvcpu_exit_observed
        return caller if caller.get_hookimpls() else None

    def conformance_guests(self, arch: LoadedArch) -> dict[str, Any]:
        """The arch plugin's `axvcpu_conformance_guests` answer ({} when it has none)."""
        for impl in self.manager.hook.axvcpu_conformance_guests.get_hookimpls():
            if impl.plugin is arch.plugin:
                return dict(cast(Mapping[str, Any], impl.function()))
        return {}

    def resolve(self, name: str) -> LoadedArch:
        """The arch named `name` or one of its aliases (case-insensitive); AxError(NotFound) otherwise."""
        canonical = self._names.get(name.strip().lower())
        if canonical is None:
            raise AxError(AxErrorKind.NotFound, f"unknown arch {name!r}; {self.installed_summary()}")
        return self._arches[canonical]

    def installed_summary(self) -> str:
        """One line listing installed arches (and failed plugins)."""
        if self._arches:
            listed = ", ".join(
                f"{a.name} ({', '.join(a.descriptor.aliases)})" if a.descriptor.aliases else a.name for a in self.arches
            )
            text = f"installed arches: {listed}"
        else:
            text = "no arch plugin is installed (pip install plugins/riscv_h, for example)"
        if self.failures:
            text += "; failed to load: " + ", ".join(f"{f.distribution} ({f.reason})" for f in self.failures)
        return text


class _Refused(Exception):
    """Internal: why a plugin was refused."""


def _call_descriptor_hook(manager: pluggy.PluginManager, plugin: object) -> ArchDescriptor:
    missing = [
        hook
        for hook in hookspecs.REQUIRED_HOOKS
        if not any(i.plugin is plugin for i in getattr(manager.hook, hook).get_hookimpls())
    ]
    if missing:
        raise _Refused(f"required hook(s) not implemented: {', '.join(missing)}")
    impls = [i for i in manager.hook.axvcpu_arch_descriptor.get_hookimpls() if i.plugin is plugin]
    try:
        descriptor = impls[0].function()
    except Exception as err:
        raise _Refused(f"hook axvcpu_arch_descriptor raised {type(err).__name__}: {err}") from err
    if not isinstance(descriptor, ArchDescriptor):
        raise _Refused(f"axvcpu_arch_descriptor returned {type(descriptor).__name__}, not an ArchDescriptor")
    problems = descriptor.problems()
    if problems:
        raise _Refused("invalid descriptor: " + "; ".join(problems))
    return descriptor


def _api_problem(descriptor: ArchDescriptor) -> str | None:
    try:
        ok = version_in_range(hookspecs.API_VERSION, descriptor.api_versions)
    except AxError as err:
        return f"bad api_versions {descriptor.api_versions!r}: {err.message}"
    if ok:
        return None
    return (
        f"plugin supports axvcpu plugin API {descriptor.api_versions}, "
        f"but this core provides API {hookspecs.API_VERSION}"
    )


@functools.lru_cache(maxsize=1)
def default_registry() -> ArchRegistry:
    """The registry of installed plugins, loaded from entry points once per process."""
    registry = ArchRegistry()
    registry.load_entry_points()
    return registry
