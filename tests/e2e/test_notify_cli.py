"""`verify` with notifications: a real webhook receiver gets the run's changes, and a receiver
that is down is named in the output while the exit code stays the verdict's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.webhook import closed_port, webhook_receiver

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
TOKEN = "tok3n-Secret-Value"


def test_first_drift_run_posts_its_new_findings(
        cli: Any, demo_args: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first run with drift: every finding is new, one POST names the tenant and the report."""
    with webhook_receiver() as receiver:
        monkeypatch.setenv("TESSIAN_NOTIFY_URLS", receiver.url(f"/hook/{TOKEN}"))
        result = cli(*demo_args.global_args, "verify", *demo_args.verify)
        posts = list(receiver.requests)
    assert result.code == 1, result.err[-1500:]
    report = result.report()
    assert report["changes"]["basis"] == "no_previous_run"
    new = len(report["changes"]["new"])
    [post] = posts
    message = post.json()["message"]
    assert f"New: {new} · resolved: 0" in message and "Tenant: demo" in message
    assert f"Report: {result.bundle() / 'report.html'}" in message
    assert "notify:  sent to 1 target(s)" in result.out
    meta = json.loads((result.bundle() / "run.json").read_text())
    assert (meta["notify"]["sent"], meta["exit_code"]) == (1, 1)


def test_receiver_down_keeps_the_verdict_and_names_the_target(
        cli: Any, demo_args: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook is not listening: exit code still the verdict's, the failure printed and in
    run.json, the URL's token nowhere in the output."""
    monkeypatch.setenv("TESSIAN_NOTIFY_URLS", f"json://127.0.0.1:{closed_port()}/hook/{TOKEN}")
    result = cli(*demo_args.global_args, "verify", *demo_args.verify)
    assert result.code == 1, result.err[-1500:]
    assert "notify:  FAILED for 1 of 1 target(s) (exit code unchanged): notify_urls #1 (json)" \
        in result.out
    meta = json.loads((result.bundle() / "run.json").read_text())
    assert meta["notify"]["failed"] and meta["exit_code"] == 1
    assert TOKEN not in result.out + result.err
    assert TOKEN not in (result.bundle() / "run.json").read_text()
