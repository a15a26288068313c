"""The docs stay true: every VmSpec field is documented; the README keeps its two commands."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from axvcpu_core.spec import DeviceSpec, ImageSpec, LimitsSpec, MemoryRegionSpec, VmSpec

ROOT = Path(__file__).resolve().parents[1]


def documented_fields(section: str) -> set[str]:
    text = (ROOT / "docs" / "vm-spec.md").read_text()
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.MULTILINE))


def test_every_spec_field_is_documented() -> None:
    sections: dict[str, type[BaseModel]] = {
        "Top level": VmSpec,
        "`memory[]`": MemoryRegionSpec,
        "`images[]`": ImageSpec,
        "`devices[]`": DeviceSpec,
        "`limits`": LimitsSpec,
    }
    for section, model in sections.items():
        assert documented_fields(section) == set(model.model_fields), section


def test_readme_starts_with_exactly_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    block = text.split("```sh\n", 1)[1].split("\n```", 1)[0]
    lines = block.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("python3 -m pip install -e")
    assert lines[1] == "python3 -m pytest"


def test_every_public_name_is_in_the_api_reference() -> None:
    import axvcpu_core

    text = (ROOT / "docs" / "api.md").read_text()
    missing = [name for name in axvcpu_core.__all__ if name != "__version__" and f"`{name}`" not in text]
    assert missing == []
