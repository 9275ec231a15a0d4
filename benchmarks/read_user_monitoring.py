"""Benchmark: read User Monitoring completely, in DOM mode and API mode, for 1k/10k/100k users.

    .venv/bin/python benchmarks/read_user_monitoring.py [--sizes 1000,10000,100000] [--modes dom,api]

Each size gets a tenant generated at run time (fixtures/tenants/generate.py) and its own fixture
portal process (`python -m fixtures.portal`), so the portal's own work is not measured as ours.
Sign-in happens before the clock starts. Printed per run: seconds, users/second, whether the read
was complete, the Python peak (tracemalloc, this process only), and the peak resident memory of
the browser (Chromium processes, summed PSS) and of Playwright's driver, sampled every 0.2 s
(process tree via psutil when installed, else /proc).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.tenants.generate import ADMINS, SYNTHETIC_TOKEN, write_tenant  # noqa: E402
from flows.browser import BrowserOptions, find_chromium  # noqa: E402
from flows.collect import ReadOptions, collect, collect_api  # noqa: E402
from flows.session import portal_session  # noqa: E402
from flows.sign_in import Credentials  # noqa: E402

ADMIN = next(a for a in ADMINS if a["password"] and not a["totp_secret"])
USERS_ONLY = ReadOptions(surfaces=("user_monitoring",))
MiB = 1024 * 1024


@dataclass
class Result:
    """One measured read."""

    mode: str
    users: int
    seconds: float
    complete: bool
    read: int
    py_peak: int
    browser_peak: int = 0
    driver_peak: int = 0

    def line(self) -> str:
        rate = self.read / self.seconds if self.seconds else 0.0
        browser = f"{self.browser_peak / MiB:8.0f}" if self.mode == "dom" else "       -"
        driver = f"{self.driver_peak / MiB:7.0f}" if self.mode == "dom" else "      -"
        return (f"{self.mode:4} {self.users:>8,} {self.seconds:9.1f} {rate:10,.0f} "
                f"{str(self.complete):>8} {self.read:>8,} {self.py_peak / MiB:9.1f} {browser} {driver}")


HEADER = ("mode    users   seconds  users/s  complete     read  py MiB  chrome MiB  driver MiB")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _descendants(root: int, skip: set[int]) -> list[int]:
    try:
        import psutil  # optional

        return [p.pid for p in psutil.Process(root).children(recursive=True) if p.pid not in skip]
    except ImportError:
        tree, out, todo = _children(), [], [root]
        while todo:
            for child in tree.get(todo.pop(), []):
                if child not in skip:
                    out.append(child)
                    todo.append(child)
        return out


def _rss(pid: int) -> tuple[str, int]:
    """(command name, proportional set size in bytes) of a process; ("", 0) when it is gone.

    PSS (from smaps_rollup) shares pages fairly between Chromium's many processes, so their sum
    is not inflated by shared memory; VmRSS is the fallback where smaps_rollup is unreadable.
    """
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        for source, label in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
            for line in Path(source).read_text().splitlines():
                if line.startswith(label):
                    return name, int(line.split()[1]) * 1024
    except OSError:
        pass
    return "", 0


@dataclass
class RssSampler:
    """Samples the summed RSS of our descendant processes (browser vs driver) in a thread."""

    skip: set[int]
    browser_peak: int = 0
    driver_peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.wait(0.2):
            browser = driver = 0
            for pid in _descendants(os.getpid(), self.skip):
                name, rss = _rss(pid)
                if name.startswith("node"):  # Playwright's driver (comm "node-MainThread")
                    driver += rss
                else:
                    browser += rss
            self.browser_peak = max(self.browser_peak, browser)
            self.driver_peak = max(self.driver_peak, driver)

    @contextmanager
    def sampling(self) -> Iterator[RssSampler]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()


@contextmanager
def running_portal(tenant: Path) -> Iterator[tuple[str, set[int]]]:
    """A fixture portal process for `tenant`: (base URL, its pids to leave out of RSS sums)."""
    process = subprocess.Popen([sys.executable, "-m", "fixtures.portal", "--port", "0",
                                "--tenant", str(tenant)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"the fixture portal did not start for {tenant}")
        yield url, {process.pid}
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def python_peak() -> Iterator[list[int]]:
    """tracemalloc around a block; the list receives the peak in bytes."""
    out: list[int] = []
    tracemalloc.start()
    try:
        yield out
    finally:
        out.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def measure_dom(url: str, users: int, skip: set[int], state: Path) -> Result:
    """Sign in (unmeasured), then time a complete DOM read of User Monitoring."""
    options = BrowserOptions(executable=find_chromium())
    credentials = Credentials(email=ADMIN["email"], password=ADMIN["password"])
    with portal_session(url, credentials, options=options, state_dir=state) as session:
        with RssSampler(skip).sampling() as rss, python_peak() as peak:
            started = time.perf_counter()
            read = collect(session, USERS_ONLY)
            seconds = time.perf_counter() - started
    collection = read.collections[0]
    return Result("dom", users, seconds, collection.complete, collection.read_count, peak[0],
                  rss.browser_peak, rss.driver_peak)


def measure_api(url: str, users: int) -> Result:
    """Time a complete API read of /api/v1/monitoring/users."""
    with python_peak() as peak:
        started = time.perf_counter()
        read = collect_api(url, SYNTHETIC_TOKEN, USERS_ONLY)
        seconds = time.perf_counter() - started
    collection = read.collections[0]
    return Result("api", users, seconds, collection.complete, collection.read_count, peak[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--modes", default="dom,api")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    print(f"chromium: {find_chromium()}  cpus: {os.cpu_count()}  "
          f"load: {os.getloadavg()[0]:.1f}", flush=True)
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-um-") as tmp:
        for users in sizes:
            tenant = write_tenant(Path(tmp) / f"bench-{users}.json", users, seed=7)
            with running_portal(tenant) as (url, skip):
                for mode in modes:
                    result = (measure_dom(url, users, skip, Path(tmp) / "state") if mode == "dom"
                              else measure_api(url, users))
                    print(result.line(), flush=True)
            tenant.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
