"""The `axvcpu` command line (click). Heavy modules load inside commands so `--help` stays fast."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__

if TYPE_CHECKING:
    from .registry import LoadedArch

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """A click group that turns AxError into a clean one-line error with exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import AxError

        try:
            return super().invoke(ctx)
        except AxError as err:
            raise click.ClickException(str(err)) from None


def _resolve_arch(ctx: click.Context, param: click.Parameter, value: str | None) -> LoadedArch | None:
    if value is None:
        return None
    from .errors import AxError
    from .registry import default_registry

    try:
        return default_registry().resolve(value)
    except AxError as err:
        raise click.BadParameter(err.message, ctx=ctx, param=param) from None


def arch_option(required: bool = True) -> Callable[[F], F]:
    """The shared `--arch` option: canonical name or alias, resolved to the loaded plugin."""
    option: Callable[[F], F] = click.option(
        "--arch",
        "-a",
        "arch",
        required=required,
        metavar="ARCH",
        callback=_resolve_arch,
        help="Architecture plugin: canonical name or alias, case-insensitive (see `axvcpu arches`).",
    )
    return option


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="axvcpu")
def main() -> None:
    """axvcpu: run and test hypervisor vCPUs for x86 VMX, Arm EL2 and RISC-V H on Unicorn."""


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def arches(as_json: bool) -> None:
    """List the installed arch plugins, their aliases, distributions and capabilities."""
    from .hookspecs import API_VERSION
    from .registry import default_registry

    registry = default_registry()
    if as_json:
        out = {
            "api_version": API_VERSION,
            "arches": [a.to_dict() for a in registry.arches],
            "failures": [f.to_dict() for f in registry.failures],
        }
        click.echo(json.dumps(out, indent=2))
    else:
        _print_arch_table(registry.arches)
    for failure in registry.failures:
        click.echo(
            f"warning: plugin {failure.distribution} ({failure.plugin_name}) not loaded: {failure.reason}",
            err=True,
        )


def _print_arch_table(loaded: tuple[LoadedArch, ...]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="axvcpu arch plugins")
    for column in ("arch", "aliases", "distribution", "version", "exits", "features"):
        table.add_column(column)
    for arch in loaded:
        caps = arch.descriptor.capabilities
        table.add_row(
            arch.name,
            ", ".join(arch.descriptor.aliases),
            arch.distribution,
            arch.version,
            f"{len(caps.exits)}/{16 - len(caps.not_applicable)}",
            ", ".join(sorted(caps.features)) or "-",
        )
    Console().print(table)
    if not loaded:
        click.echo("no arch plugin is installed: pip install -e plugins/riscv_h (for example)")


@main.command()
@arch_option(required=False)
def schema(arch: LoadedArch | None) -> None:
    """Print the JSON Schema of the VM spec (with --arch: including that arch's arch_config)."""
    from .spec import VmSpec

    out = VmSpec.model_json_schema()
    if arch is not None:
        section = arch.descriptor.vm_config.model_json_schema()
        out["properties"]["arch_config"] = section
        out["properties"]["arch"]["enum"] = [arch.name, *arch.descriptor.aliases]
    click.echo(json.dumps(out, indent=2))


def run_main() -> None:
    """Console-script entry point that never shows a traceback for broken pipes."""
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
