"""The riscv64 benchmark kit: the bench_* guest loops and the bare-Unicorn baseline set-up."""

from __future__ import annotations

from unicorn import UC_ARCH_RISCV, UC_HOOK_INTR, UC_MODE_RISCV64, Uc
from unicorn import riscv_const as rc

from axvcpu_core.benchkit import BenchKit, BenchProgram

from .csrs import MEDELEG, MIDELEG
from .guests import guest_bytes, guest_info

# program -> (instructions per iteration, exits per iteration)
_SHAPES = {
    "compute": (4, 0),
    "load_store": (5, 0),
    "mmio_write": (3, 1),
    "mmio_read": (3, 1),
    "hypercall": (3, 1),
}
BENCH_DEVICE = 0x1000_1000


def _program(name: str) -> BenchProgram:
    symbols = guest_info(f"bench_{name}")["symbols"]
    insns, exits = _SHAPES[name]
    return BenchProgram(guest_bytes(f"bench_{name}"), symbols["iterations"], symbols["bench_end"], insns, exits)


def _bare_setup(uc: Uc, name: str) -> None:
    """The same CPU state the hardware model uses (S-mode guest); an empty ecall hook for hypercalls."""
    uc.reg_write(rc.UC_RISCV_REG_MIDELEG, MIDELEG)
    uc.reg_write(rc.UC_RISCV_REG_MEDELEG, MEDELEG)
    uc.reg_write(rc.UC_RISCV_REG_PRIV, 1)
    if name == "hypercall":

        def empty(uc: Uc, intno: int, user_data: object) -> None:
            return None

        uc.hook_add(UC_HOOK_INTR, empty)


def bench_kit() -> BenchKit:
    """Every riscv64 benchmark program."""
    return BenchKit(
        uc_arch=UC_ARCH_RISCV,
        uc_mode=UC_MODE_RISCV64,
        ram_base=0x8000_0000,
        programs={name: _program(name) for name in _SHAPES},
        device_base=BENCH_DEVICE,
        bare_setup=_bare_setup,
    )
