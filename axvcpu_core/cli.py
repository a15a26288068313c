"""The `axvcpu` command line (click). Heavy modules load inside commands so `--help` stays fast."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
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


def _address(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    from .units import parse_address

    try:
        return parse_address(value)
    except ValueError as err:
        raise click.BadParameter(str(err), ctx=ctx, param=param) from None


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    from .units import parse_size

    try:
        return parse_size(value)
    except ValueError as err:
        raise click.BadParameter(str(err), ctx=ctx, param=param) from None


@main.command()
@click.argument("spec", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@arch_option(required=False)
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Raw or ELF guest image.")
@click.option("--load-addr", callback=_address, metavar="ADDR", help="Where a raw image goes (default: start of RAM).")
@click.option("--entry", callback=_address, metavar="ADDR", help="Start address of vCPU 0 (default: the image's).")
@click.option("--vcpus", type=click.IntRange(1, 256), help="Number of vCPUs.")
@click.option("--memory", callback=_size, metavar="SIZE", help="RAM size, e.g. 128MiB (default: the arch's).")
@click.option("--trace", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write a JSONL trace.")
@click.option("--max-exits", type=click.IntRange(min=1), help="Stop after this many exits.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Stop after this many seconds.")
@click.option(
    "--no-fast-exits",
    is_flag=True,
    help="Complete every exit through the plugin's decoder in Python (slower; for debugging the native path).",
)
@click.option(
    "--threads",
    is_flag=True,
    help="Run each vCPU on its own host thread: guest code runs in parallel; scheduling is not deterministic.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (on stderr).")
def run(
    spec: Path | None,
    arch: LoadedArch | None,
    image: Path | None,
    load_addr: int | None,
    entry: int | None,
    vcpus: int | None,
    memory: int | None,
    trace: Path | None,
    max_exits: int | None,
    timeout: float | None,
    no_fast_exits: bool,
    threads: bool,
    as_json: bool,
) -> None:
    """Run a VM from SPEC, from --image, or the arch's built-in demo guest.

    The guest console goes to stdout; a summary (exits by kind, instructions, wall time) to stderr.
    Exit status: 0 when the guest powered off or every vCPU stopped, 3 when a limit ended the run,
    1 on an error.
    """
    import tempfile

    from .run_options import RunOptions, build_spec
    from .vmm import Console, Vm

    options = RunOptions(spec, arch, image, load_addr, entry, vcpus, memory, max_exits, timeout)
    with tempfile.TemporaryDirectory(prefix="axvcpu-") as workdir:
        vm_spec = build_spec(options, Path(workdir))
        warn = None if not as_json else (lambda message: None)
        with _open_trace(trace) as trace_file:
            vm = Vm(vm_spec, Console(), trace=trace_file, warn=warn, fast_exits=not no_fast_exits, threads=threads)
            if sys.stdin.isatty():
                vm.console.start_stdin_reader()
            result = vm.run()
    if as_json:
        click.echo(json.dumps(result.to_dict()), err=True)
    else:
        from .summary import print_summary

        print_summary(result, sys.stderr)
    sys.exit(result.exit_status)


def _open_trace(path: Path | None) -> Any:
    import contextlib

    if path is None:
        return contextlib.nullcontext(None)
    try:
        return path.open("w", encoding="utf-8")
    except OSError as err:
        raise click.ClickException(f"cannot write trace {str(path)!r}: {err.strerror}") from None


@main.command()
@arch_option(required=True)
@click.argument("record", required=False)
def decode(arch: LoadedArch, record: str | None) -> None:
    """Decode one trap record (JSON argument) or JSON lines on stdin, one JSON line out per record.

    Trace lines (objects with a "trap" key) are accepted, so a trace replays through decode. An
    undecodable record prints {"error": {"kind", "message"}} and makes the exit status 1.
    """
    from .decode_stream import decode_lines

    lines = [record] if record is not None else sys.stdin
    failures = decode_lines(arch, lines, lambda text: click.echo(text))
    sys.exit(1 if failures else 0)


@main.command()
@arch_option(required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
@click.option(
    "--scale",
    type=click.FloatRange(min=0.001),
    default=1.0,
    show_default=True,
    help="Multiply every iteration count (smaller is quicker and noisier).",
)
@click.option("--no-fast-exits", is_flag=True, help="Measure the Python exit path (no native completion).")
def bench(arch: LoadedArch, as_json: bool, scale: float, no_fast_exits: bool) -> None:
    """Measure an arch's guest speed and exit paths against bare Unicorn in the same run.

    Each figure is the best of 3 runs; `*_ratio` = ours / bare Unicorn running the same loop with
    empty hooks. Progress goes to stderr.
    """
    from .bench import run_bench

    say = lambda text: click.echo(f"bench: {text}", err=True)  # noqa: E731
    results = run_bench(arch, scale, progress=say, fast_exits=not no_fast_exits)
    if as_json:
        click.echo(json.dumps(results))
        return
    width = max(len(key) for key in results)
    for key, value in results.items():
        click.echo(f"{key:<{width}}  {value:,}" if isinstance(value, float) else f"{key:<{width}}  {value}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--arch", "-a", "arch_name", required=True, metavar="ARCH", help="The arch plugin to test.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def conformance(arch_name: str, pytest_args: tuple[str, ...]) -> None:
    """Run the shared conformance suite against an arch plugin; extra arguments go to pytest.

    Prints a capability report (scenario x result) at the end; `--axvcpu-json FILE` writes it as
    JSON, `--axvcpu-plugin MODULE[:ATTR]` adds a plugin that is not installed. The exit status is
    pytest's (0 when everything the plugin supports passed).
    """
    import pytest

    args = ["--pyargs", "axvcpu_core.conformance", "--axvcpu-arch", arch_name, "-p", "no:cacheprovider", *pytest_args]
    sys.exit(int(pytest.main(args)))


def run_main() -> None:
    """Console-script entry point that never shows a traceback for broken pipes."""
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
