"""API Tokens, post-leave sign-ins and Directory Sync: each rule, and the trust it needs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from connector.models import (
    ApiToken,
    AuditEvent,
    Collection,
    DirectorySync,
    InconclusiveReason,
    Outcome,
    Policy,
    Report,
    Severity,
    Snapshot,
)
from connector.reconcile import evaluate

H = timedelta(hours=1)
D = timedelta(days=1)


def _with(build: Any, snapshot: Snapshot, *, tokens: tuple[ApiToken, ...] = (),
          events: tuple[AuditEvent, ...] = (), sync: DirectorySync | None = None,
          extra: tuple[Collection, ...] | None = None) -> Snapshot:
    """The snapshot plus complete reads of the three surfaces (or the given collections)."""
    if extra is None:
        extra = (build.collection("api_tokens", len(tokens)),
                 build.collection("audit_trail", len(events)),
                 build.collection("directory_sync", 1))
    return snapshot.model_copy(update={"api_tokens": tokens, "audit_events": events,
                                       "directory_sync": sync,
                                       "collections": (*snapshot.collections, *extra)})


def _token(build: Any, creator: str, name: str = "SIEM") -> ApiToken:
    return ApiToken(name=name, created_by=creator, created=build.now - 90 * D,
                    last_used=build.now - H)


def _sign_in(build: Any, user: str, ago: timedelta, type_: str = "Sign In") -> AuditEvent:
    return AuditEvent(timestamp=build.now - ago, category="Authentication", type=type_,
                      user=user, ip="203.0.113.7")


def _sync(build: Any, status: str = "Healthy", last_ago: timedelta | None = 30 * timedelta(
        minutes=1)) -> DirectorySync:
    last = build.now - last_ago if last_ago is not None else None
    return DirectorySync(provider="Okta", status=status, last_successful_sync=last,  # type: ignore[arg-type]
                         last_error="HTTP 429" if status != "Healthy" else None)


def _keys(report: Report) -> dict[str, Outcome]:
    return {f.key: f.outcome for f in report.findings if f.outcome != Outcome.IN_SYNC}


def test_token_of_a_leaver_is_high_and_drifts(build: Any) -> None:
    """A token whose creator the provider says left is `leaver_token` (high): the run drifts."""
    leaver = build.identity("a@x.com", active=False, protected=False, changed_ago=10 * D)
    report = evaluate(_with(build, build.snapshot([leaver]),
                            tokens=(_token(build, "A@x.com"), _token(build, "a@x.com", "BI"))),
                      Policy())
    finding = next(f for f in report.findings if f.outcome == Outcome.LEAVER_TOKEN)
    assert (finding.key, finding.severity, report.verdict) == (
        "leaver_token:api_tokens:a@x.com", Severity.HIGH, "drift")
    assert finding.details["tokens"] == "SIEM, BI" and finding.identity_id == "id-a@x.com"


def test_token_of_an_active_creator_is_fine(build: Any) -> None:
    """A token created by an active identity (matched through an alias) is no finding."""
    creator = build.identity("a@x.com", aliases=["adm-a@x.com"])
    report = evaluate(_with(build, build.snapshot([creator], [build.row("a@x.com")]),
                            tokens=(_token(build, "adm-a@x.com"),)), Policy())
    assert _keys(report) == {} and report.verdict == "verified"


def test_token_of_an_unknown_creator(build: Any) -> None:
    """A creator the provider does not know gives `unknown_token`; out-of-scope creators none."""
    snapshot = _with(build, build.snapshot(), tokens=(_token(build, "ghost@x.com"),
                                                      _token(build, "vendor@other.org")))
    report = evaluate(snapshot, Policy(in_scope_domains=("x.com",)))
    assert _keys(report) == {"unknown_token:api_tokens:ghost@x.com": Outcome.UNKNOWN_TOKEN}


def test_unknown_token_from_an_incomplete_provider_read_is_unverified(build: Any) -> None:
    """"Nobody knows this creator" rests on the identity source: incomplete, it is unverified."""
    snapshot = _with(build, build.snapshot(source_complete=False),
                     tokens=(_token(build, "ghost@x.com"),))
    report = evaluate(snapshot, Policy())
    assert _keys(report) == {"unverified:api_tokens:ghost@x.com": Outcome.UNVERIFIED}
    assert report.verdict == "inconclusive"


def test_own_token_of_a_leaver_warns(build: Any) -> None:
    """The token named by `api_token_name` created by a leaver adds `own_token_leaver` (medium)."""
    leaver = build.identity("a@x.com", active=False, protected=False, changed_ago=3 * D)
    snapshot = _with(build, build.snapshot([leaver]), tokens=(_token(build, "a@x.com", "conn"),))
    named = evaluate(snapshot, Policy(api_token_name="conn"))
    own = next(f for f in named.findings if f.outcome == Outcome.OWN_TOKEN_LEAVER)
    assert (own.severity, own.details["token"]) == (Severity.MEDIUM, "conn")
    assert Outcome.OWN_TOKEN_LEAVER not in _keys(evaluate(snapshot, Policy())).values()


def test_sign_in_after_leaving_is_critical(build: Any) -> None:
    """A "Sign In" by a leaver after their change time is `post_leave_sign_in` (critical)."""
    leaver = build.identity("a@x.com", active=False, protected=False, changed_ago=10 * D)
    events = (_sign_in(build, "a@x.com", 12 * D), _sign_in(build, "A@x.com", 2 * D),
              _sign_in(build, "a@x.com", D))
    report = evaluate(_with(build, build.snapshot([leaver]), events=events), Policy())
    finding = next(f for f in report.findings if f.outcome == Outcome.POST_LEAVE_SIGN_IN)
    assert (finding.key, finding.severity) == ("post_leave_sign_in:audit_trail:a@x.com",
                                               Severity.CRITICAL)
    assert finding.details["sign_ins"] == "2"
    assert finding.details["last_sign_in"] == (build.now - D).isoformat()


@pytest.mark.parametrize("who, ago, type_", [
    ("leaver", 12 * D, "Sign In"),          # before leaving
    ("leaver", D, "Sign In Failed"),        # a failed attempt is not a sign-in
    ("active", D, "Sign In"),               # still employed
    ("no_time", D, "Sign In"),              # leaver without a change time: cannot tell
])
def test_sign_ins_that_are_not_post_leave(build: Any, who: str, ago: timedelta,
                                          type_: str) -> None:
    """Sign-ins before leaving, failed ones, active people's and undated leavers' are none."""
    identity = {"leaver": build.identity("a@x.com", active=False, changed_ago=10 * D),
                "active": build.identity("a@x.com"),
                "no_time": build.identity("a@x.com", active=False)}[who]
    snapshot = _with(build, build.snapshot([identity]), events=(_sign_in(build, "a@x.com", ago,
                                                                         type_),))
    assert Outcome.POST_LEAVE_SIGN_IN not in _keys(evaluate(snapshot, Policy())).values()


def test_audit_window_that_starts_after_a_leaver_left_is_inconclusive(build: Any) -> None:
    """A window opening after a leaver's change time cannot vouch for no sign-in: inconclusive."""
    leaver = build.identity("a@x.com", active=False, protected=False, changed_ago=10 * D)
    audit = build.collection("audit_trail", 0).model_copy(
        update={"window_since": build.now - 7 * D})
    snapshot = _with(build, build.snapshot([leaver]), extra=(audit,))
    report = evaluate(snapshot, Policy())
    assert report.verdict == "inconclusive"
    assert [(r.reason, r.surface) for r in report.reasons] == [
        (InconclusiveReason.INCOMPLETE_READ, "audit_trail")]
    assert "a@x.com" in report.reasons[0].message


def test_audit_window_that_covers_every_leaver_is_trusted(build: Any) -> None:
    """A window from before every leaver's change time (or unbounded) lets the run verify."""
    leaver = build.identity("a@x.com", active=False, protected=False, changed_ago=10 * D)
    audit = build.collection("audit_trail", 0).model_copy(
        update={"window_since": build.now - 30 * D})
    report = evaluate(_with(build, build.snapshot([leaver]), extra=(audit,)), Policy())
    assert report.verdict == "verified"


@pytest.mark.parametrize("surface", ["api_tokens", "audit_trail", "directory_sync"])
def test_incomplete_read_of_a_judged_surface_is_inconclusive(build: Any, surface: str) -> None:
    """An incomplete read of tokens, Audit Trail or Directory Sync never yields verified."""
    reads = tuple(build.collection(s, 0, complete=s != surface)
                  for s in ("api_tokens", "audit_trail", "directory_sync"))
    report = evaluate(_with(build, build.snapshot(), extra=reads), Policy())
    assert report.verdict == "inconclusive"
    assert {r.surface for r in report.reasons} == {surface}


def test_surfaces_not_read_are_not_judged(build: Any) -> None:
    """A snapshot without these reads (an older one) is judged on the two needed surfaces."""
    report = evaluate(build.snapshot([build.identity("a@x.com")], [build.row("a@x.com")]),
                      Policy())
    assert report.verdict == "verified"


@pytest.mark.parametrize("status, last_ago, stale_after, unhealthy", [
    ("Failing", 30 * timedelta(minutes=1), 24 * H, True),
    ("Paused", 2 * H, 24 * H, True),
    ("Healthy", 25 * H, 24 * H, True),      # stale beyond the threshold
    ("Healthy", None, 24 * H, True),        # never synced
    ("Healthy", 25 * H, 48 * H, False),     # the threshold is a setting
    ("Healthy", 2 * H, 24 * H, False),
])
def test_directory_sync_health(build: Any, status: str, last_ago: timedelta | None,
                               stale_after: timedelta, unhealthy: bool) -> None:
    """Failing, Paused, never synced or older than `sync_stale_after` is `sync_unhealthy`."""
    snapshot = _with(build, build.snapshot(), sync=_sync(build, status, last_ago))
    keys = _keys(evaluate(snapshot, Policy(sync_stale_after=stale_after)))
    assert keys == ({"sync_unhealthy:directory_sync:directory-sync": Outcome.SYNC_UNHEALTHY}
                    if unhealthy else {})


def test_unhealthy_sync_is_named_as_likely_cause(build: Any) -> None:
    """Missing and not_removed findings name a failing Directory Sync; in_sync ones do not."""
    people = [build.identity("m@x.com", changed_ago=3 * D),
              build.identity("n@x.com", active=False, changed_ago=3 * D),
              build.identity("ok@x.com")]
    rows = [build.row("n@x.com"), build.row("ok@x.com")]
    report = evaluate(_with(build, build.snapshot(people, rows), sync=_sync(build, "Failing")),
                      Policy())
    caused = {f.outcome: f for f in report.findings if "likely_cause" in f.details}
    assert set(caused) == {Outcome.MISSING, Outcome.NOT_REMOVED}
    assert all("likely cause: Directory Sync (Okta) is Failing" in f.message
               for f in caused.values())


def test_healthy_sync_names_no_cause(build: Any) -> None:
    """With a healthy sync a missing finding carries no likely cause."""
    snapshot = _with(build, build.snapshot([build.identity("m@x.com", changed_ago=3 * D)]),
                     sync=_sync(build))
    missing = next(f for f in evaluate(snapshot, Policy()).findings)
    assert missing.outcome == Outcome.MISSING and "likely_cause" not in missing.details


def test_directory_sync_not_configured_is_unhealthy(build: Any) -> None:
    """A tenant with no directory connected is judged `sync_unhealthy`, never left unread."""
    sync = DirectorySync(provider=None, status="Paused")
    report = evaluate(_with(build, build.snapshot(), sync=sync), Policy())
    finding = next(f for f in report.findings if f.outcome == Outcome.SYNC_UNHEALTHY)
    assert "not configured" in finding.message
    assert finding.details["provider"] == "not configured"
