"""Evaluation: a pure function from a snapshot and a policy to a report.

`evaluate` never does I/O and never reads the clock: the evaluation time is the snapshot's
`run.finished_at` (else `started_at`), so the same snapshot always yields the same report. It
trusts a claim about an absence only when the read it rests on is complete (INTERFACES.md,
"Reconcile semantics"); everything else becomes `unverified` and the run `inconclusive`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from connector.assess import ERROR_REASON, NEEDED, assess
from connector.changes import compute_changes
from connector.matching import IdentityIndex, normalise, scope_of
from connector.models import (
    DEFAULT_SEVERITY,
    SEVERITY_RANK,
    ExceptionRule,
    Finding,
    HistoryContext,
    Outcome,
    Policy,
    ReasonDetail,
    Report,
    Snapshot,
    Verdict,
)
from connector.propagation import with_propagation
from connector.rules import Context, Draft, make_finding, portal_users, user_monitoring
from connector.rules_surfaces import (
    api_tokens,
    directory_sync,
    post_leave_sign_ins,
    sync_problem,
    with_likely_cause,
)

_NOT_EXCEPTABLE = {Outcome.IN_SYNC, Outcome.UNVERIFIED, Outcome.EXCEPTED, Outcome.EXCEPTION_EXPIRED}


def evaluate(snapshot: Snapshot, policy: Policy) -> Report:
    """Judge a snapshot under a policy: findings, verdict, reasons and counts."""
    now = evaluation_time(snapshot)
    reasons, untrusted = assess(snapshot, policy)
    drafts = _drafts(snapshot, policy, now)
    findings = [_trusted(d, untrusted, inconclusive=bool(reasons)) for d in drafts]
    findings = apply_exceptions(findings, policy.exceptions, now)
    findings = _with_history(findings, snapshot.history, now)
    findings, propagation = with_propagation(findings, snapshot, policy)  # before _landed's bound
    findings = [_landed(f, snapshot.history, now) for f in findings]
    findings = sort_findings(_unique(findings))
    judged = verdict(findings, reasons, policy)
    return Report(
        run=snapshot.run,
        verdict=judged,
        reasons=tuple(reasons),
        counts=count_outcomes(findings),
        findings=tuple(findings),
        collections=snapshot.collections,
        identity_source=snapshot.identity_source,
        policy=policy,
        history=snapshot.history.previous_runs,
        changes=compute_changes(findings, judged, snapshot.history),
        propagation=propagation,
        evaluated_at=now,
    )


def evaluation_time(snapshot: Snapshot) -> datetime:
    """When the portal was observed: the end of the run, else its start."""
    return snapshot.run.finished_at or snapshot.run.started_at


def _drafts(snapshot: Snapshot, policy: Policy, now: datetime) -> list[Draft]:
    identities = snapshot.identity_source.identities if snapshot.identity_source else ()
    ctx = Context(
        now=now,
        grace=policy.grace_period,
        index=IdentityIndex.build(identities, policy.domain_map),
        scope=scope_of(policy.in_scope_domains),
        domain_map=dict(policy.domain_map),
    )
    drafts = [*user_monitoring(identities, snapshot.monitored_users, ctx),
              *portal_users(snapshot.portal_users, ctx)]
    problem = sync_problem(snapshot.directory_sync, now, policy.sync_stale_after)
    return [*with_likely_cause(drafts, problem), *_surface_drafts(snapshot, policy, ctx)]


def _surface_drafts(snapshot: Snapshot, policy: Policy, ctx: Context) -> list[Draft]:
    """API Tokens, post-leave sign-ins and Directory Sync (each judged only when it was read)."""
    return [*api_tokens(snapshot.api_tokens, ctx.index, ctx.scope, policy.api_token_name),
            *post_leave_sign_ins(snapshot.audit_events, ctx.index, ctx.scope),
            *directory_sync(snapshot.directory_sync, ctx.now, policy.sync_stale_after)]


def _trusted(draft: Draft, untrusted: set[str], *, inconclusive: bool) -> Finding:
    """Turn a claim about an absence into `unverified` when the read behind it is not trusted."""
    f = draft.finding
    if draft.rests_on is None:
        return f
    doubtful = draft.rests_on in untrusted or (inconclusive and f.outcome == Outcome.IN_SYNC)
    if not doubtful:
        return f
    message = (f"could not be verified: {draft.rests_on} was not read completely "
               f"(would be {f.outcome.value})")
    return _recast(f, Outcome.UNVERIFIED, message)


def _recast(finding: Finding, outcome: Outcome, message: str, **extra: object) -> Finding:
    """The finding under another outcome (key and severity to match), the original one kept."""
    return finding.model_copy(update={
        "key": f"{outcome.value}:{finding.surface}:{finding.subject}",
        "outcome": outcome,
        "severity": DEFAULT_SEVERITY[outcome],
        "original_outcome": finding.outcome,
        "message": message,
        **extra,
    })


# --- Exceptions, history, order -------------------------------------------------------------


def apply_exceptions(
    findings: Sequence[Finding], rules: Sequence[ExceptionRule], now: datetime
) -> list[Finding]:
    """Excepted when an unexpired rule matches; an expired one also adds `exception_expired`."""
    out: list[Finding] = []
    for finding in findings:
        rule = _rule_for(finding, rules, now)
        if rule is None:
            out.append(finding)
        elif rule.expires > now:
            out.append(_excepted(finding, rule))
        else:
            out.extend((finding, _expired(finding, rule)))
    return out


def _rule_for(
    finding: Finding, rules: Sequence[ExceptionRule], now: datetime
) -> ExceptionRule | None:
    """The best matching rule: unexpired before expired, a named outcome before 'any'."""
    if finding.outcome in _NOT_EXCEPTABLE:
        return None
    addresses = {finding.subject, finding.details.get("row_address", finding.subject)}
    matching = [r for r in rules if normalise(r.email) in addresses
                and r.outcome in (None, finding.outcome)]
    matching.sort(key=lambda r: (r.expires <= now, r.outcome is None, r.expires))
    return matching[0] if matching else None


def _excepted(finding: Finding, rule: ExceptionRule) -> Finding:
    message = (f"allow-listed until {rule.expires.isoformat()} by {rule.owner}: {rule.reason} "
               f"(would be {finding.outcome.value})")
    return _recast(finding, Outcome.EXCEPTED, message, exception=rule)


def _expired(finding: Finding, rule: ExceptionRule) -> Finding:
    message = (f"the exception for {finding.subject} ({rule.owner}: {rule.reason}) expired at "
               f"{rule.expires.isoformat()}; the {finding.outcome.value} finding counts again")
    return make_finding(Outcome.EXCEPTION_EXPIRED, finding.surface or "user_monitoring",
                        finding.subject, message, identity_id=finding.identity_id,
                        exception=rule, original_outcome=finding.outcome)


def _with_history(
    findings: Sequence[Finding], history: HistoryContext, now: datetime
) -> list[Finding]:
    """Open findings carry the time they were first seen (continuously) or now when new."""
    return [f if f.outcome == Outcome.IN_SYNC
            else f.model_copy(update={"open_since": history.open_since.get(f.key, now)})
            for f in findings]


_WAITING = (Outcome.PENDING, Outcome.MISSING, Outcome.NOT_REMOVED, Outcome.DEGRADED)


def _landed(finding: Finding, history: HistoryContext, now: datetime) -> Finding:
    """A change still open in the last run and in sync now landed since: delay at most now - change.

    Only a bound (the change landed between the two runs), so it is marked `delay: at_most`.
    """
    known = finding.delay is not None
    if finding.outcome != Outcome.IN_SYNC or known or finding.changed_at is None:
        return finding
    keys = (f"{o.value}:{finding.surface}:{finding.subject}" for o in _WAITING)
    if not any(k in history.open_since for k in keys) or finding.changed_at > now:
        return finding
    details = {**finding.details, "delay": "at_most"}
    return finding.model_copy(update={"delay": now - finding.changed_at, "details": details})


def _unique(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per key; when two rules produce one key, the more severe wins.

    Ties are broken on the serialised finding, so the result never depends on input order.
    """
    best: dict[str, Finding] = {}
    for f in findings:
        kept = best.get(f.key)
        if kept is None or _preferred(f, kept):
            best[f.key] = f
    return list(best.values())


def _preferred(new: Finding, kept: Finding) -> bool:
    new_rank, kept_rank = SEVERITY_RANK[new.severity], SEVERITY_RANK[kept.severity]
    if new_rank != kept_rank:
        return new_rank > kept_rank
    return new.model_dump_json() < kept.model_dump_json()


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by outcome, subject and surface (deterministic)."""
    return sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.outcome.value,
                                           f.subject, f.surface or "", f.key))


def verdict(
    findings: Sequence[Finding], reasons: Sequence[ReasonDetail], policy: Policy
) -> Verdict:
    """Inconclusive with any reason; else drift at or above the fail level; else verified."""
    if reasons:
        return "inconclusive"
    level = SEVERITY_RANK[policy.fail_level]
    return "drift" if any(SEVERITY_RANK[f.severity] >= level for f in findings) else "verified"


def count_outcomes(findings: Sequence[Finding]) -> dict[str, int]:
    """Number of findings per outcome, every outcome listed (zeros included)."""
    counts = {o.value: 0 for o in Outcome}
    for f in findings:
        counts[f.outcome.value] += 1
    return counts


__all__ = ["ERROR_REASON", "NEEDED", "assess", "evaluate", "verdict", "sort_findings",
           "count_outcomes", "apply_exceptions", "evaluation_time"]
