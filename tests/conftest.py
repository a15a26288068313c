"""Shared fixtures: a scriptable fake arch vCPU and per-CPU for contract tests."""

from __future__ import annotations

from typing import Any, Self

import pytest
from pydantic import BaseModel

from axvcpu_core import ArchPerCpu, ArchVCpu, AxError, AxErrorKind, Halt, VmExit
from axvcpu_core.addr import GuestPhysAddr, HostPhysAddr
from axvcpu_core.services import OfflineServices, VmmServices


class FakeConfig(BaseModel):
    """Config model of the fake arch."""


class FakeArchVCpu(ArchVCpu):
    """An arch vCPU that records calls and fails the operation named in `fail_on`."""

    CreateConfig = FakeConfig
    SetupConfig = FakeConfig

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail_on: str | None = None
        self.crash_on: str | None = None
        self.regs = [0] * 4
        self.entry = 0
        self.root = 0
        self.during_run: Any = None

    @classmethod
    def new(cls, vm_id: int, vcpu_id: int, config: BaseModel, services: VmmServices) -> Self:
        return cls()

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.fail_on == name:
            raise AxError(AxErrorKind.Unsupported, f"{name} refused by the fake arch")
        if self.crash_on == name:
            raise RuntimeError(f"{name} crashed")

    def set_entry(self, entry: GuestPhysAddr) -> None:
        self._call("set_entry")
        self.entry = entry

    def set_ept_root(self, root: HostPhysAddr) -> None:
        self._call("set_ept_root")
        self.root = root

    def setup(self, config: BaseModel) -> None:
        self._call("setup")

    def run(self) -> VmExit:
        self._call("run")
        if self.during_run is not None:
            self.during_run()
        return Halt()

    def bind(self) -> None:
        self._call("bind")

    def unbind(self) -> None:
        self._call("unbind")

    def set_gpr(self, index: int, value: int) -> None:
        self.regs[index] = value

    def get_gpr(self, index: int) -> int:
        return self.regs[index]

    def inject_interrupt(self, vector: int) -> None:
        self._call(f"inject:{vector}")

    def set_return_value(self, value: int) -> None:
        self.regs[0] = value

    def kick(self, external_vector: int | None = None) -> None:
        self._call("kick")


class FakePerCpu(ArchPerCpu):
    """A per-CPU model with an enable flag and a counter of disables."""

    def __init__(self, cpu_id: int) -> None:
        self.cpu_id = cpu_id
        self.enabled = False
        self.disables = 0

    @classmethod
    def new(cls, cpu_id: int) -> Self:
        return cls(cpu_id)

    def is_enabled(self) -> bool:
        return self.enabled

    def hardware_enable(self) -> None:
        if self.enabled:
            raise AxError(AxErrorKind.ResourceBusy, "already enabled")
        self.enabled = True

    def hardware_disable(self) -> None:
        if not self.enabled:
            raise AxError(AxErrorKind.BadState, "not enabled")
        self.enabled = False
        self.disables += 1


@pytest.fixture
def services() -> VmmServices:
    """Offline services."""
    return OfflineServices()
