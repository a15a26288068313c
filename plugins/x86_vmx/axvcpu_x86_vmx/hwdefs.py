"""Architectural numbers `hardware_enable` uses: MSR indices, CR/CPUID bits and the fixed-bit rule."""

from __future__ import annotations

IA32_FEATURE_CONTROL = 0x3A
IA32_VMX_BASIC = 0x480
IA32_VMX_CR0_FIXED0 = 0x486
IA32_VMX_CR0_FIXED1 = 0x487
IA32_VMX_CR4_FIXED0 = 0x488
IA32_VMX_CR4_FIXED1 = 0x489

FEATURE_CONTROL_LOCK = 1 << 0
"""IA32_FEATURE_CONTROL bit 0: the MSR is locked until reset (a write #GPs)."""
FEATURE_CONTROL_VMXON_IN_SMX = 1 << 1
FEATURE_CONTROL_VMXON_OUTSIDE_SMX = 1 << 2
"""IA32_FEATURE_CONTROL bit 2: VMXON allowed outside SMX operation (the case a hypervisor needs)."""

CPUID1_ECX_VMX = 1 << 5
"""CPUID.1:ECX bit 5: VMX is implemented."""
CR4_VMXE = 1 << 13
"""CR4 bit 13: VMX enable."""

U64 = (1 << 64) - 1


def fixed_bits_ok(value: int, fixed0: int, fixed1: int) -> bool:
    """Whether `value` has every FIXED0 bit set and no bit outside FIXED1 set (SDM Appendix A.7/A.8)."""
    return (value & fixed0) == fixed0 and (value & ~fixed1 & U64) == 0
