"""Rebuild the riscv64 guest programs: every `NAME.S` here becomes `NAME.bin` and `NAME.json`.

Usage (from anywhere; needs only the Python standard library and GNU binutils for riscv64, Debian
package `binutils-riscv64-linux-gnu`):

    python3 plugins/riscv_h/axvcpu_riscv_h/guests/build.py            # rebuild all
    python3 plugins/riscv_h/axvcpu_riscv_h/guests/build.py demo mmio  # rebuild some
    python3 plugins/riscv_h/axvcpu_riscv_h/guests/build.py --check    # compare, write nothing

Pipeline per program: `riscv64-linux-gnu-as -march=rv64gc` (with `common.inc` on the include
path), `riscv64-linux-gnu-ld -T guest.ld --no-relax` (linked at 0x8000_0000; the sources also say
`.option norelax`, so no instruction depends on the link address: all code is pc-relative), then
`riscv64-linux-gnu-objcopy -O binary`. The JSON comes from `riscv64-linux-gnu-nm` (global symbols:
labels become offsets from the image start, global `.equ` values become constants) and, for
programs with `acc_<NN>_<mnemonic>` labels, from `riscv64-linux-gnu-objdump`, which is used to
cross-check each access. The output depends only on the sources and the binutils version, so two
runs give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GUESTS_DIR = Path(__file__).resolve().parent
TOOL_PREFIX = "riscv64-linux-gnu-"
DEBIAN_PACKAGE = "binutils-riscv64-linux-gnu"
MARCH = "rv64gc"
MABI = "lp64d"
LINK_ADDRESS = 0x8000_0000
LINKER_SCRIPT = "guest.ld"

AS_FLAGS = (f"-march={MARCH}", f"-mabi={MABI}")
LD_FLAGS = ("--no-relax", "--build-id=none", "-z", "noexecstack", "--no-warn-rwx-segments", "-nostdlib")

# Accesses of the MMIO scenario: mnemonic -> (is_load, width in bytes, sign-extends into 64 bits).
ACCESS_FORMS: dict[str, tuple[bool, int, bool]] = {
    "lb": (True, 1, True),
    "lbu": (True, 1, False),
    "lh": (True, 2, True),
    "lhu": (True, 2, False),
    "lw": (True, 4, True),
    "lwu": (True, 4, False),
    "ld": (True, 8, False),
    "sb": (False, 1, False),
    "sh": (False, 2, False),
    "sw": (False, 4, False),
    "sd": (False, 8, False),
    "c.lw": (True, 4, True),
    "c.ld": (True, 8, False),
    "c.sw": (False, 4, False),
    "c.sd": (False, 8, False),
    "c.lwsp": (True, 4, True),
    "c.ldsp": (True, 8, False),
    "c.swsp": (False, 4, False),
    "c.sdsp": (False, 8, False),
}
ACCESS_LABEL = re.compile(r"^acc_(\d+)_([a-z_]+)$")
# Base registers the MMIO program points at DEV_BASE: s0 (x8) and, for the c.*sp forms, sp (x2).
DEVICE_BASE_REGS = (8, 2)
REG_WIDTH = 8

_OBJDUMP_LINE = re.compile(r"^\s*([0-9a-f]+):\s+([0-9a-f]+)\s+(\S+)\s*([^#]*)")
_MEM_OPERANDS = re.compile(r"^x(\d+),(-?\d+)\(x(\d+)\)$")


class ToolchainMissing(RuntimeError):
    """The riscv64 binutils are not on PATH."""


@dataclass(frozen=True)
class GuestBuild:
    """The outputs of one program: the flat image and the text of its JSON file."""

    name: str
    image: bytes
    json_text: str


def tool(name: str) -> str:
    """Absolute path of `riscv64-linux-gnu-<name>`, or ToolchainMissing naming the package."""
    path = shutil.which(TOOL_PREFIX + name)
    if path is None:
        raise ToolchainMissing(
            f"{TOOL_PREFIX}{name} is not on PATH: install the Debian package {DEBIAN_PACKAGE} "
            f"(apt-get install {DEBIAN_PACKAGE})"
        )
    return path


def have_toolchain() -> bool:
    """True when every tool the build needs is on PATH."""
    return all(shutil.which(TOOL_PREFIX + t) is not None for t in ("as", "ld", "objcopy", "nm", "objdump"))


def source_names(src_dir: Path = GUESTS_DIR) -> list[str]:
    """Names of the programs (`NAME.S` files) in src_dir, sorted."""
    return sorted(p.stem for p in src_dir.glob("*.S"))


def _run(args: list[str]) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed with status {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


def _link(name: str, src_dir: Path, work: Path) -> Path:
    obj = work / f"{name}.o"
    elf = work / f"{name}.elf"
    _run([tool("as"), *AS_FLAGS, "-I", str(src_dir), "-o", str(obj), str(src_dir / f"{name}.S")])
    _run([tool("ld"), *LD_FLAGS, "-T", str(src_dir / LINKER_SCRIPT), "-o", str(elf), str(obj)])
    return elf


def _global_symbols(elf: Path) -> tuple[dict[str, int], dict[str, int]]:
    """(labels as offsets from the image start, global absolute constants) from nm."""
    symbols: dict[str, int] = {}
    constants: dict[str, int] = {}
    for line in _run([tool("nm"), "--defined-only", str(elf)]).splitlines():
        value_text, kind, sym = line.split()
        if not kind.isupper() or sym.startswith("__"):
            continue  # local symbols and the linker script's __image_start/__image_end
        value = int(value_text, 16)
        if kind == "A":
            constants[sym] = value
        else:
            symbols[sym] = value - LINK_ADDRESS
    return symbols, constants


def _disassembly(elf: Path) -> dict[int, tuple[str, str]]:
    """Offset -> (mnemonic, operands) with raw mnemonics and numeric register names."""
    out: dict[int, tuple[str, str]] = {}
    for line in _run([tool("objdump"), "-d", "-M", "no-aliases,numeric", str(elf)]).splitlines():
        m = _OBJDUMP_LINE.match(line)
        if m:
            out[int(m.group(1), 16) - LINK_ADDRESS] = (m.group(3), m.group(4).strip())
    return out


def _accesses(
    name: str, image: bytes, symbols: dict[str, int], constants: dict[str, int], elf: Path
) -> list[dict[str, Any]]:
    """The `acc_<index>_<mnemonic>` accesses of a program, cross-checked against objdump."""
    labels = sorted((int(m.group(1)), sym, m.group(2)) for sym in symbols if (m := ACCESS_LABEL.match(sym)))
    if not labels:
        return []
    dev_base = constants["DEV_BASE"]
    pattern = constants["PATTERN"]
    results = symbols["results"]
    disasm = _disassembly(elf)
    accesses: list[dict[str, Any]] = []
    for index, sym, label_name in labels:
        mnemonic = label_name.replace("c_", "c.", 1) if label_name.startswith("c_") else label_name
        is_load, width, sign_ext = ACCESS_FORMS[mnemonic]
        offset = symbols[sym]
        length = 4 if image[offset] & 3 == 3 else 2
        seen_mnemonic, operands = disasm[offset]
        ops = _MEM_OPERANDS.match(operands)
        if seen_mnemonic != mnemonic or ops is None:
            raise RuntimeError(f"{name}: {sym} is `{seen_mnemonic} {operands}`, expected a {mnemonic} access")
        reg, imm, base = int(ops.group(1)), int(ops.group(2)), int(ops.group(3))
        if length != (2 if mnemonic.startswith("c.") else 4):
            raise RuntimeError(f"{name}: {sym} is {length} bytes long, which does not fit {mnemonic}")
        if base not in DEVICE_BASE_REGS or imm != 8 * index:
            raise RuntimeError(f"{name}: {sym} accesses {imm}(x{base}), expected {8 * index}(x8 or x2)")
        entry: dict[str, Any] = {
            "symbol": sym,
            "index": index,
            "offset": offset,
            "length": length,
            "next_offset": offset + length,
            "mnemonic": mnemonic,
            "kind": "MmioRead" if is_load else "MmioWrite",
            "addr": dev_base + imm,
            "width": width,
            "reg": reg,
        }
        if is_load:
            entry["reg_width"] = REG_WIDTH
            entry["signed_ext"] = sign_ext
            entry["result_offset"] = results + 8 * index
        else:
            entry["signed_ext"] = False
            entry["data"] = pattern & ((1 << (8 * width)) - 1)
        accesses.append(entry)
    return accesses


def render_json(info: dict[str, Any]) -> str:
    """The JSON text written for a program (stable formatting, trailing newline)."""
    return json.dumps(info, indent=2) + "\n"


def build_guest(name: str, src_dir: Path = GUESTS_DIR, out_dir: Path | None = None) -> GuestBuild:
    """Assemble and link `src_dir/NAME.S`; write NAME.bin and NAME.json to out_dir if given."""
    with tempfile.TemporaryDirectory(prefix=f"axvcpu-guest-{name}-") as tmp:
        work = Path(tmp)
        elf = _link(name, src_dir, work)
        image_path = work / f"{name}.bin"
        _run([tool("objcopy"), "-O", "binary", str(elf), str(image_path)])
        image = image_path.read_bytes()
        symbols, constants = _global_symbols(elf)
        if "_start" not in symbols:
            raise RuntimeError(f"{name}.S defines no global _start")
        info: dict[str, Any] = {
            "name": name,
            "source": f"{name}.S",
            "link_address": LINK_ADDRESS,
            "entry_offset": symbols["_start"],
            "image_size": len(image),
            "sha256": hashlib.sha256(image).hexdigest(),
            "symbols": dict(sorted(symbols.items(), key=lambda kv: (kv[1], kv[0]))),
            "constants": dict(sorted(constants.items())),
        }
        accesses = _accesses(name, image, symbols, constants, elf)
        if accesses:
            info["accesses"] = accesses
    for sym, off in symbols.items():
        if not 0 <= off <= len(image):
            raise RuntimeError(f"{name}: symbol {sym} at offset {off:#x} lies outside the {len(image)}-byte image")
    built = GuestBuild(name=name, image=image, json_text=render_json(info))
    if out_dir is not None:
        (out_dir / f"{name}.bin").write_bytes(built.image)
        (out_dir / f"{name}.json").write_text(built.json_text, encoding="utf-8")
    return built


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", help="programs to build (default: every NAME.S)")
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    names: list[str] = args.names or source_names()
    unknown = sorted(set(names) - set(source_names()))
    if unknown:
        parser.error(f"no source for {', '.join(unknown)}; known: {', '.join(source_names())}")
    try:
        stale = []
        for name in names:
            built = build_guest(name, out_dir=None if args.check else GUESTS_DIR)
            if args.check:
                bin_path, json_path = GUESTS_DIR / f"{name}.bin", GUESTS_DIR / f"{name}.json"
                same = (
                    bin_path.is_file()
                    and json_path.is_file()
                    and bin_path.read_bytes() == built.image
                    and json_path.read_text(encoding="utf-8") == built.json_text
                )
                if not same:
                    stale.append(name)
            print(f"{name}: {len(built.image)} bytes{' (stale)' if name in stale else ''}")
    except (ToolchainMissing, RuntimeError) as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 2
    if stale:
        print(f"build.py: out of date: {', '.join(stale)}; run build.py to rebuild", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
