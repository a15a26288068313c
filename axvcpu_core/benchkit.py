"""What an arch plugin supplies for `axvcpu bench`: guest loops and the bare-Unicorn baseline set-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from unicorn import Uc

BENCH_PROGRAMS = ("compute", "load_store", "mmio_write", "mmio_read", "hypercall")
"""Programs every kit provides (each a loop whose iteration count is patched into the image)."""


@dataclass(frozen=True)
class BenchProgram:
    """A benchmark loop: raw image loaded at the start of RAM.

    The 8-byte little-endian iteration count lives at `iterations_offset`; the loop ends by reaching
    `end_offset` (bare Unicorn stops there; under the VMM the instruction there powers the VM off).
    Each iteration runs `insns_per_iteration` instructions and makes `exits_per_iteration` exits.
    """

    image: bytes
    iterations_offset: int
    end_offset: int
    insns_per_iteration: int
    exits_per_iteration: int

    def with_iterations(self, iterations: int) -> bytes:
        """The image with its iteration count set."""
        data = bytearray(self.image)
        data[self.iterations_offset : self.iterations_offset + 8] = iterations.to_bytes(8, "little")
        return bytes(data)


@dataclass(frozen=True)
class BenchKit:
    """An arch's benchmark loops and how to run them on bare Unicorn with empty hooks."""

    uc_arch: int
    uc_mode: int
    ram_base: int
    programs: Mapping[str, BenchProgram]
    device_base: int
    """MMIO loops access a scratch device at this address."""
    bare_setup: Callable[[Uc, str], None]
    """Prepare a bare instance for a program: CPU state plus the empty hook(s) the loop needs."""
    cpu_model: int | None = None
