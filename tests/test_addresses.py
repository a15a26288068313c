"""Address types, access widths, mapping flags, size parsing and the guest address space."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axvcpu_core import (
    AccessWidth,
    AxError,
    AxErrorKind,
    GuestAddressSpace,
    GuestMemoryFault,
    GuestPhysAddr,
    HostPhysAddr,
    MappingFlags,
    Port,
)
from axvcpu_core.units import parse_address, parse_size


def test_address_repr_and_alignment() -> None:
    gpa = GuestPhysAddr(0x8000_1234)
    assert repr(gpa) == "GuestPhysAddr(0x80001234)"
    assert str(gpa) == "0x80001234"
    assert gpa.align_down(0x1000) == 0x8000_1000
    assert isinstance(gpa.align_down(0x1000), GuestPhysAddr)
    assert gpa.align_up(0x1000) == 0x8000_2000
    assert not gpa.is_aligned(8)
    assert HostPhysAddr(0x4000).is_aligned(0x4000)
    assert gpa.page_offset() == 0x234


@pytest.mark.parametrize("value", [-1, 2**64])
def test_address_out_of_range(value: int) -> None:
    with pytest.raises(AxError) as info:
        GuestPhysAddr(value)
    assert info.value.kind is AxErrorKind.InvalidInput


def test_bad_alignment_and_port_range() -> None:
    with pytest.raises(AxError, match="not a power of two"):
        GuestPhysAddr(0).align_up(3)
    assert repr(Port(0x3F8)) == "Port(0x3f8)"
    with pytest.raises(AxError, match=r"outside 0\.\.0xffff"):
        Port(0x10000)


def test_access_width() -> None:
    assert [w.value for w in AccessWidth] == [1, 2, 4, 8]
    assert AccessWidth.DWORD.mask == 0xFFFF_FFFF
    assert AccessWidth.WORD.bits == 16
    assert AccessWidth.from_bytes_count(8) is AccessWidth.QWORD
    with pytest.raises(AxError, match="access width 3"):
        AccessWidth.from_bytes_count(3)


def test_mapping_flags_values_and_parsing() -> None:
    assert [f.value for f in MappingFlags] == [1, 2, 4, 8, 16, 32]
    assert MappingFlags.parse("rwx") == MappingFlags.READ | MappingFlags.WRITE | MappingFlags.EXECUTE
    assert MappingFlags.parse("read|device") == MappingFlags.READ | MappingFlags.DEVICE
    assert MappingFlags.parse("Read, Uncached") == MappingFlags.READ | MappingFlags.UNCACHED
    with pytest.raises(AxError, match="unknown mapping flag 'exec'"):
        MappingFlags.parse("read|exec")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("128MiB", 128 << 20),
        ("0x8000000", 0x800_0000),
        ("64K", 65536),
        ("1 GiB", 1 << 30),
        (4096, 4096),
        ("0x8000_0000", 0x8000_0000),
        ("2m", 2 << 20),
        ("10", 10),
    ],
)
def test_parse_size(text: object, value: int) -> None:
    assert parse_size(text) == value


@pytest.mark.parametrize("text", ["12MB", "abc", "-4", "1.5M", True, None, 2**64, "0x"])
def test_parse_size_rejects(text: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each message is checked in the spec tests
        parse_size(text)


def test_parse_address_rejects_units() -> None:
    assert parse_address("0x1000_0000") == 0x1000_0000
    with pytest.raises(ValueError, match="takes no unit"):
        parse_address("4KiB")


def test_address_space_resolves_and_faults() -> None:
    space = GuestAddressSpace()
    ram = space.add_region(0x8000_0000, 0x10000)
    rom = space.add_region(0x1000, 0x1000, MappingFlags.READ | MappingFlags.EXECUTE, name="rom")
    assert [r.name for r in space.regions] == ["rom", "ram"]
    assert space.find(0x8000_FFFF) is ram
    assert space.find(0x8001_0000) is None
    space.write(0x8000_0010, b"abcd")
    assert space.read(0x8000_0010, 4) == b"abcd"
    assert space.resolve(0x1800, 4, MappingFlags.EXECUTE) == (rom, 0x800)
    with pytest.raises(GuestMemoryFault) as info:
        space.resolve(0x1800, 4, MappingFlags.WRITE)
    assert info.value.mapped
    assert info.value.access is MappingFlags.WRITE
    assert "not permitted" in info.value.message
    with pytest.raises(GuestMemoryFault) as info:
        space.read(0x9000_0000, 8)
    assert not info.value.mapped
    assert info.value.kind is AxErrorKind.BadAddress
    assert "0x90000000" in info.value.message
    with pytest.raises(GuestMemoryFault, match="instruction fetch"):
        space.resolve(0x8000_FFFE, 4, MappingFlags.EXECUTE)  # crosses the region's end
    space.write(0x1000, b"\x13")  # the host may load images into read-only RAM
    space.close()
    assert space.regions == ()


def test_address_space_refuses_overlap_and_misalignment() -> None:
    space = GuestAddressSpace()
    space.add_region(0x10000, 0x10000)
    with pytest.raises(AxError) as info:
        space.add_region(0x1F000, 0x2000, name="late")
    assert info.value.kind is AxErrorKind.AlreadyExists
    assert "late" in info.value.message
    with pytest.raises(AxError, match="not aligned"):
        space.add_region(0x40001, 0x1000)
    with pytest.raises(AxError, match="invalid"):
        space.add_region(0x50000, 0)


@given(st.integers(0, 2**64 - 1), st.sampled_from([1, 2, 4, 8]))
def test_resolve_never_raises_untyped(gpa: int, size: int) -> None:
    space = GuestAddressSpace()
    space.add_region(0x1000, 0x2000)
    try:
        region, offset = space.resolve(gpa, size, MappingFlags.READ)
    except GuestMemoryFault as fault:
        assert fault.gpa == gpa  # noqa: PT017 - hypothesis explores both outcomes
    else:
        assert region.base + offset == gpa
