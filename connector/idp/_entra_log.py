"""When did each Entra identity last change: directory audits, and provisioning logs if asked.

`GET /auditLogs/directoryAudits` over [now - days, now], filtered on the activities that change
someone's expected state; the person is the `User` target resource (matched by `type`), app-role
activities count only with one of our service principals as a target, group-membership activities
only with one of the assigned groups. `GET /auditLogs/provisioning` (only when Entra provisions
the app) adds push times and failures per source identity. Both endpoints allow 5 requests per
10 seconds: the seam's budget (see `_entra_wire.GraphVendor`) spaces them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from connector.idp._common import parse_time
from connector.idp._http import HttpSeam, paged

APP_ROLE = ("Add app role assignment grant to user", "Remove app role assignment from user")
MEMBERSHIP = ("Add member to group", "Remove member from group")
ACCOUNT = ("Disable account", "Enable account", "Delete user", "Restore user")
LEAVERS = frozenset(
    {
        "Remove app role assignment from user",
        "Remove member from group",
        "Disable account",
        "Delete user",
    }
)


@dataclass
class AuditFindings:
    """Per Entra user id: newest change, leaver signals, provisioning failures."""

    changed_at: dict[str, datetime] = field(default_factory=dict)
    leavers: set[str] = field(default_factory=set)
    provision_failures: dict[str, str] = field(default_factory=dict)

    def note(self, user_id: str, when: datetime) -> None:
        """Keep the newest change time."""
        if user_id not in self.changed_at or when > self.changed_at[user_id]:
            self.changed_at[user_id] = when


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def audit_filter(since: datetime, until: datetime) -> str:
    """`$filter` for the time window and the activities that matter."""
    names = " or ".join(f"activityDisplayName eq '{n}'" for n in (*APP_ROLE, *MEMBERSHIP, *ACCOUNT))
    return (
        f"activityDateTime ge {_stamp(since)} and activityDateTime le {_stamp(until)} and ({names})"
    )


def read_audits(
    seam: HttpSeam, graph: str, *, sp_ids: set[str], group_ids: set[str], now: datetime, days: int
) -> AuditFindings:
    """Fold the directory audits of the window into per-user findings."""
    findings = AuditFindings()
    params = {"$filter": audit_filter(now - timedelta(days=days), now), "$top": "999"}
    for page in paged(seam, f"{graph}/auditLogs/directoryAudits", params, next_link, values):
        for record in page:
            _fold_audit(findings, record, sp_ids, group_ids)
    return findings


def read_provisioning(
    seam: HttpSeam, graph: str, findings: AuditFindings, *, sp_id: str, now: datetime, days: int
) -> None:
    """Add the provisioning service's pushes for one service principal (oldest first wins last)."""
    since = _stamp(now - timedelta(days=days))
    params = {
        "$filter": f"servicePrincipal/id eq '{sp_id}' and activityDateTime ge {since}",
        "$top": "999",
    }
    rows = [
        r
        for page in paged(seam, f"{graph}/auditLogs/provisioning", params, next_link, values)
        for r in page
    ]
    rows.sort(key=lambda r: str(r.get("activityDateTime")))
    for row in rows:
        _fold_provisioning(findings, row)


def next_link(body: Any, response: httpx.Response) -> str | None:
    """`@odata.nextLink`, verbatim (pages may be empty)."""
    return body.get("@odata.nextLink") if isinstance(body, dict) else None


def values(body: Any) -> list[dict[str, Any]]:
    """The `value` array of a Graph collection page."""
    found = body.get("value") if isinstance(body, dict) else None
    return [v for v in found or [] if isinstance(v, dict)]


def _targets(record: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        t
        for t in record.get("targetResources") or []
        if isinstance(t, dict) and t.get("type") == kind
    ]


def _fold_audit(
    findings: AuditFindings, record: dict[str, Any], sp_ids: set[str], group_ids: set[str]
) -> None:
    """Record one audit entry about a user, if it concerns our apps, groups or the account."""
    name, users = str(record.get("activityDisplayName", "")), _targets(record, "User")
    when = parse_time(record.get("activityDateTime"))
    if not users or when is None or record.get("result", "success") != "success":
        return
    if name in APP_ROLE and not any(
        t.get("id") in sp_ids for t in _targets(record, "ServicePrincipal")
    ):
        return
    if name in MEMBERSHIP and not any(t.get("id") in group_ids for t in _targets(record, "Group")):
        return
    user_id = str(users[0].get("id"))
    findings.note(user_id, when)
    if name in LEAVERS:
        findings.leavers.add(user_id)


def _fold_provisioning(findings: AuditFindings, row: dict[str, Any]) -> None:
    """A push to the app: its time, and its failure reason (a later success clears it)."""
    user_id = str((row.get("sourceIdentity") or {}).get("id") or "")
    when = parse_time(row.get("activityDateTime"))
    if not user_id or when is None:
        return
    findings.note(user_id, when)
    status = row.get("provisioningStatusInfo") or {}
    if status.get("status") == "failure":
        reason = (status.get("errorInformation") or {}).get("reason") or "Entra provisioning failed"
        findings.provision_failures[user_id] = str(reason)
    elif status.get("status") == "success":
        findings.provision_failures.pop(user_id, None)
