"""Rebuild the arm32 example's guest programs: every `NAME.S` here becomes `NAME.bin` and `NAME.json`.

Usage (needs keystone-engine: `pip install keystone-engine`):

    python3 examples/plugin_arm32/axvcpu_example_arm32/guests/build.py            # rebuild all
    python3 examples/plugin_arm32/axvcpu_example_arm32/guests/build.py demo       # rebuild some
    python3 examples/plugin_arm32/axvcpu_example_arm32/guests/build.py --check    # compare, write nothing

Each source is assembled in ARM state at address 0. The guests are position independent (`adr`
and branches are pc-relative, constants come from `movw`/`movt`, no literal pools), so an image runs
wherever it is loaded. Keystone reports no symbols, so the label offsets in NAME.json come from a
second assembly with a `.word LABEL` table appended to the source.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GUESTS_DIR = Path(__file__).resolve().parent
_LABEL = re.compile(r"^([A-Za-z_]\w*):", re.MULTILINE)


@dataclass(frozen=True)
class GuestBuild:
    """The outputs of one program: the flat image and the text of its JSON file."""

    name: str
    image: bytes
    json_text: str


def source_names(src_dir: Path = GUESTS_DIR) -> list[str]:
    """Names of the programs (`NAME.S` files) in src_dir, sorted."""
    return sorted(p.stem for p in src_dir.glob("*.S"))


def assemble(source: str) -> bytes:
    """ARM-state machine code of `source`, assembled at address 0."""
    from keystone import KS_ARCH_ARM, KS_MODE_ARM, Ks  # type: ignore[import-untyped]

    encoding, _count = Ks(KS_ARCH_ARM, KS_MODE_ARM).asm(source, 0)
    return bytes(encoding or b"")


def label_offsets(source: str, image: bytes) -> dict[str, int]:
    """Offset of every `label:` in the source (assembled again with a table of their addresses)."""
    labels = _LABEL.findall(source)
    with_table = assemble(source + "\n    .align 2\n" + "".join(f"    .word {label}\n" for label in labels))
    table = with_table[len(with_table) - 4 * len(labels) :]
    if with_table[: len(image)] != image or len(with_table) - len(table) < len(image):
        raise RuntimeError("the label table did not land after the image: does the source use a literal pool?")
    return {label: int.from_bytes(table[4 * i : 4 * i + 4], "little") for i, label in enumerate(labels)}


def build_guest(name: str, src_dir: Path = GUESTS_DIR) -> GuestBuild:
    """Assemble `src_dir/NAME.S` into its image and JSON text."""
    source = (src_dir / f"{name}.S").read_text(encoding="utf-8")
    image = assemble(source)
    symbols = label_offsets(source, image)
    if symbols.get("_start") != 0:
        raise RuntimeError(f"{name}.S must begin with the label _start")
    info: dict[str, Any] = {
        "name": name,
        "source": f"{name}.S",
        "image_size": len(image),
        "sha256": hashlib.sha256(image).hexdigest(),
        "symbols": dict(sorted(symbols.items(), key=lambda kv: (kv[1], kv[0]))),
    }
    return GuestBuild(name, image, json.dumps(info, indent=2) + "\n")


def is_current(built: GuestBuild, out_dir: Path = GUESTS_DIR) -> bool:
    """Whether the committed NAME.bin and NAME.json equal the build."""
    bin_path, json_path = out_dir / f"{built.name}.bin", out_dir / f"{built.name}.json"
    return (
        bin_path.is_file()
        and json_path.is_file()
        and bin_path.read_bytes() == built.image
        and json_path.read_text(encoding="utf-8") == built.json_text
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (1: --check found stale files)."""
    parser = argparse.ArgumentParser(description="Rebuild the arm32 example guests with keystone.")
    parser.add_argument("names", nargs="*", help="programs to build (default: every NAME.S)")
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    names: list[str] = args.names or source_names()
    stale = []
    for name in names:
        built = build_guest(name)
        if args.check:
            stale += [] if is_current(built) else [name]
        else:
            (GUESTS_DIR / f"{name}.bin").write_bytes(built.image)
            (GUESTS_DIR / f"{name}.json").write_text(built.json_text, encoding="utf-8")
        print(f"{name}: {len(built.image)} bytes{' (stale)' if name in stale else ''}")
    if stale:
        print(f"build.py: out of date: {', '.join(stale)}; run build.py to rebuild", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
