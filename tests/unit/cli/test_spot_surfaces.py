"""Spot-check answers for API Tokens and post-leave sign-ins: the rules, and the reads they need."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from connector.commands.spot_rules import expectation_for
from connector.commands.spot_surfaces import (
    audit_since,
    judge_surface,
    left_at,
    surface_answers,
)
from connector.models import (
    ApiToken,
    AuditEvent,
    Collection,
    Identity,
    IdentitySource,
    Outcome,
    Surface,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
D = timedelta(days=1)
LEAVER = Identity(id="00u1", email="mark@acme.example", aliases=("mj@acme.example",),
                  active=False, protected=False, changed_at=NOW - 10 * D, source="okta")
ACTIVE = Identity(id="00u2", email="kwame@acme.example", active=True, protected=True,
                  source="okta")
SOURCE = IdentitySource(kind="okta", location="https://acme.okta.example", complete=True,
                        identities=(LEAVER, ACTIVE))


@dataclass
class Read:
    """A stand-in for flows.collect.PortalRead: the rows and health of two reads."""

    api_tokens: tuple[ApiToken, ...] = ()
    audit_events: tuple[AuditEvent, ...] = ()
    collections: dict[str, Collection] = field(default_factory=dict)

    def collection(self, surface: Surface, source: str = "dom") -> Collection | None:
        return self.collections.get(surface)


def _read(*, tokens_complete: bool = True, audit_since_: datetime | None = None,
          audit_complete: bool = True) -> Read:
    tokens = (ApiToken(name="SIEM", created_by="MJ@acme.example"),
              ApiToken(name="BI", created_by="kwame@acme.example"))
    events = (AuditEvent(timestamp=NOW - 12 * D, category="Authentication", type="Sign In",
                         user="mark@acme.example"),
              AuditEvent(timestamp=NOW - 3 * D, category="Authentication", type="Sign In",
                         user="mark@acme.example", ip="203.0.113.77"),
              AuditEvent(timestamp=NOW - 2 * D, category="Authentication", type="Sign In Failed",
                         user="mark@acme.example"))
    return Read(tokens, events, {
        "api_tokens": Collection(surface="api_tokens", source="dom", complete=tokens_complete,
                                 read_count=2),
        "audit_trail": Collection(surface="audit_trail", source="dom", complete=audit_complete,
                                  read_count=3, window_since=audit_since_)})


def _answers(email: str, read: Read | None, expect: str | None = None) -> dict[str, Outcome]:
    expected = expectation_for(email, expect, SOURCE)
    identity = LEAVER if email == LEAVER.email else ACTIVE if email == ACTIVE.email else None
    names = (email, *(identity.aliases if identity else ()))
    results = surface_answers({email: names}, {email: left_at(identity, expected)}, read)
    return {r.surface: f.outcome for r in results for f in judge_surface(r, expected)}


def test_leaver_with_a_token_and_a_late_sign_in() -> None:
    """A leaver's token (under an alias) and a sign-in after leaving are both found."""
    assert _answers(LEAVER.email, _read(audit_since_=LEAVER.changed_at)) == {
        "api_tokens": Outcome.LEAVER_TOKEN, "audit_trail": Outcome.POST_LEAVE_SIGN_IN}


def test_active_person_gets_a_token_answer_and_no_sign_in_question() -> None:
    """An active creator's token is in sync; with no leaving there is no sign-in answer."""
    assert _answers(ACTIVE.email, _read()) == {"api_tokens": Outcome.IN_SYNC}


def test_unknown_address_with_a_token_is_unknown_token() -> None:
    """A token by an address nobody knows (no --expect) is `unknown_token`."""
    read = _read()
    read.api_tokens = (ApiToken(name="Old", created_by="ghost@acme.example"),)
    assert _answers("ghost@acme.example", read) == {"api_tokens": Outcome.UNKNOWN_TOKEN}


def test_unknown_address_without_tokens_is_not_vouched_for() -> None:
    """No token by an address nobody knows (no --expect) is unverified; with --expect, in sync."""
    assert _answers("ghost@acme.example", _read()) == {"api_tokens": Outcome.UNVERIFIED}
    assert _answers("ghost@acme.example", _read(), "absent") == {"api_tokens": Outcome.IN_SYNC}


def test_incomplete_reads_are_unverified() -> None:
    """Tokens or Audit Trail read incompletely (or not at all) give unverified, never in sync."""
    partial = _read(tokens_complete=False, audit_complete=False)
    assert set(_answers(LEAVER.email, partial).values()) == {Outcome.UNVERIFIED}
    assert set(_answers(LEAVER.email, None).values()) == {Outcome.UNVERIFIED}


def test_audit_window_after_leaving_cannot_answer() -> None:
    """A read starting after the person left cannot say "no sign-in since": unverified."""
    late_start = _read(audit_since_=NOW - 5 * D)
    assert _answers(LEAVER.email, late_start)["audit_trail"] == Outcome.UNVERIFIED


def test_no_sign_in_after_leaving_is_in_sync() -> None:
    """Only the sign-in before leaving and a failed one: no post-leave sign-in, in sync."""
    read = _read(audit_since_=LEAVER.changed_at)
    read.audit_events = tuple(e for e in read.audit_events if e.ip is None)
    assert _answers(LEAVER.email, read)["audit_trail"] == Outcome.IN_SYNC


def test_audit_read_starts_at_the_earliest_leaver() -> None:
    """The Audit Trail read starts at the earliest change time; none without leavers."""
    assert audit_since([None, NOW - D, NOW - 4 * D]) == NOW - 4 * D
    assert audit_since([None]) is None
