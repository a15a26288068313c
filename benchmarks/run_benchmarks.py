"""Run `axvcpu bench` for every installed arch that has a benchmark kit and save the results.

    python3 benchmarks/run_benchmarks.py [--scale 1.0] [--out benchmarks/results.json]

Every figure is measured against bare Unicorn in the same run (the `*_ratio` keys).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from axvcpu_core.bench import run_bench
from axvcpu_core.registry import default_registry


def main() -> int:
    """Benchmark every arch with a kit; print and save JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="iteration-count multiplier")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "arches": {},
    }
    for arch in default_registry().arches:
        if arch.descriptor.bench is None:
            print(f"{arch.name}: no benchmark kit yet, skipped", file=sys.stderr)
            continue
        report["arches"][arch.name] = run_bench(arch, args.scale, lambda text: print(text, file=sys.stderr))
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
