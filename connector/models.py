"""The record types every layer shares: portal records, identities, snapshot, findings, report.

Everything here is a frozen pydantic model and carries no behaviour beyond small derived
properties: flows produce these records, idp produces identities, reconcile turns a snapshot into
a report, and the renderers read only a report. `SCHEMA_VERSION` changes whenever a serialised
shape changes; `schemas/*.schema.json` are generated from these models and tested against them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1"


class Record(BaseModel):
    """Base of every model: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------------------------
# Portal records (what the portal shows; one model per page of portal-model.md)

SyncState = Literal["Live", "Onboarding", "Queued", "Out of date"]
ConnectionStatus = Literal[
    "Good connection",
    "Connection issues",
    "Not connected for over 7 days",
    "Not connected for over 1 month",
]


class MonitoredUser(Record):
    """A row of User Monitoring (and of `/api/v1/monitoring/users`)."""

    id: int | None = None  # the DOM list does not show it; the API and detail page do
    address: str
    sync_state: SyncState
    status: ConnectionStatus
    last_connection: AwareDatetime | None = None
    emails_processed: int | None = None
    addin_version: str | None = None
    user_created: AwareDatetime | None = None  # "First seen"
    addin_hardware: str | None = None
    last_upload_stored: AwareDatetime | None = None
    addin_ping: AwareDatetime | None = None
    addin_check: AwareDatetime | None = None
    gateway_ping: AwareDatetime | None = None
    gateway_check: AwareDatetime | None = None
    api_ping: AwareDatetime | None = None


PortalRole = Literal["Administrator", "Security Analyst", "Viewer"]
PortalPermission = Literal["Logs", "Configuration", "User Management", "Remediation"]
PortalStatus = Literal["Active", "Invited", "Deactivated"]
SignInMethod = Literal["SSO", "Password", "Password + 2FA"]


class PortalUser(Record):
    """A row of Portal Users: an account that can sign in to the admin portal."""

    name: str
    email: str
    role: PortalRole
    permissions: tuple[PortalPermission, ...] = ()
    status: PortalStatus
    last_sign_in: AwareDatetime | None = None
    sign_in_method: SignInMethod


class GroupMember(Record):
    """A member of a group: one address, or a whole domain shown as `*@example.com`."""

    value: str
    type: Literal["Address", "Domain"]


class Group(Record):
    """A row of Groups, with its members when the detail page (or API) was read."""

    id: int | None = None
    name: str
    member_count: int
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    members: tuple[GroupMember, ...] | None = None  # None: members not read


class AuditEvent(Record):
    """A row of Audit Trail (and of `/api/v1/audits`)."""

    timestamp: AwareDatetime
    category: str
    type: str
    details: str = ""
    user: str | None = None  # who did it ("Performed by")
    ip: str | None = None


class DirectorySync(Record):
    """The Directory Sync page: how the tenant's directory reaches Tessian."""

    provider: Literal["Microsoft Entra ID", "Okta", "Google Workspace"] | None  # None: "Not configured"
    status: Literal["Healthy", "Failing", "Paused"]
    last_successful_sync: AwareDatetime | None = None
    last_attempt: AwareDatetime | None = None
    users_synced: int | None = None
    last_error: str | None = None


class ApiToken(Record):
    """A row of API Tokens (never the token's value, which the portal does not show)."""

    name: str
    created_by: str
    created: AwareDatetime | None = None
    last_used: AwareDatetime | None = None


# ---------------------------------------------------------------------------------------------
# Collection health: what was read, how completely, from which source

Surface = Literal[
    "user_monitoring",
    "portal_users",
    "groups",
    "audit_trail",
    "directory_sync",
    "api_tokens",
]
Source = Literal["dom", "api"]


class CollectionErrorKind(StrEnum):
    """Why a read is not complete (or why it needed help to become complete)."""

    SIGN_IN_FAILED = "sign_in_failed"
    SESSION_EXPIRED = "session_expired"
    PAGE_NOT_LOADED = "page_not_loaded"
    MAINTENANCE = "maintenance"
    UI_CHANGED = "ui_changed"
    COUNT_MISMATCH = "count_mismatch"
    TOTAL_CHANGED = "total_changed"
    ROWS_MOVED = "rows_moved"  # same total, but rows shifted across page boundaries mid-read
    DUPLICATE_ROWS = "duplicate_rows"
    HTTP_ERROR = "http_error"
    RATE_LIMITED = "rate_limited"
    READ_ONLY_VIOLATION = "read_only_violation"
    SOURCES_DISAGREE = "sources_disagree"
    PARSE_ERROR = "parse_error"
    TIMEOUT = "timeout"


class CollectionError(Record):
    """One problem met while reading a surface; `fatal` ones make the read incomplete."""

    kind: CollectionErrorKind
    message: str
    page: int | None = None
    fatal: bool = True
    evidence: tuple[str, ...] = ()  # relative paths of screenshots / ARIA snapshots


class Collection(Record):
    """The health record of one read of one surface. Only `complete` reads may be trusted."""

    surface: Surface
    source: Source
    complete: bool
    expected_count: int | None = None  # what the status line (or the API) promised
    read_count: int = 0
    errors: tuple[CollectionError, ...] = ()
    pages_read: int = 0
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    # surfaces (issue 10): the time window a windowed read (Audit Trail) covered; None: unbounded
    window_since: AwareDatetime | None = None
    window_until: AwareDatetime | None = None


# ---------------------------------------------------------------------------------------------
# Identities: what the identity provider says should be in Tessian

IdentitySourceKind = Literal["okta", "entra", "file"]


class Identity(Record):
    """A person or account as the identity provider describes it.

    `active`: the provider says this identity should exist (not suspended/disabled/deprovisioned).
    `protected`: expected in User Monitoring. `portal_access`: may hold a portal account.
    A leaver is `active=False` (or neither protected nor portal_access).
    """

    id: str
    email: str
    display_name: str | None = None
    aliases: tuple[str, ...] = ()
    active: bool
    protected: bool
    portal_access: bool = False
    changed_at: AwareDatetime | None = None
    provisioning_error: str | None = None  # e.g. Okta syncState ERROR
    source: IdentitySourceKind
    details: dict[str, str] = Field(default_factory=dict)  # provider status, assignment scope, …


class IdentitySource(Record):
    """The expected state as read from one provider, with the health of that read."""

    kind: IdentitySourceKind
    location: str  # org URL, tenant id, or file path
    complete: bool
    identities: tuple[Identity, ...] = ()
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    read_at: AwareDatetime | None = None


# ---------------------------------------------------------------------------------------------
# Run metadata, history context and the snapshot

RunType = Literal["scheduled", "spot_check", "debug", "demo"]


class RunInfo(Record):
    """Who ran what, when and against which tenant."""

    run_id: str
    tool_version: str
    tenant: str
    portal_host: str
    run_type: RunType = "scheduled"
    started_at: AwareDatetime
    finished_at: AwareDatetime | None = None


class Propagation(Record):
    """How long changes took to reach Tessian in one run: provider change -> Audit Trail event.

    `count` delays were measured (one per identity whose change the Audit Trail shows landing);
    the figures are None when none was.
    """

    count: int = 0
    p50_s: float | None = None
    p95_s: float | None = None
    max_s: float | None = None


class RunSummary(Record):
    """One earlier run, as history remembers it (for trends and the shrink guard)."""

    run_id: str
    finished_at: AwareDatetime
    verdict: Verdict
    run_type: RunType = "scheduled"
    counts: dict[str, int] = Field(default_factory=dict)
    surface_counts: dict[str, int] = Field(default_factory=dict)  # complete reads only
    propagation: Propagation | None = None


class HistoryContext(Record):
    """What history knew when the snapshot was taken, so evaluation stays a pure function."""

    previous_runs: tuple[RunSummary, ...] = ()  # oldest first
    baseline_counts: dict[str, int] = Field(default_factory=dict)  # last complete run, per surface
    open_since: dict[str, AwareDatetime] = Field(default_factory=dict)  # finding key -> first seen
    # Findings (not in_sync) of the last conclusive run: what "new" and "resolved" compare with.
    last_findings: tuple[Finding, ...] = ()


class Snapshot(Record):
    """Everything one collection read: portal records, their health, and the expected state."""

    schema_version: str = SCHEMA_VERSION
    run: RunInfo
    monitored_users: tuple[MonitoredUser, ...] = ()
    portal_users: tuple[PortalUser, ...] = ()
    groups: tuple[Group, ...] = ()
    audit_events: tuple[AuditEvent, ...] = ()
    directory_sync: DirectorySync | None = None
    api_tokens: tuple[ApiToken, ...] = ()
    collections: tuple[Collection, ...] = ()
    identity_source: IdentitySource | None = None
    history: HistoryContext = Field(default_factory=HistoryContext)

    def collection(self, surface: Surface) -> Collection | None:
        """The record of the read of `surface` (the DOM one when both sources were read)."""
        found = [c for c in self.collections if c.surface == surface]
        found.sort(key=lambda c: c.source != "dom")
        return found[0] if found else None


# ---------------------------------------------------------------------------------------------
# Policy, findings and the report


class Outcome(StrEnum):
    """The vocabulary of DESIGN.md, plus `unverified` for an identity that could not be checked."""

    IN_SYNC = "in_sync"
    PENDING = "pending"
    MISSING = "missing"
    NOT_REMOVED = "not_removed"
    ACCESS_RETAINED = "access_retained"
    UNMANAGED_ADMIN = "unmanaged_admin"
    ORPHAN = "orphan"
    DEGRADED = "degraded"
    AMBIGUOUS = "ambiguous"
    EXCEPTED = "excepted"
    EXCEPTION_EXPIRED = "exception_expired"
    UNVERIFIED = "unverified"
    # --- surfaces (issue 10): API Tokens, Audit Trail sign-ins, Directory Sync
    LEAVER_TOKEN = "leaver_token"  # an API token created by a leaver
    UNKNOWN_TOKEN = "unknown_token"  # an API token created by someone the provider does not know
    OWN_TOKEN_LEAVER = "own_token_leaver"  # the connector's own token was created by a leaver
    POST_LEAVE_SIGN_IN = "post_leave_sign_in"  # a leaver signed in to the portal after leaving
    SYNC_UNHEALTHY = "sync_unhealthy"  # Directory Sync failing, paused or stale


class Severity(StrEnum):
    """Severities, ordered by `SEVERITY_RANK`."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    PASS = "pass"


SEVERITY_RANK: dict[Severity, int] = {
    Severity.CRITICAL: 5,
    Severity.HIGH: 4,
    Severity.MEDIUM: 3,
    Severity.LOW: 2,
    Severity.INFO: 1,
    Severity.PASS: 0,
}

DEFAULT_SEVERITY: dict[Outcome, Severity] = {
    Outcome.IN_SYNC: Severity.PASS,
    Outcome.PENDING: Severity.INFO,
    Outcome.MISSING: Severity.HIGH,
    Outcome.NOT_REMOVED: Severity.HIGH,
    Outcome.ACCESS_RETAINED: Severity.CRITICAL,
    Outcome.UNMANAGED_ADMIN: Severity.HIGH,
    Outcome.ORPHAN: Severity.MEDIUM,
    Outcome.DEGRADED: Severity.LOW,
    Outcome.AMBIGUOUS: Severity.MEDIUM,
    Outcome.EXCEPTED: Severity.INFO,
    Outcome.EXCEPTION_EXPIRED: Severity.MEDIUM,
    Outcome.UNVERIFIED: Severity.HIGH,
    # --- surfaces (issue 10)
    Outcome.LEAVER_TOKEN: Severity.HIGH,
    Outcome.UNKNOWN_TOKEN: Severity.HIGH,
    Outcome.OWN_TOKEN_LEAVER: Severity.MEDIUM,
    Outcome.POST_LEAVE_SIGN_IN: Severity.CRITICAL,
    Outcome.SYNC_UNHEALTHY: Severity.HIGH,
}

MatchRule = Literal["primary_email", "alias", "domain_map", "none"]


class ExceptionRule(Record):
    """An allow-listed case: who owns it, why, and until when."""

    email: str
    outcome: Outcome | None = None  # None: any outcome for this address
    owner: str
    reason: str
    expires: AwareDatetime


class Policy(Record):
    """How evaluation judges: grace period, scope, matching help, exceptions and thresholds."""

    grace_period: timedelta = timedelta(hours=24)
    in_scope_domains: tuple[str, ...] = ()  # empty: every domain is in scope
    domain_map: dict[str, str] = Field(default_factory=dict)  # portal domain -> provider domain
    exceptions: tuple[ExceptionRule, ...] = ()
    fail_level: Severity = Severity.LOW
    shrink_guard_share: float = Field(default=0.2, ge=0.0, le=1.0)
    # --- surfaces (issue 10): Directory Sync staleness and the connector's own API token
    sync_stale_after: timedelta = timedelta(hours=24)  # last successful sync older: unhealthy
    api_token_name: str | None = None  # the API Tokens row (by name) the connector itself uses


class Finding(Record):
    """One outcome for one identity or portal row. A discrepancy is a finding, never an error."""

    key: str  # stable across runs: "<outcome>:<surface>:<email>"
    outcome: Outcome
    severity: Severity
    subject: str  # the email address the finding is about
    surface: Surface | None = None
    identity_id: str | None = None
    match_rule: MatchRule = "none"
    message: str
    changed_at: AwareDatetime | None = None  # provider's last relevant change
    overdue_at: AwareDatetime | None = None  # for pending: when it becomes a real finding
    delay: timedelta | None = None  # observed propagation delay, when known
    original_outcome: Outcome | None = None  # for excepted: what it would have been
    exception: ExceptionRule | None = None
    open_since: AwareDatetime | None = None
    evidence: tuple[str, ...] = ()  # relative paths inside the bundle
    details: dict[str, str] = Field(default_factory=dict)


Verdict = Literal["verified", "drift", "inconclusive"]


class InconclusiveReason(StrEnum):
    """Why a run could not reach a verdict."""

    SIGN_IN_FAILED = "sign_in_failed"
    PAGE_NOT_LOADED = "page_not_loaded"
    MAINTENANCE = "maintenance"
    COUNT_MISMATCH = "count_mismatch"
    TOTAL_CHANGED = "total_changed"
    ROWS_MOVED = "rows_moved"
    UI_CHANGED = "ui_changed"
    PROVIDER_FAILED = "provider_failed"
    SHRINK_GUARD = "shrink_guard"
    READ_ONLY_VIOLATION = "read_only_violation"
    INCOMPLETE_READ = "incomplete_read"
    NOT_COLLECTED = "not_collected"
    UNKNOWN_IDENTITY = "unknown_identity"  # a spot-checked address the identity source lacks


class ReasonDetail(Record):
    """One reason for an inconclusive verdict, in words a person can act on."""

    reason: InconclusiveReason
    message: str
    surface: Surface | None = None


class SpotCheckResult(Record):
    """What a spot check saw for one address on one surface (with evidence)."""

    email: str
    surface: Literal["user_monitoring", "portal_users", "api_tokens", "audit_trail"]
    found: bool
    conclusive: bool  # False: the search did not load or showed something unexpected
    monitored_user: MonitoredUser | None = None
    portal_user: PortalUser | None = None
    # surfaces (issue 10): the rows behind "tokens created by" / "sign-ins after leaving" answers
    api_tokens: tuple[ApiToken, ...] = ()
    sign_ins: tuple[AuditEvent, ...] = ()
    evidence: tuple[str, ...] = ()
    message: str = ""


class Report(Record):
    """The evaluated snapshot: verdict, findings, and what the renderers need, nothing more."""

    schema_version: str = SCHEMA_VERSION
    run: RunInfo
    verdict: Verdict
    reasons: tuple[ReasonDetail, ...] = ()
    counts: dict[str, int] = Field(default_factory=dict)  # outcome -> number of findings
    findings: tuple[Finding, ...] = ()
    collections: tuple[Collection, ...] = ()
    identity_source: IdentitySource | None = None
    policy: Policy = Field(default_factory=Policy)
    history: tuple[RunSummary, ...] = ()  # earlier runs, for the trend
    spot_checks: tuple[SpotCheckResult, ...] = ()
    propagation: Propagation | None = None  # delays measured in this run (None: not measured)
    changes: Changes = Field(default_factory=lambda: Changes())  # since the last run
    evaluated_at: AwareDatetime

    @property
    def identities_verified(self) -> int:
        """How many identities the report vouches for (none when inconclusive)."""
        if self.verdict == "inconclusive":
            return 0
        return sum(1 for f in self.findings if f.outcome == Outcome.IN_SYNC)


# ---------------------------------------------------------------------------------------------
# Part "changes": what changed since the last run (change-only alerting, connector.changes)

ChangeBasis = Literal["not_computed", "no_previous_run", "no_conclusive_run", "last_conclusive_run"]


class FindingChange(Record):
    """One finding that appeared, went away or changed outcome since the run compared with.

    For a resolved finding, outcome/severity/message are as last seen; for a changed one they are
    today's, and `previous_outcome`/`previous_severity` what the earlier run saw.
    """

    key: str
    outcome: Outcome
    severity: Severity
    subject: str
    surface: Surface | None = None
    message: str = ""
    previous_outcome: Outcome | None = None
    previous_severity: Severity | None = None


class Changes(Record):
    """New, resolved and changed findings since the last conclusive run, and the verdict's move.

    Findings are compared with the last conclusive run (`compared_with`), the verdict with the
    run just before (`previous_run_id`, whatever its verdict). An inconclusive run resolves
    nothing: earlier findings it did not see are counted in `not_confirmed`, never resolved.
    Spot checks (a few addresses, not a full read) are never compared with.
    """

    basis: ChangeBasis = "not_computed"
    compared_with: str | None = None  # run id of the last conclusive run
    compared_verdict: Verdict | None = None  # that run's verdict
    previous_run_id: str | None = None
    verdict_before: Verdict | None = None  # the previous run's verdict; None: no previous run
    verdict_after: Verdict | None = None
    verdict_changed: bool = False
    new: tuple[FindingChange, ...] = ()
    resolved: tuple[FindingChange, ...] = ()
    changed: tuple[FindingChange, ...] = ()
    not_confirmed: int = 0  # earlier findings an inconclusive run did not see (not resolved)
    inconclusive_streak: int = 0  # inconclusive runs in a row ending with this one (0: conclusive)
    inconclusive_before: int = 0  # inconclusive runs in a row just before this one

    @property
    def any_finding_change(self) -> bool:
        """Whether any finding appeared, went away or changed outcome."""
        return bool(self.new or self.resolved or self.changed)


class PageCheck(Record):
    """The doctor's verdict on one page: does its structure still match the page object?"""

    page: str
    url: str
    ok: bool
    failed_locator: str | None = None
    message: str = ""
    screenshot: str | None = None
    aria_snapshot: str | None = None


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (the only clock the core uses)."""
    from datetime import UTC

    return datetime.now(UTC)


RunSummary.model_rebuild()
HistoryContext.model_rebuild()
Report.model_rebuild()  # `changes` refers to Changes, defined after Report
