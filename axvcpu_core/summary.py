"""Human-readable run summaries (stderr) for `axvcpu run`."""

from __future__ import annotations

from typing import TextIO

from .vmm.result import RunResult


def print_summary(result: RunResult, stream: TextIO) -> None:
    """A table of exits by kind, instructions, wall time and why the run ended."""
    from rich.console import Console
    from rich.table import Table

    stats = result.stats
    console = Console(file=stream, highlight=False)
    table = Table(title="exits by kind", title_justify="left")
    table.add_column("exit")
    table.add_column("count", justify="right")
    for kind, count in sorted(stats.exits.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(kind, str(count))
    table.add_row("total", str(stats.total_exits), style="bold")
    console.print(table)
    if stats.native_exits:
        console.print(f"completed natively: {stats.native_exits:,} of {stats.total_exits:,} exits")
    instructions = "not counted" if stats.instructions is None else f"{stats.instructions:,}"
    console.print(f"instructions: {instructions}   wall time: {stats.wall_seconds:.3f} s   resets: {stats.resets}")
    style = "green" if result.exit_status == 0 else "yellow" if result.exit_status == 3 else "red"
    console.print(f"[{style}]{result.reason}[/]: {result.message}")
