"""Which simulated physical CPU the calling thread runs on, and its current vCPU.

The reference keeps the current vCPU in a per-CPU variable. Here a thread declares the physical
CPU it stands for with `running_on(cpu_id)` (the scheduler does this); the default is CPU 0.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .errors import AxError, AxErrorKind

if TYPE_CHECKING:
    from .vcpu import VCpu

_thread = threading.local()
_lock = threading.Lock()
_current: dict[int, VCpu] = {}


def check_cpu_id(cpu_id: object) -> None:
    """AxError(InvalidInput) unless `cpu_id` is an int >= 0 (a physical CPU id)."""
    if isinstance(cpu_id, bool) or not isinstance(cpu_id, int) or cpu_id < 0:
        raise AxError(AxErrorKind.InvalidInput, f"physical CPU id must be a non-negative int, got {cpu_id!r}")


def current_phys_cpu() -> int:
    """Id of the physical CPU the calling thread runs on."""
    cpu: int = getattr(_thread, "cpu", 0)
    return cpu


@contextmanager
def running_on(cpu_id: int) -> Iterator[int]:
    """Run the body as physical CPU `cpu_id` (restored afterwards)."""
    check_cpu_id(cpu_id)
    previous = current_phys_cpu()
    _thread.cpu = cpu_id
    try:
        yield cpu_id
    finally:
        _thread.cpu = previous


def get_current_vcpu(cpu_id: int | None = None) -> VCpu | None:
    """The vCPU currently operated on by physical CPU `cpu_id` (default: the caller's)."""
    return _current.get(current_phys_cpu() if cpu_id is None else cpu_id)


@contextmanager
def as_current(vcpu: VCpu) -> Iterator[None]:
    """Make `vcpu` current on the caller's physical CPU; a nested operation is refused."""
    cpu = current_phys_cpu()
    with _lock:
        other = _current.get(cpu)
        if other is not None:
            raise AxError(
                AxErrorKind.BadState,
                f"nested vCPU operation refused: vCPU {other.vm_id}.{other.id} is already current on "
                f"physical CPU {cpu} while operating on vCPU {vcpu.vm_id}.{vcpu.id}",
            )
        _current[cpu] = vcpu
    try:
        yield
    finally:
        with _lock:
            _current.pop(cpu, None)
