"""The command line: version, arches, schema, --arch resolution, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from axvcpu_core import __version__
from axvcpu_core.cli import main


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert out.strip() == f"axvcpu, version {__version__}"


def test_help_lists_commands() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    for command in ("arches", "schema"):
        assert command in out


def test_arches_json_lists_the_three_in_tree_arches() -> None:
    code, out, _ = invoke("arches", "--json")
    assert code == 0
    listing = json.loads(out)
    assert listing["api_version"] == "1.0"
    by_name = {a["name"]: a for a in listing["arches"]}
    assert by_name["riscv64"]["aliases"] == ["riscv", "rv64"]
    assert by_name["riscv64"]["distribution"] == "axvcpu-riscv-h"
    assert {"x86_64", "aarch64", "riscv64"} <= set(by_name)
    caps = by_name["riscv64"]["capabilities"]
    assert set(caps) == {"exits", "not_applicable", "features"}
    assert "IoRead" in caps["not_applicable"]
    assert listing["failures"] == []


def test_arches_table() -> None:
    code, out, _ = invoke("arches")
    assert code == 0
    for text in ("riscv64", "riscv, rv64", "axvcpu-riscv-h"):
        assert text in out


def test_schema_is_json_schema_of_the_spec() -> None:
    code, out, _ = invoke("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "VmSpec"
    assert {"arch", "vcpus", "memory", "images", "entry", "devices", "arch_config", "limits"} <= set(
        schema["properties"]
    )
    assert schema["required"] == ["arch", "memory"]


def test_schema_with_arch_alias_embeds_the_plugin_model() -> None:
    code, out, _ = invoke("schema", "--arch", "RV64")
    assert code == 0
    props = json.loads(out)["properties"]
    assert props["arch"]["enum"] == ["riscv64", "riscv", "rv64"]
    assert "htinst" in props["arch_config"]["properties"]


def test_unknown_arch_is_a_usage_error_listing_installed_arches() -> None:
    code, _, err = invoke("schema", "--arch", "sparc")
    assert code == 2
    assert "unknown arch 'sparc'" in err
    assert "riscv64 (riscv, rv64)" in err


def test_cli_import_is_lazy() -> None:
    """`axvcpu --help` must not pay for pydantic, unicorn or the plugins."""
    code = (
        "import sys, axvcpu_core.cli; print(sorted(m for m in ('pydantic', 'unicorn', 'axvcpu_riscv_h', "
        "'pluggy', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
