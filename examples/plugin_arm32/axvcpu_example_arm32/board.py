"""The example board: where RAM and the console UART are when no VM spec is given (QEMU virt style)."""

from __future__ import annotations

from axvcpu_core.descriptor import ConsoleDefault, PlatformDefaults

RAM_BASE = 0x4000_0000
RAM_SIZE = 16 << 20
UART_BASE = 0x0900_0000

PLATFORM = PlatformDefaults(
    ram_base=RAM_BASE,
    ram_size=RAM_SIZE,
    # An ns16550a so `axvcpu run --arch arm32` prints (the VMM has no PL011 model). Like every MMIO
    # window in this model, it is reached through unmapped memory, whatever its `access` setting.
    console=ConsoleDefault(kind="ns16550a", bus="mmio", base=UART_BASE),
)
