"""Hand-made reports for the renderer tests: every outcome, an inconclusive one, an empty one.

They are built by hand (not by reconcile) so the renderers are pinned independently of evaluation.
Evidence paths point into `data/` next to this file, which the tests pass as the bundle directory.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.models import (
    DEFAULT_SEVERITY,
    ApiToken,
    AuditEvent,
    Changes,
    Collection,
    CollectionError,
    CollectionErrorKind,
    ExceptionRule,
    Finding,
    FindingChange,
    Identity,
    IdentitySource,
    InconclusiveReason,
    MatchRule,
    MonitoredUser,
    Outcome,
    Policy,
    Propagation,
    ReasonDetail,
    Report,
    RunInfo,
    RunSummary,
    Severity,
    SpotCheckResult,
    Surface,
)

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def at(hours_ago: float) -> datetime:
    """A fixed moment `hours_ago` before the evaluation time."""
    return NOW - timedelta(hours=hours_ago)


def finding(outcome: Outcome, subject: str, surface: Surface | None, message: str,
            rule: MatchRule = "primary_email", **extra: object) -> Finding:
    """A finding with the default severity of its outcome and the standard key."""
    return Finding(
        key=f"{outcome}:{surface}:{subject}", outcome=outcome, subject=subject, surface=surface,
        severity=extra.pop("severity", DEFAULT_SEVERITY[outcome]),  # type: ignore[arg-type]
        match_rule=rule, message=message, **extra,  # type: ignore[arg-type]
    )


def run_info(run_id: str = "r-20261127-1200") -> RunInfo:
    """The run metadata every sample report shares."""
    return RunInfo(run_id=run_id, tool_version="0.1.0", tenant="acme",
                   portal_host="acme.tessian-portal.example", run_type="scheduled",
                   started_at=at(0.2), finished_at=at(0.05))


def collection(surface: Surface, n: int, source: str = "dom", **extra: object) -> Collection:
    """A complete read of `n` rows unless told otherwise."""
    values: dict[str, object] = {"complete": True, "expected_count": n, "read_count": n,
                                 "pages_read": 1, "started_at": at(0.2), "finished_at": at(0.1)}
    values.update(extra)
    return Collection(surface=surface, source=source, **values)  # type: ignore[arg-type]


def identity_source(complete: bool = True, errors: tuple[str, ...] = ()) -> IdentitySource:
    """An Okta read with three identities."""
    people = tuple(
        Identity(id=f"00u{i}", email=f"person{i}@acme.example", active=True, protected=True,
                 source="okta")
        for i in range(3)
    )
    return IdentitySource(kind="okta", location="https://acme.okta.example", complete=complete,
                          identities=people, errors=errors, read_at=at(0.15),
                          warnings=("2 users have a provisioning error",))


def every_outcome() -> tuple[Finding, ...]:
    """One finding (or more) for every outcome of the vocabulary."""
    rule = ExceptionRule(email="break.glass@acme.example", owner="secops@acme.example",
                         reason="Break-glass account, reviewed quarterly", expires=at(-24 * 40))
    expired = ExceptionRule(email="old.vendor@acme.example", owner="it@acme.example",
                            reason="Vendor pilot", expires=at(24 * 3))
    um, pu = "user_monitoring", "portal_users"
    return (
        finding(Outcome.IN_SYNC, "alice@acme.example", um, "Present and Live."),
        finding(Outcome.IN_SYNC, "bob@acme.example", um, "Present and Live.", rule="alias"),
        finding(Outcome.IN_SYNC, "carol@acme.example", pu, "Portal access as granted.",
                delay=timedelta(minutes=42), changed_at=at(30)),
        finding(Outcome.PENDING, "new.starter@acme.example", um,
                "Assigned 3 h ago; not in User Monitoring yet.", changed_at=at(3),
                overdue_at=at(-21)),
        finding(Outcome.MISSING, "dave@acme.example", um,
                "Assigned to Tessian but absent from User Monitoring.", changed_at=at(80),
                overdue_at=at(56), open_since=at(72), evidence=("evidence/missing-dave.png",)),
        finding(Outcome.NOT_REMOVED, "erin@acme.example", um,
                "Deprovisioned in Okta but still in User Monitoring.", changed_at=at(130),
                overdue_at=at(106), open_since=at(100), evidence=("evidence/absent-file.png",)),
        finding(Outcome.ACCESS_RETAINED, "frank@acme.example", pu,
                "Suspended in Okta but holds an Active Administrator account.",
                changed_at=at(50), overdue_at=at(26), open_since=at(26),
                delay=None, details={"role": "Administrator", "provider status": "SUSPENDED"}),
        finding(Outcome.UNMANAGED_ADMIN, "contractor@partner.example", pu,
                "An Active Security Analyst account Okta does not know.", rule="none",
                open_since=at(24 * 12)),
        finding(Outcome.ORPHAN, "shared-mailbox@acme.example", um,
                "Monitored, but no identity matches.", rule="none"),
        finding(Outcome.DEGRADED, "grace@acme.example", um,
                "Sync state Out of date; Connection issues.", changed_at=at(200),
                delay=timedelta(hours=5, minutes=20), rule="domain_map"),
        finding(Outcome.AMBIGUOUS, "heidi@acme.example", um,
                "Matches two identities: 00u7 (primary email) and 00u9 (alias).", rule="alias"),
        finding(Outcome.EXCEPTED, "break.glass@acme.example", pu,
                "Allow-listed portal account.", original_outcome=Outcome.UNMANAGED_ADMIN,
                exception=rule, rule="none"),
        finding(Outcome.NOT_REMOVED, "old.vendor@acme.example", um,
                "Deactivated in Okta but still in User Monitoring.", exception=expired,
                changed_at=at(400), overdue_at=at(376), open_since=at(300)),
        finding(Outcome.EXCEPTION_EXPIRED, "old.vendor@acme.example", um,
                "The exception for this address expired 3 days ago.", exception=expired,
                rule="none"),
        finding(Outcome.UNVERIFIED, "ivan@acme.example", pu,
                "Portal Users was read twice with different totals.", rule="primary_email"),
        finding(Outcome.LEAVER_TOKEN, "frank@acme.example", "api_tokens",
                'API token "Power BI" created by a leaver.', changed_at=at(50),
                details={"tokens": "Power BI", "last_used": at(2).isoformat()}),
        finding(Outcome.UNKNOWN_TOKEN, "ghost@acme.example", "api_tokens",
                'API token "Legacy Splunk" created by someone Okta does not know.', rule="none",
                details={"tokens": "Legacy Splunk"}),
        finding(Outcome.OWN_TOKEN_LEAVER, "frank@acme.example", "api_tokens",
                'The connector\'s token "Power BI" was created by a leaver.', changed_at=at(50),
                details={"token": "Power BI"}),
        finding(Outcome.POST_LEAVE_SIGN_IN, "frank@acme.example", "audit_trail",
                "Signed in to the portal 2 times after leaving.", changed_at=at(50),
                details={"sign_ins": "2", "last_sign_in": at(5).isoformat(),
                         "last_ip": "203.0.113.77"}),
        finding(Outcome.SYNC_UNHEALTHY, "directory-sync", "directory_sync",
                "Directory Sync (Okta) is Failing; last successful sync 26 h ago.", rule="none",
                details={"observed": "Failing", "last_error": "HTTP 429"}),
    )


def history() -> tuple[RunSummary, ...]:
    """Five earlier runs, oldest first."""
    rows = [("verified", {}), ("drift", {"missing": 1, "orphan": 2}),
            ("drift", {"missing": 2, "access_retained": 1, "degraded": 3}),
            ("inconclusive", {"unverified": 4}), ("drift", {"missing": 1, "not_removed": 2})]
    # Propagation: not measured, measured, measured nothing, not measured, measured.
    delays = [None, Propagation(count=3, p50_s=1800, p95_s=5400, max_s=7200),
              Propagation(count=0), None, Propagation(count=4, p50_s=2400, p95_s=9000,
                                                      max_s=9000)]
    return tuple(
        RunSummary(run_id=f"r-{i}", finished_at=at(24 * (5 - i)),
                   verdict=v,  # type: ignore[arg-type]
                   counts={"in_sync": 3, **c}, surface_counts={"user_monitoring": 9},
                   propagation=delays[i])
        for i, (v, c) in enumerate(rows)
    )


def count(findings: tuple[Finding, ...]) -> dict[str, int]:
    """Outcome -> number, as reconcile fills Report.counts."""
    out: dict[str, int] = {}
    for f in findings:
        out[str(f.outcome)] = out.get(str(f.outcome), 0) + 1
    return out


def spot_checks() -> tuple[SpotCheckResult, ...]:
    """Two spot-check results, one with a screenshot."""
    user = MonitoredUser(address="erin@acme.example", sync_state="Live", status="Good connection")
    return (
        SpotCheckResult(email="erin@acme.example", surface="user_monitoring", found=True,
                        conclusive=True, monitored_user=user,
                        evidence=("evidence/spot-erin.png",), message="1 row: Live"),
        SpotCheckResult(email="frank@acme.example", surface="portal_users", found=False,
                        conclusive=False, message="The search did not finish loading."),
        SpotCheckResult(email="frank@acme.example", surface="api_tokens", found=True,
                        conclusive=True, api_tokens=(ApiToken(name="Power BI",
                                                              created_by="frank@acme.example"),),
                        message='1 API token(s) created by this person: "Power BI"'),
        SpotCheckResult(email="frank@acme.example", surface="audit_trail", found=True,
                        conclusive=True, sign_ins=(AuditEvent(
                            timestamp=at(5), category="Authentication", type="Sign In",
                            user="frank@acme.example", ip="203.0.113.77"),),
                        message="1 sign-in(s) after leaving"),
    )


def change(outcome: Outcome, subject: str, surface: Surface, message: str,
           previous: Outcome | None = None) -> FindingChange:
    """One entry of Report.changes, with default severities."""
    return FindingChange(key=f"{outcome}:{surface}:{subject}", outcome=outcome,
                         severity=DEFAULT_SEVERITY[outcome], subject=subject, surface=surface,
                         message=message, previous_outcome=previous,
                         previous_severity=DEFAULT_SEVERITY[previous] if previous else None)


def full_changes() -> Changes:
    """Changes since r-4 (drift): two new findings, one resolved, one pending gone overdue."""
    um, pu = "user_monitoring", "portal_users"
    return Changes(
        basis="last_conclusive_run", compared_with="r-4", compared_verdict="drift",
        previous_run_id="r-4", verdict_before="drift", verdict_after="drift",
        new=(change(Outcome.ACCESS_RETAINED, "carol@acme.example", pu, "Leaver still active."),
             change(Outcome.ORPHAN, "svc-backup@acme.example", um, "Unknown to Okta.")),
        changed=(change(Outcome.MISSING, "dave@acme.example", um, "Absent past grace.",
                        previous=Outcome.PENDING),),
        resolved=(change(Outcome.NOT_REMOVED, "old@acme.example", um, "Was still monitored."),),
    )


def make_full() -> Report:
    """A drift report with every outcome, history, spot checks and evidence."""
    findings = every_outcome()
    errors = (CollectionError(kind=CollectionErrorKind.RATE_LIMITED, message="HTTP 429, retried",
                              page=2, fatal=False),)
    return Report(
        run=run_info(), verdict="drift", counts=count(findings), findings=findings,
        collections=(collection("user_monitoring", 9, pages_read=2, errors=errors),
                     collection("user_monitoring", 9, source="api"), collection("portal_users", 5),
                     collection("groups", 4)),
        identity_source=identity_source(), history=history(), spot_checks=spot_checks(),
        policy=Policy(fail_level=Severity.LOW, exceptions=()), changes=full_changes(),
        evaluated_at=NOW,
        propagation=Propagation(count=2, p50_s=2520, p95_s=19200, max_s=19200),
    )


def make_inconclusive() -> Report:
    """A run whose Portal Users read failed and whose provider read was partial."""
    errors = (CollectionError(kind=CollectionErrorKind.COUNT_MISMATCH,
                              message="Read 212 rows; the status line says 250.",
                              evidence=("evidence/portal-users-count.png",)),)
    findings = (
        finding(Outcome.UNVERIFIED, "ivan@acme.example", "portal_users",
                "Not verified: Portal Users was read incompletely."),
        finding(Outcome.MISSING, "dave@acme.example", "user_monitoring",
                "Assigned to Tessian but absent from User Monitoring.", changed_at=at(80),
                overdue_at=at(56)),
    )
    reasons = (
        ReasonDetail(reason=InconclusiveReason.COUNT_MISMATCH, surface="portal_users",
                     message="Read 212 of 250 rows on Portal Users."),
        ReasonDetail(reason=InconclusiveReason.PROVIDER_FAILED,
                     message="Okta returned HTTP 503 on page 3 of the app's users."),
    )
    return Report(
        run=run_info("r-20261127-1300"), verdict="inconclusive", reasons=reasons,
        counts=count(findings), findings=findings,
        collections=(collection("user_monitoring", 9),
                     collection("portal_users", 250, complete=False, read_count=212,
                                pages_read=3, errors=errors)),
        identity_source=identity_source(complete=False, errors=("HTTP 503 on page 3",)),
        history=history()[:2], evaluated_at=NOW,
        changes=Changes(basis="last_conclusive_run", compared_with="r-1", compared_verdict="drift",
                        previous_run_id="r-1", verdict_before="drift",
                        verdict_after="inconclusive", verdict_changed=True,
                        new=(change(Outcome.MISSING, "dave@acme.example", "user_monitoring",
                                    "Assigned to Tessian but absent from User Monitoring."),),
                        not_confirmed=2, inconclusive_streak=1),
    )


def make_empty() -> Report:
    """A verified report with nothing in it: no collections, no findings, no history."""
    return Report(run=run_info("r-empty"), verdict="verified", evaluated_at=NOW)


@pytest.fixture
def full_report() -> Report:
    """The drift report with every outcome."""
    return make_full()


@pytest.fixture
def inconclusive_report() -> Report:
    """The inconclusive report."""
    return make_inconclusive()


@pytest.fixture
def empty_report() -> Report:
    """The empty report."""
    return make_empty()


@pytest.fixture
def sample_reports() -> dict[str, Report]:
    """All three sample reports by name (the golden-file folder names)."""
    return {"full": make_full(), "inconclusive": make_inconclusive(), "empty": make_empty()}


@pytest.fixture
def evidence_root() -> Path:
    """The bundle directory of the sample reports (holds evidence/missing-dave.png etc.)."""
    return DATA
