"""How many tenants a minute does `run-all` verify, at parallelism 1 and 2?

`python benchmarks/run_all.py [--tenants 20] [--users 5] [--parallel 1,2]` (from the repository
root). It generates `--tenants` small synthetic tenants (fixtures/tenants/generate.py, seeds
1..N) and their identity exports into benchmarks/out/run-all/ (git-ignored), starts one fixture
portal process per tenant, writes one TOML file listing them all, then for each parallelism runs
`tessian-connector run-all --json` from fresh state and reports folders (no saved session helps)
and prints the wall-clock time and tenants/minute. Every tenant must end verified or drift;
otherwise the figures would time failures, and the script exits 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: make `fixtures` importable

from fixtures.tenants.generate import write_tenant  # noqa: E402

OUT = REPO / "benchmarks" / "out" / "run-all"
ADMIN = ("password.admin@acme.example", "plain-Passw0rd!")
CONNECTOR = [str(Path(sys.executable).with_name("tessian-connector"))]


def tenant_files(count: int, users: int) -> list[tuple[Path, Path]]:
    """(tenant JSON, identity export CSV) for each of `count` generated tenants."""
    pairs = []
    for seed in range(1, count + 1):
        tenant = write_tenant(OUT / f"tenant-{seed:02d}.json", users, seed, f"bench-{seed:02d}")
        export = OUT / f"tenant-{seed:02d}.csv"
        done = subprocess.run([sys.executable, "-m", "fixtures.idp_export", "--tenant",
                               str(tenant), "--format", "csv", "--out", str(export)], cwd=REPO,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"the export of {tenant.name} failed: {done.stderr.strip()}")
        pairs.append((tenant, export))
    return pairs


@contextmanager
def portal(tenant: Path) -> Iterator[str]:
    """One fixture portal process for `tenant`, until the block ends; yields its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "fixtures.portal", "--port", "0", "--tenant",
                             str(tenant)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise SystemExit(f"the portal for {tenant.name} did not start (got {url!r})")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def write_config(path: Path, portals: list[tuple[str, Path]]) -> Path:
    """The TOML file run-all reads: one [tenants.bench-NN] table per portal."""
    tables = [f'[tenants.bench-{i:02d}]\nportal_url = "{url}"\n'
              f'[tenants.bench-{i:02d}.portal]\nemail = "{ADMIN[0]}"\npassword = "{ADMIN[1]}"\n'
              f'[tenants.bench-{i:02d}.idp]\nfile = "{export}"\n'
              for i, (url, export) in enumerate(portals, start=1)]
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


def run_all(config: Path, parallel: int, work: Path) -> tuple[float, dict[str, int]]:
    """Seconds for one run-all from fresh folders, and how many tenants ended in each verdict."""
    folder = Path(tempfile.mkdtemp(prefix=f"p{parallel}-", dir=work))
    argv = [*CONNECTOR, "--state-dir", str(folder / ".state"), "--reports-dir",
            str(folder / "reports"), "run-all", "--config", str(config), "--parallel",
            str(parallel), "--json"]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - started
    try:
        counts: dict[str, int] = json.loads(done.stdout)["counts"]
    except (ValueError, KeyError):
        raise SystemExit(f"run-all printed no summary (exit {done.returncode}): "
                         f"{done.stderr[-2000:]}") from None
    return seconds, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--users", type=int, default=5, help="monitored users per tenant")
    parser.add_argument("--parallel", default="1,2", help="comma-separated parallelisms")
    args = parser.parse_args(argv)
    pairs = tenant_files(args.tenants, args.users)
    failed = False
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="run-all-bench-") as work:
        urls = [stack.enter_context(portal(tenant)) for tenant, _ in pairs]
        config = write_config(Path(work) / "tenants.toml",
                              list(zip(urls, [export for _, export in pairs])))
        print(f"{args.tenants} fixture tenants ({args.users} monitored users each), one portal "
              "process each")
        for parallel in (int(p) for p in args.parallel.split(",")):
            seconds, counts = run_all(config, parallel, Path(work))
            rate = args.tenants / seconds * 60
            print(f"parallel {parallel}: {seconds:6.1f} s, {rate:5.1f} tenants/minute "
                  f"({', '.join(f'{k} {v}' for k, v in counts.items())})")
            failed |= bool(set(counts) - {"verified", "drift"})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
