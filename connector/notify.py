"""Notifications through apprise (Slack, Teams, a webhook, email …): only when something changed.

Under the default policy `change`, a run notifies when a finding at or above the fail level
appeared, went away or changed outcome (`Report.changes`), when the conclusive verdict moved
(drift <-> verified), when it is the Nth inconclusive run in a row (once per streak), and when a
run is conclusive again after such a streak. `always` notifies every run, `never` none.

A notification is a side effect, not the verdict: a failed one leaves the exit code alone (it
still says what the portal showed); it is logged as an error, printed in the run's output and
recorded in run.json. Apprise URLs carry webhook tokens, so they are secrets: never logged,
and apprise's own log (whose debug lines show the URL) is captured and scrubbed, never passed on.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from pydantic import SecretStr

from connector.changes import worst_rank
from connector.models import SEVERITY_RANK, FindingChange, Report, Severity
from connector.notify_message import Message, compose

NotifyPolicy = Literal["change", "always", "never"]
Scrub = Callable[[str], str]
_SPLIT = re.compile(r"\s+|,(?=\s*[A-Za-z][A-Za-z0-9+.-]*://)")  # commas inside a URL stay
_HOST_IS_A_HOST = frozenset({"json", "jsons", "form", "forms", "xml", "xmls", "mailto", "mailtos"})
_SECRET_PART = 8  # URL parts at least this long are treated as tokens in log redaction


@dataclass(frozen=True)
class NotifyWiring:
    """Where notifications go and when (plain values, from the notify_* settings)."""

    urls: tuple[SecretStr, ...] = ()
    policy: NotifyPolicy = "change"
    inconclusive_streak: int = 3


@dataclass(frozen=True)
class Delivery:
    """What became of one run's notification."""

    reasons: tuple[str, ...] = ()  # why it was sent; empty: nothing worth sending
    targets: int = 0  # URLs configured
    sent: int = 0
    failed: tuple[str, ...] = field(default=())  # one redacted line per failed target

    def as_meta(self) -> dict[str, object]:
        """The run.json entry."""
        return {"reasons": list(self.reasons), "targets": self.targets, "sent": self.sent,
                "failed": list(self.failed)}

    def line(self) -> str | None:
        """The run output line (None when no URL is configured)."""
        if not self.targets:
            return None
        if not self.reasons:
            return "notify:  not sent (nothing changed)"
        if self.failed:
            return (f"notify:  FAILED for {len(self.failed)} of {self.targets} target(s) "
                    f"(exit code unchanged): {'; '.join(self.failed)}")
        return f"notify:  sent to {self.sent} target(s): {'; '.join(self.reasons)}"


def notify_run(settings: NotifyWiring, report: Report, location: str, scrub: Scrub) -> Delivery:
    """Decide, compose and send one run's notification; never raises for a delivery problem."""
    if not settings.urls:
        return Delivery()
    reasons = why_notify(report, settings.policy, settings.inconclusive_streak)
    if not reasons:
        return Delivery(targets=len(settings.urls))
    message = compose(report, reasons, location, scrub)
    sent, failed = deliver(settings.urls, message, scrub)
    log = _logger()
    for problem in failed:
        log.error("notification failed", problem=problem, tenant=report.run.tenant)
    if sent:
        log.info("notification sent", targets=sent, reasons=list(reasons))
    return Delivery(reasons=reasons, targets=len(settings.urls), sent=sent, failed=failed)


def why_notify(report: Report, policy: NotifyPolicy, streak: int) -> tuple[str, ...]:
    """The reasons this run is worth a notification under `policy` (empty: stay quiet)."""
    if policy == "never":
        return ()
    ch, level = report.changes, report.policy.fail_level
    conclusive = report.verdict != "inconclusive"
    reasons = [_findings_reason(ch.new, ch.resolved, ch.changed, level)]
    if conclusive and ch.compared_verdict and ch.compared_verdict != report.verdict:
        reasons.append(f"verdict {ch.compared_verdict} -> {report.verdict}")
    if ch.inconclusive_streak == streak:
        reasons.append(f"inconclusive {streak} runs in a row")
    if conclusive and ch.inconclusive_before >= streak:
        reasons.append(f"conclusive again after {ch.inconclusive_before} inconclusive runs")
    found = tuple(r for r in reasons if r)
    return found or (("policy always",) if policy == "always" else ())


def _findings_reason(new: Sequence[FindingChange], resolved: Sequence[FindingChange],
                     changed: Sequence[FindingChange], level: Severity) -> str:
    """'2 new, 1 resolved at or above low', counting only findings that matter at `level`."""
    def notable(e: FindingChange) -> bool:
        return worst_rank(e) >= SEVERITY_RANK[level]
    counts = [(len([e for e in group if notable(e)]), word) for group, word in
              ((new, "new"), (resolved, "resolved"), (changed, "changed"))]
    parts = [f"{n} {word}" for n, word in counts if n]
    return f"{', '.join(parts)} at or above {level}" if parts else ""


def deliver(
    urls: Sequence[SecretStr], message: Message, scrub: Scrub
) -> tuple[int, tuple[str, ...]]:
    """Send `message` to each URL in turn; (how many took it, one line per failure)."""
    sent, failed = 0, []
    for number, url in enumerate(urls, start=1):
        problem = _send_one(url.get_secret_value(), message)
        if problem is None:
            sent += 1
        else:
            failed.append(scrub(f"notify_urls #{number} ({_scheme(url.get_secret_value())}): "
                                f"{problem}"))
    return sent, tuple(failed)


def _send_one(url: str, message: Message) -> str | None:
    """None when apprise delivered the message; else why not, in apprise's words."""
    import apprise

    with captured_apprise_log() as log:
        try:
            target = apprise.Apprise()
            if not target.add(url):
                return "apprise does not accept this URL"
            ok = target.notify(title=message.title, body=message.body,
                               notify_type=apprise.NotifyType(message.kind),
                               body_format=apprise.NotifyFormat.TEXT)
        except Exception as exc:  # noqa: BLE001 - a notifier's bug must not lose the run's report
            return f"{type(exc).__name__} while sending"
    if ok:
        return None
    said = [line.strip() for line in log.getvalue().splitlines() if line.strip()]
    return said[-1][:300] if said else "not delivered"


@contextmanager
def captured_apprise_log() -> Iterator[io.StringIO]:
    """Apprise's warnings collected here instead of reaching the run's log (its debug lines
    print the target URL, token and all); levels and propagation restored afterwards."""
    logger = logging.getLogger("apprise")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(message)s"))
    saved = (logger.propagate, logger.level)
    logger.propagate, logger.level = False, logging.WARNING
    logger.addHandler(handler)
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = saved


# --- Settings helpers (connector.config validates notify_urls with these) --------------------


def url_list(value: Any) -> Any:
    """notify_urls from a string (whitespace- or comma-separated) or a list; each one checked."""
    if isinstance(value, str | SecretStr):
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        value = [part for part in _SPLIT.split(text) if part]
    if not isinstance(value, list | tuple):
        return value
    urls = [v.get_secret_value() if isinstance(v, SecretStr) else v for v in value]
    for number, url in enumerate(urls, start=1):
        problem = url_problem(url) if isinstance(url, str) else "not a string"
        if problem:
            raise ValueError(f"URL #{number} ({_scheme(str(url))}): {problem}")
    return tuple(SecretStr(u) for u in urls)


def url_problem(url: str) -> str | None:
    """Why apprise cannot use `url` (None: it can); never repeats the URL (it holds tokens)."""
    import apprise

    with captured_apprise_log():
        known = apprise.Apprise.instantiate(url) is not None
    return None if known else "apprise does not recognise this URL (see apprise's URL list)"


def url_secrets(url: SecretStr) -> list[str]:
    """The URL and its token-like parts (password, long path segments and query values), for
    log redaction: a service may log a token on its own, outside the whole URL."""
    raw = url.get_secret_value()
    parts = urlsplit(raw)
    pieces = [raw, parts.password or "", *parts.path.split("/"),
              *(v for _k, v in parse_qsl(parts.query))]
    if parts.username and parts.password:
        pieces.append(parts.username)
    if parts.scheme.casefold() not in _HOST_IS_A_HOST:  # slack://TokenA/..., tgram://bot-token/
        pieces.append(parts.netloc)
    return [p for p in pieces if len(p) >= _SECRET_PART or p == raw]


def _scheme(url: str) -> str:
    """The URL's scheme only ('json', 'slack'), safe to show: the rest may hold tokens."""
    scheme = url.partition("://")[0] if "://" in url else "?"
    return scheme if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,20}", scheme) else "?"


def _logger() -> Any:
    from connector.logging import get_logger

    return get_logger("connector.notify")
