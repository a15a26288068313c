"""axvcpu arch plugin for the RISC-V H extension (`riscv64`)."""

from __future__ import annotations

__version__ = "0.1.0"
