"""The committed guest images match their sources (re-assembled with keystone), and the guests API."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from axvcpu_core.errors import AxError, AxErrorKind
from axvcpu_example_arm32 import guests
from axvcpu_example_arm32.guests import build

needs_keystone = pytest.mark.skipif(
    importlib.util.find_spec("keystone") is None,
    reason="keystone-engine is not installed (pip install keystone-engine): cannot re-assemble the guests",
)


@needs_keystone
@pytest.mark.parametrize("name", build.source_names())
def test_committed_image_and_json_match_the_source(name: str) -> None:
    built = build.build_guest(name)
    stale = f"is stale: run python3 {Path(build.__file__)}"
    assert built.image == (guests.GUESTS_DIR / f"{name}.bin").read_bytes(), f"{name}.bin {stale}"
    assert built.json_text == (guests.GUESTS_DIR / f"{name}.json").read_text(encoding="utf-8"), f"{name}.json {stale}"


@needs_keystone
def test_check_mode_reports_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["--check", "poweroff"]) == 0
    assert "poweroff: 8 bytes" in capsys.readouterr().out


@needs_keystone
def test_label_offsets_come_from_the_assembler(tmp_path: Path) -> None:
    (tmp_path / "t.S").write_text('_start:\n    mov r0, #1\nsecond:\n    b second\n    .asciz "abc"\nend:\n')
    built = build.build_guest("t", tmp_path)
    assert json.loads(built.json_text)["symbols"] == {"_start": 0, "second": 4, "end": 12}
    assert built.image == bytes.fromhex("0100a0e3feffffea61626300")


@needs_keystone
@pytest.mark.parametrize(
    ("source", "problem"),
    [("_start:\n    ldr r0, =0x12345678\n    b .\n", "literal pool"), ("start:\n    b .\n", "_start")],
    ids=["literal-pool", "no-start"],
)
def test_sources_the_build_cannot_describe_are_refused(tmp_path: Path, source: str, problem: str) -> None:
    (tmp_path / "t.S").write_text(source)
    with pytest.raises(RuntimeError, match=problem):
        build.build_guest("t", tmp_path)


def test_every_source_has_committed_outputs() -> None:
    assert build.source_names() == guests.guest_names()
    assert "demo" in guests.guest_names()


@pytest.mark.parametrize("name", guests.guest_names())
def test_json_describes_the_image(name: str) -> None:
    image = guests.guest_bytes(name)
    info = json.loads((guests.GUESTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert info["image_size"] == len(image)
    assert info["sha256"] == hashlib.sha256(image).hexdigest()
    assert guests.guest_symbols(name)["_start"] == 0
    assert all(0 <= offset <= len(image) for offset in guests.guest_symbols(name).values())


def test_unknown_guest_is_not_found_and_lists_the_known_ones() -> None:
    with pytest.raises(AxError, match="demo") as info:
        guests.guest_bytes("../guests/demo")
    assert info.value.kind is AxErrorKind.NotFound
