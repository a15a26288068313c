"""eptp_for: EPT pointer composition and root validation (reference §13)."""

from __future__ import annotations

import pytest

from axvcpu_core.addr import HostPhysAddr
from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_x86_vmx import eptp_for


@pytest.mark.parametrize(
    ("root", "eptp"),
    [(0, 0x5E), (0x1000, 0x105E), (0x8_0000_0000, 0x8_0000_005E), ((1 << 52) - 0x1000, (1 << 52) - 0x1000 + 0x5E)],
)
def test_eptp_is_root_or_0x5e(root: int, eptp: int) -> None:
    assert eptp_for(root) == eptp


def test_eptp_fields() -> None:
    eptp = eptp_for(0x1234_5000)
    assert eptp & 0x7 == 6  # write-back
    assert (eptp >> 3) & 0x7 == 3  # 4-level walk
    assert eptp >> 6 & 1 == 1  # accessed/dirty flags
    assert eptp & ~0xFFF == 0x1234_5000


def test_eptp_accepts_a_host_phys_addr_and_returns_a_plain_int() -> None:
    eptp = eptp_for(HostPhysAddr(0x3000))
    assert eptp == 0x305E
    assert type(eptp) is int


@pytest.mark.parametrize("root", [0x1001, 0x1800, 0xFFF])
def test_unaligned_root_is_rejected_not_aligned_down(root: int) -> None:
    with pytest.raises(AxError) as info:
        eptp_for(root)
    assert info.value.kind is AxErrorKind.InvalidInput
    assert "4 KiB-aligned" in info.value.message
    assert f"{root:#x}" in info.value.message


@pytest.mark.parametrize("root", [-0x1000, 1 << 52, 1 << 64])
def test_root_out_of_range_is_rejected(root: int) -> None:
    with pytest.raises(AxError) as info:
        eptp_for(root)
    assert info.value.kind is AxErrorKind.InvalidInput
    assert "2**52" in info.value.message


@pytest.mark.parametrize("root", ["0x1000", 4096.0, None, True])
def test_non_integer_root_is_rejected(root: object) -> None:
    with pytest.raises(AxError) as info:
        eptp_for(root)  # type: ignore[arg-type]
    assert info.value.kind is AxErrorKind.InvalidInput
