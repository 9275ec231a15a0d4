"""run-all's process pool with real child processes (tiny Python scripts instead of verify)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from connector.commands.run_all import Pool

# A child that records when it ran, prints a bundle line, and ends as told.
CHILD = r"""
import json, os, signal, sys, time
log, name, how, bundle = sys.argv[1:5]
with open(log, "a") as f:
    f.write(json.dumps(["start", name, time.monotonic()]) + "\n")
time.sleep(1.0)
with open(log, "a") as f:
    f.write(json.dumps(["end", name, time.monotonic()]) + "\n")
if bundle != "-":
    print("report.html\nbundle:  " + bundle)
print("error: settings of " + name + " are wrong", file=sys.stderr)
if how == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
sys.exit(int(how))
"""


def test_each_child_gets_its_own_status_and_at_most_n_run_at_once(tmp_path: Path) -> None:
    """Statuses come from each child's exit code and bundle; a killed child is 'failed' and does
    not stop the others; never more than `parallel` children run at the same time."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "report.json").write_text(json.dumps({"verdict": "drift", "findings": [
        {"outcome": "leaver_still_protected"}, {"outcome": "in_sync"}]}))
    log = tmp_path / "log.jsonl"
    plan = {"a": ("1", str(bundle)), "b": ("2", "-"), "c": ("kill", "-"), "d": ("0", "-"),
            "e": ("3", "-")}
    pool = Pool(lambda n: [sys.executable, "-c", CHILD, str(log), n, *plan[n]], 2)
    pool.run(sorted(plan))
    got = {n: (s.verdict, s.exit_code, s.findings) for n, s in pool.done.items()}
    assert got == {"a": ("drift", 1, 1), "b": ("config_error", 2, None), "c": ("failed", -9, None),
                   "d": ("verified", 0, None), "e": ("inconclusive", 3, None)}
    assert pool.done["a"].bundle == str(bundle)
    assert pool.done["b"].message == "settings of b are wrong"
    assert _most_at_once(log) == 2


def _most_at_once(log: Path) -> int:
    events = sorted((t, kind) for kind, _, t in map(json.loads, log.read_text().splitlines()))
    running = most = 0
    for _, kind in events:
        running += 1 if kind == "start" else -1
        most = max(most, running)
    return most
