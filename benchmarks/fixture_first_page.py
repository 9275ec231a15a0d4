"""How fast does a 100k-user fixture portal serve its first User Monitoring page? Target: < 1 s.

`python benchmarks/fixture_first_page.py [--users 100000] [--runs 7]` (run from the repository
root; `make bench` does). It generates the tenant once with PORTAL's generator into
benchmarks/out/ (git-ignored, ~77 MB, reused afterwards), starts `python -m fixtures.portal` on it
in its own process, signs in, and times over real HTTP:
- the User Monitoring HTML page, the data call its script makes (25 rows, the default page size,
  and 250, the largest), and the two together: what a person waits for;
- the public API's first page (`/api/v1/monitoring/users`, limit 100 and 1000).
Each figure is the median of `--runs` fresh-connection runs; the first (cold) run is shown apart.
Exit status 0 when the median first page (HTML + data) is under the target, else 1.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: make `fixtures` importable

from fixtures.tenants.generate import SYNTHETIC_TOKEN, write_tenant  # noqa: E402

OUT = REPO / "benchmarks" / "out"
PAGE = "/0/admin/user-monitoring"
DATA = "/0/data/monitored-users"
ADMIN = {"email": "password.admin@acme.example", "password": "plain-Passw0rd!"}
TARGET_S = 1.0


def tenant_file(users: int) -> Path:
    """The generated tenant, written once and reused."""
    path = OUT / f"large-{users}.json"
    if not path.is_file():
        started = time.perf_counter()
        write_tenant(path, users, seed=100, scenario=f"large-{users}")
        print(f"generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - started:.1f} s")
    return path


def start_portal(tenant: Path) -> tuple[subprocess.Popen[str], str, float]:
    """Run the portal in its own process; returns it, its base URL and its start-up time."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "fixtures.portal", "--port", "0", "--tenant",
                             str(tenant)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise SystemExit(f"the portal did not start (got {url!r})")
    _wait_ready(url)
    return proc, url, time.perf_counter() - started


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/login", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the portal never answered /login")


def sign_in(url: str) -> dict[str, str]:
    """A session cookie for the password-only admin of generated tenants."""
    response = httpx.post(url + "/login/password", data={**ADMIN, "next": PAGE}, timeout=30)
    cookie = response.cookies.get("tessian_session") or next(iter(response.cookies.values()), None)
    if response.status_code != 303 or not cookie:
        raise SystemExit(f"sign-in failed: HTTP {response.status_code}")
    return dict(response.cookies.items())


def timed(fetch: Callable[[httpx.Client], None], cookies: dict[str, str], url: str) -> float:
    """Seconds for one fetch on a fresh connection."""
    with httpx.Client(base_url=url, cookies=cookies, timeout=30) as client:
        started = time.perf_counter()
        fetch(client)
        return time.perf_counter() - started


def get(path: str, expect: int = 200, **kwargs: object) -> Callable[[httpx.Client], None]:
    def fetch(client: httpx.Client) -> None:
        response = client.get(path, **kwargs)  # type: ignore[arg-type]
        if response.status_code != expect:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        response.read()
    return fetch


def both(*fetches: Callable[[httpx.Client], None]) -> Callable[[httpx.Client], None]:
    def fetch(client: httpx.Client) -> None:
        for one in fetches:
            one(client)
    return fetch


def measures() -> dict[str, Callable[[httpx.Client], None]]:
    api = {"Authorization": f"API-Token {SYNTHETIC_TOKEN}"}
    html, data25 = get(PAGE), get(DATA, params={"offset": 0, "limit": 25})
    return {
        "UM first page: HTML + data (25 rows)": both(html, data25),
        "  HTML page only": html,
        "  data call, 25 rows": data25,
        "  data call, 250 rows": get(DATA, params={"offset": 0, "limit": 250}),
        "API first page, limit 100": get("/api/v1/monitoring/users", params={"limit": 100}, headers=api),
        "API first page, limit 1000": get("/api/v1/monitoring/users", params={"limit": 1000}, headers=api),
    }


def run(url: str, runs: int) -> dict[str, tuple[float, float]]:
    """(cold, median of the warm runs) per measure, in seconds."""
    cookies, out = sign_in(url), {}
    for name, fetch in measures().items():
        samples = [timed(fetch, cookies, url) for _ in range(runs + 1)]
        out[name] = (samples[0], statistics.median(samples[1:]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    proc, url, startup = start_portal(tenant_file(args.users))
    try:
        print(f"portal with {args.users:,} users ready in {startup:.1f} s at {url}")
        results = run(url, args.runs)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"{'measure':<40} {'cold':>9} {'median':>9}   (median of {args.runs} runs)")
    for name, (cold, median) in results.items():
        print(f"{name:<40} {cold * 1000:7.0f}ms {median * 1000:7.0f}ms")
    first = results["UM first page: HTML + data (25 rows)"][1]
    verdict = "PASS" if first < TARGET_S else "FAIL"
    print(f"target: first User Monitoring page < {TARGET_S:.0f} s -> {verdict} ({first * 1000:.0f} ms)")
    return 0 if first < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
