"""Every command line in the deploy examples parses with the connector's real argument parser,
and the cron wrapper keeps its promises (exit codes passed through, one run at a time).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from connector.commands.args import build_parser

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
WRAPPER = DEPLOY / "cron" / "tessian-verify.sh"
SHARDS = range(4)


def _parse(argv: list[str]) -> argparse.Namespace:
    """Parse like the CLI does (an unknown command or option exits, failing the test)."""
    return build_parser().parse_args(argv)


def _containers() -> list[dict[str, Any]]:
    found = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text("utf-8")):
            if doc and doc["kind"] == "CronJob":
                found += doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
            elif doc and doc["kind"] == "Job":
                found += doc["spec"]["template"]["spec"]["containers"]
    return found


def test_kubernetes_cronjob_args_parse_as_verify() -> None:
    """The CronJob's container arguments are a valid `verify` command line."""
    (verify,) = [c["args"] for c in _containers() if "verify" in c["args"]]
    args = _parse(verify)
    assert (args.command, args.tenant) == ("verify", "acme")


@pytest.mark.parametrize("index", SHARDS)
def test_kubernetes_indexed_job_args_parse_for_every_index(index: int) -> None:
    """With JOB_COMPLETION_INDEX expanded as Kubernetes does, each pod's run-all line parses."""
    job = yaml.safe_load((DEPLOY / "kubernetes" / "job-run-all-indexed.yaml").read_text("utf-8"))
    assert job["spec"]["completions"] == len(SHARDS)
    (container,) = job["spec"]["template"]["spec"]["containers"]
    argv = [a.replace("$(JOB_COMPLETION_INDEX)", str(index)) for a in container["args"]]
    assert f"{index}/{len(SHARDS)}" in argv
    assert _parse(argv).command == "run-all"


def test_systemd_execstart_parses_as_verify() -> None:
    """The service's ExecStart, instantiated for a tenant, is a valid `verify` command line."""
    unit = (DEPLOY / "systemd" / "tessian-connector-verify@.service").read_text("utf-8")
    (line,) = [ln for ln in unit.splitlines() if ln.startswith("ExecStart=")]
    program, *argv = shlex.split(line.removeprefix("ExecStart=").replace("%i", "acme"))
    assert program.endswith("/tessian-connector")
    args = _parse(argv)
    assert (args.command, args.tenant, args.config) == (
        "verify", "acme", "/etc/tessian-connector/config.toml")


@pytest.mark.parametrize("shard", SHARDS)
def test_github_workflow_connector_steps_parse(shard: int) -> None:
    """Each workflow step that runs tessian-connector parses, for every matrix shard."""
    workflow = yaml.safe_load((DEPLOY / "github-actions" / "tessian-verify.yml").read_text())
    job = workflow["jobs"]["verify"]
    assert job["strategy"]["matrix"]["shard"] == list(SHARDS)
    runs = [s["run"] for s in job["steps"] if "tessian-connector " in s.get("run", "")
            and "pip install" not in s["run"]]
    assert runs
    for run in runs:
        program, *argv = shlex.split(run.replace("${{ matrix.shard }}", str(shard)))
        assert program == "tessian-connector"
        _parse(argv)


def _stand_in(tmp_path: Path) -> Path:
    """A program in the connector's place that records its arguments and exits as told: the
    wrapper's job is how it calls and answers, which the real connector cannot show without a
    portal."""
    program = tmp_path / "tessian-connector"
    program.write_text(f"""#!{sys.executable}
import json, os, sys
with open(os.environ["ARGV_FILE"], "w") as f:
    json.dump(sys.argv[1:], f)
print("a log line that must not reach cron's mail")
sys.exit(int(os.environ["EXIT_WITH"]))
""", "utf-8")
    program.chmod(0o755)
    return program


def _run_wrapper(tmp_path: Path, code: int, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TESSIAN_HOME": str(tmp_path / "home"),
           "TESSIAN_CONNECTOR": str(_stand_in(tmp_path)), "EXIT_WITH": str(code),
           "ARGV_FILE": str(tmp_path / "argv.json")}
    (tmp_path / "home").mkdir(exist_ok=True)
    return subprocess.run(["bash", str(WRAPPER), "acme", *extra], env=env, capture_output=True,
                          text=True, check=False, timeout=60)


def test_cron_wrapper_calls_a_valid_verify_and_is_silent_when_verified(tmp_path: Path) -> None:
    """Exit 0 prints nothing (cron mails nothing); the call it makes parses as verify."""
    done = _run_wrapper(tmp_path, 0, "--fail-level", "high")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    args = _parse(json.loads((tmp_path / "argv.json").read_text("utf-8")))
    assert (args.command, args.tenant, args.fail_level) == ("verify", "acme", "high")
    assert "must not reach" in (tmp_path / "home" / "logs" / "acme.log").read_text("utf-8")


@pytest.mark.parametrize(("code", "word"), [(1, "DRIFT"), (2, "configuration"),
                                            (3, "INCONCLUSIVE"), (143, "exit 143")])
def test_cron_wrapper_passes_exit_codes_through_with_one_line(
    tmp_path: Path, code: int, word: str
) -> None:
    """A non-zero exit is passed through, with one stderr line naming it (what cron mails)."""
    done = _run_wrapper(tmp_path, code)
    assert done.returncode == code
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1 and word in done.stderr


def test_cron_wrapper_skips_while_the_previous_run_holds_the_lock(tmp_path: Path) -> None:
    """While another run holds the tenant's lock, the wrapper does not start the connector and
    says the hour was not verified (exit 3)."""
    lock = tmp_path / "home" / ".state" / "cron-acme.lock"
    lock.parent.mkdir(parents=True)
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        done = _run_wrapper(tmp_path, 0)
    assert done.returncode == 3 and "not verified" in done.stderr
    assert not (tmp_path / "argv.json").exists()
