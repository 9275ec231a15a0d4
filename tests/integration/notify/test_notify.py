"""Notifications through apprise to a real webhook receiver on 127.0.0.1: sent only on change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from connector.changes import compute_changes
from connector.logging import Redactor
from connector.models import (
    DEFAULT_SEVERITY,
    Finding,
    HistoryContext,
    InconclusiveReason,
    Outcome,
    ReasonDetail,
    Report,
    RunInfo,
    RunSummary,
    Verdict,
)
from connector.notify import NotifyWiring, notify_run, url_secrets
from connector.notify_message import MAX_BODY
from tests.webhook import Receiver, closed_port, webhook_receiver

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, tzinfo=UTC)
LOCATION = "reports/acme/20261101T0000Z-r9/report.html"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver for this test."""
    with webhook_receiver() as running:
        yield running


def finding(outcome: Outcome, subject: str) -> Finding:
    """A User Monitoring finding with the standard key and default severity."""
    return Finding(key=f"{outcome.value}:user_monitoring:{subject}", outcome=outcome,
                   severity=DEFAULT_SEVERITY[outcome], subject=subject,
                   surface="user_monitoring", message=f"{outcome.value} {subject}")


def report(verdict: Verdict, findings: list[Finding], earlier: list[Verdict],
           last: list[Finding]) -> Report:
    """A report whose changes are computed against earlier runs with these verdicts."""
    runs = tuple(RunSummary(run_id=f"r{i}", finished_at=T0 + timedelta(hours=i), verdict=v)
                 for i, v in enumerate(earlier))
    ctx = HistoryContext(previous_runs=runs, last_findings=tuple(last))
    reasons = (ReasonDetail(reason=InconclusiveReason.PAGE_NOT_LOADED, message="timed out"),) \
        if verdict == "inconclusive" else ()
    run = RunInfo(run_id="r9", tool_version="test", tenant="acme", portal_host="portal.test",
                  started_at=T0 + timedelta(days=1))
    return Report(run=run, verdict=verdict, reasons=reasons, findings=tuple(findings),
                  changes=compute_changes(findings, verdict, ctx), evaluated_at=run.started_at)


def wiring(*urls: str, streak: int = 3) -> NotifyWiring:
    """Notification settings sending to these URLs under the default policy."""
    return NotifyWiring(urls=tuple(SecretStr(u) for u in urls), inconclusive_streak=streak)


def scrub_for(settings: NotifyWiring) -> Redactor:
    """The redactor a run would use: the URLs and their token-like parts registered."""
    return Redactor(part for url in settings.urls for part in url_secrets(url))


def test_new_finding_sends_one_post_with_the_changes(receiver: Receiver) -> None:
    """A new access_retained finding: one POST naming tenant, verdict, counts, subject, report."""
    settings = wiring(receiver.url())
    leaver = finding(Outcome.ACCESS_RETAINED, "leaver@acme.example")
    current = report("drift", [leaver, finding(Outcome.ORPHAN, "svc@acme.example")], ["drift"],
                     [finding(Outcome.ORPHAN, "svc@acme.example"),
                      finding(Outcome.MISSING, "fixed@acme.example")])
    delivery = notify_run(settings, current, LOCATION, scrub_for(settings).scrub)
    assert (delivery.sent, delivery.failed) == (1, ())
    [post] = receiver.requests
    payload = post.json()
    assert payload["title"] == "Tessian acme: drift (1 new, 1 resolved)"
    assert payload["type"] == "failure"
    body = payload["message"]
    assert "New: 1 · resolved: 1 · changed: 0" in body
    assert "- critical access_retained: leaver@acme.example (user_monitoring)" in body
    assert body.endswith(f"Report: {LOCATION}") and len(body) <= MAX_BODY


def test_no_change_sends_nothing(receiver: Receiver) -> None:
    """Same findings and verdict as the last conclusive run: no request at all."""
    same = [finding(Outcome.ORPHAN, "svc@acme.example")]
    delivery = notify_run(wiring(receiver.url()), report("drift", same, ["drift"], same),
                          LOCATION, str)
    assert receiver.requests == []
    assert delivery.line() == "notify:  not sent (nothing changed)"


def test_inconclusive_streak_alerts_once(receiver: Receiver) -> None:
    """Inconclusive runs 1..5 in a row alert only at the 3rd; the next conclusive run once more."""
    settings, earlier = wiring(receiver.url(), streak=3), ["verified"]
    for _ in range(5):
        notify_run(settings, report("inconclusive", [], list(earlier), []), LOCATION, str)
        earlier.append("inconclusive")
    assert len(receiver.requests) == 1
    assert "inconclusive 3 runs in a row" in receiver.requests[0].json()["message"]
    notify_run(settings, report("verified", [], list(earlier), []), LOCATION, str)
    assert len(receiver.requests) == 2
    assert "conclusive again after 5 inconclusive runs" in receiver.requests[1].json()["message"]


def test_receiver_down_is_named_and_redacted() -> None:
    """A receiver that is not listening: the failure names the target, never its token."""
    settings = wiring(f"json://127.0.0.1:{closed_port()}/hook/tok3n-Secret-Value")
    current = report("drift", [finding(Outcome.MISSING, "ann@acme.example")], [], [])
    delivery = notify_run(settings, current, LOCATION, scrub_for(settings).scrub)
    assert delivery.sent == 0
    [problem] = delivery.failed
    assert problem.startswith("notify_urls #1 (json): ") and "onnection" in problem
    assert "tok3n-Secret-Value" not in (delivery.line() or "")
    assert "FAILED for 1 of 1 target(s) (exit code unchanged)" in (delivery.line() or "")


def test_one_bad_target_does_not_stop_the_others(receiver: Receiver) -> None:
    """Two targets, the first down: the second still gets the message."""
    settings = wiring(f"json://127.0.0.1:{closed_port()}/a", receiver.url())
    current = report("drift", [finding(Outcome.MISSING, "ann@acme.example")], [], [])
    delivery = notify_run(settings, current, LOCATION, str)
    assert (delivery.sent, len(delivery.failed), len(receiver.requests)) == (1, 1, 1)


def test_verbose_log_never_shows_the_url(receiver: Receiver) -> None:
    """With debug logging on, neither apprise's lines nor ours carry the webhook's token."""
    import io

    from connector.logging import configure_logging, reset_logging

    settings = wiring(receiver.url(), f"json://127.0.0.1:{closed_port()}/hook/tok3n-Secret-Value")
    stream = io.StringIO()
    redactor = configure_logging(verbose=True, json_logs=True, stream=stream,
                                 redactor=scrub_for(settings))
    try:
        current = report("drift", [finding(Outcome.MISSING, "ann@acme.example")], [], [])
        notify_run(settings, current, LOCATION, redactor.scrub)
    finally:
        reset_logging()
    log = stream.getvalue()
    assert "notification failed" in log and "notification sent" in log
    assert "tok3n-Secret-Value" not in log and "JSON POST URL" not in log
