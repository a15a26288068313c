"""MPIDR affinity of a vCPU: the default numbering and the VMPIDR_EL2 value the guest reads."""

from __future__ import annotations

from axvcpu_core.errors import AxError, AxErrorKind

AFFINITY_MASK = 0xFF_00FF_FFFF
"""Aff3 [39:32], Aff2 [23:16], Aff1 [15:8], Aff0 [7:0]."""
CPUS_PER_CLUSTER = 16
"""QEMU virt with GICv3: 16 CPUs per Aff1 cluster, so one ICC_SGI1R_EL1 TargetList reaches a cluster."""
MAX_VCPUS = CPUS_PER_CLUSTER << 24
VMPIDR_RES1 = 1 << 31


def affinity_for(vcpu_id: int) -> int:
    """The default affinity of `vcpu_id`: Aff0 = id % 16, then Aff1, Aff2, Aff3 take 8 bits each."""
    if isinstance(vcpu_id, bool) or not isinstance(vcpu_id, int) or not 0 <= vcpu_id < MAX_VCPUS:
        raise AxError(AxErrorKind.InvalidInput, f"vCPU id {vcpu_id!r} is outside 0..{MAX_VCPUS - 1}")
    cluster = vcpu_id // CPUS_PER_CLUSTER
    aff0 = vcpu_id % CPUS_PER_CLUSTER
    aff1, aff2, aff3 = cluster & 0xFF, (cluster >> 8) & 0xFF, (cluster >> 16) & 0xFF
    return aff3 << 32 | aff2 << 16 | aff1 << 8 | aff0


def vmpidr_for(affinity: int) -> int:
    """VMPIDR_EL2 for an affinity: RES1 bit 31 set, U (bit 30) and MT (bit 24) clear (reference §11.2)."""
    if affinity & ~AFFINITY_MASK:
        raise AxError(AxErrorKind.InvalidInput, f"MPIDR affinity {affinity:#x} has bits outside {AFFINITY_MASK:#x}")
    return VMPIDR_RES1 | affinity
