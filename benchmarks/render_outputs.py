"""Benchmark: render ocsf.json, the Prometheus textfile and junit.xml for 1k / 10k identities.

    .venv/bin/python benchmarks/render_outputs.py [--sizes 1000,10000]

Uses the synthetic snapshot of `evaluate_and_render.py` (10 % drifting), evaluates it once per
size, then prints per format the seconds to render (best of 3) and the size of the output.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate_and_render import snapshot  # noqa: E402

from connector.models import Policy, Report  # noqa: E402
from connector.reconcile import evaluate  # noqa: E402
from connector.report import render_junit, render_ocsf  # noqa: E402
from connector.report.prometheus_out import render_metrics  # noqa: E402

FORMATS: dict[str, Callable[[Report], str]] = {
    "ocsf.json": render_ocsf,
    "metrics.prom": lambda r: render_metrics(r, exit_code=1),
    "junit.xml": render_junit,
}


def best_of_3(render: Callable[[Report], str], report: Report) -> tuple[float, str]:
    """The fastest of three renders, and the text."""
    times, text = [], ""
    for _ in range(3):
        start = time.perf_counter()
        text = render(report)
        times.append(time.perf_counter() - start)
    return min(times), text


def run(n: int) -> None:
    """Evaluate one size, then time each format."""
    report = evaluate(snapshot(n), Policy())
    print(f"{n:,} identities: {len(report.findings):,} findings", flush=True)
    for name, render in FORMATS.items():
        seconds, text = best_of_3(render, report)
        print(f"  {name:<13} {seconds:7.3f} s  {len(text.encode('utf-8')) / 2**10:10,.1f} KiB",
              flush=True)


def main() -> None:
    """Parse --sizes and run each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    for size in (int(s) for s in parser.parse_args().sizes.split(",")):
        run(size)


if __name__ == "__main__":
    main()
