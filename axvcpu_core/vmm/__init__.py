"""The simulated hypervisor: builds a VM from a `VmSpec`, runs its vCPUs, completes their exits."""

from __future__ import annotations

from .console import Console
from .result import RunResult, RunStats
from .vm import Vm

__all__ = ["Console", "RunResult", "RunStats", "Vm"]
