"""Unicorn set-up shared by every hardware model: instances, shared guest RAM, device windows.

- One `Uc` per vCPU, its TCG buffer capped right after creation so a hundred vCPUs fit.
- Guest RAM is the VM's `GuestAddressSpace` buffers, mapped with `mem_map_ptr` into every vCPU.
- A *hooked* device window is a shadow-RAM page with memory hooks bounded to the window (precise
  PC, full width; any memory hook slows every guest load and store). A *trapping* window stays
  unmapped: the first access stops emulation (no global cost, 10-18 us per access).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from unicorn import (
    UC_HOOK_MEM_READ,
    UC_HOOK_MEM_WRITE,
    UC_PROT_EXEC,
    UC_PROT_READ,
    UC_PROT_WRITE,
    Uc,
    UcError,
)
from unicorn.unicorn_const import UC_CTL_IO_WRITE, UC_CTL_TLB_FLUSH

from .addr import MappingFlags
from .addrspace import GuestAddressSpace
from .errors import AxError, AxErrorKind

TCG_BUFFER_SIZE = 16 << 20
"""Translation-cache size per instance (the default reserves 1 GiB of address space each)."""
PAGE = 0x1000


@dataclass(frozen=True)
class DeviceWindow:
    """An MMIO window of the VM: `hooked` windows use shadow RAM + hooks, others trap."""

    base: int
    size: int
    hooked: bool
    name: str

    @property
    def end(self) -> int:
        """First address past the window."""
        return self.base + self.size


MemHook = Callable[[Uc, int, int, int, int, object], object]


def new_uc(arch: int, mode: int, cpu_model: int | None = None) -> Uc:
    """A Unicorn instance with a capped TCG buffer (and a CPU model), set before it initialises."""
    try:
        uc = Uc(arch, mode)
        uc.ctl_set_tcg_buffer_size(TCG_BUFFER_SIZE)
        if cpu_model is not None:
            uc.ctl_set_cpu_model(cpu_model)
    except UcError as err:
        raise AxError(
            AxErrorKind.Unsupported, f"cannot create a Unicorn CPU (arch {arch}, mode {mode}): {err}"
        ) from err
    return uc


def flush_tlb(uc: Uc) -> None:
    """Flush the instance's softmmu TLB (the simulated translation caches)."""
    uc.ctl(UC_CTL_TLB_FLUSH, UC_CTL_IO_WRITE)


def _prot(flags: MappingFlags) -> int:
    prot = 0
    if flags & MappingFlags.READ:
        prot |= UC_PROT_READ
    if flags & MappingFlags.WRITE:
        prot |= UC_PROT_WRITE
    if flags & MappingFlags.EXECUTE:
        prot |= UC_PROT_EXEC
    return prot


def map_guest_ram(uc: Uc, space: GuestAddressSpace) -> None:
    """Map every RAM region's host buffer into `uc` (shared with the VM's other vCPUs)."""
    for region in space.regions:
        try:
            uc.mem_map_ptr(region.base, region.size, _prot(region.flags), region.host_address)
        except UcError as err:
            raise AxError(
                AxErrorKind.NoMemory, f"cannot map RAM {region.name} at {region.base:#x} into the CPU: {err}"
            ) from err


def map_shadow_windows(uc: Uc, windows: Iterable[DeviceWindow]) -> list[DeviceWindow]:
    """Map shadow RAM under every hooked window; returns those windows (to hook, e.g. with `ExitHooks`)."""
    mapped: set[int] = set()
    hooked = []
    for window in windows:
        if not window.hooked:
            continue
        first = window.base & ~(PAGE - 1)
        for page in range(first, window.end, PAGE):
            if page not in mapped:
                uc.mem_map(page, PAGE, UC_PROT_READ | UC_PROT_WRITE)
                mapped.add(page)
        hooked.append(window)
    return hooked


def map_hooked_windows(uc: Uc, windows: Iterable[DeviceWindow], on_read: MemHook, on_write: MemHook) -> int:
    """Shadow-map the hooked windows and bound a read and a write hook to each; returns their count.

    Binding hooks: a stop that lands while a hooked access is in flight makes Unicorn run the access
    again after the restart. Models that stop a running CPU use `fastexit.ExitHooks` instead.
    """
    hooked = map_shadow_windows(uc, windows)
    for window in hooked:
        last = window.end - 1
        uc.hook_add(UC_HOOK_MEM_READ, on_read, begin=window.base, end=last)
        uc.hook_add(UC_HOOK_MEM_WRITE, on_write, begin=window.base, end=last)
    return len(hooked)
