"""Okta's System Log: when did each identity last change, and who left within the window.

One bounded query (`since` and `until` both set, so results are filtered on `published` and come
in order) over the relevant event types, followed page by page through `rel="next"`. Targets are
located by `type` (never by position): the person is the `User` target (or `AppUser` when no
`User` target is present), app events count only when an `AppInstance` target is one of the
configured apps, group events only when a `UserGroup` target is one of the configured groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from connector.idp._common import parse_time as _parse_time
from connector.idp._http import HttpSeam, paged

APP_EVENTS = (
    "application.user_membership.add",
    "application.user_membership.remove",
    "application.user_membership.revoke",
    "application.user_membership.deprovision",
    "application.user_membership.restore",
)
GROUP_EVENTS = ("group.user_membership.add", "group.user_membership.remove")
LIFECYCLE_EVENTS = (
    "user.lifecycle.activate",
    "user.lifecycle.reactivate",
    "user.lifecycle.deactivate",
    "user.lifecycle.suspend",
    "user.lifecycle.unsuspend",
)
PROVISION_PREFIX = "application.provision.user"
LEAVER_EVENTS = frozenset(
    {
        "application.user_membership.remove",
        "application.user_membership.revoke",
        "application.user_membership.deprovision",
        "group.user_membership.remove",
        "user.lifecycle.deactivate",
        "user.lifecycle.suspend",
    }
)


@dataclass
class LogFindings:
    """What the System Log told us, per Okta user id."""

    changed_at: dict[str, datetime] = field(default_factory=dict)
    leavers: set[str] = field(default_factory=set)  # user ids with a removal/deactivation event
    provision_failures: dict[str, str] = field(default_factory=dict)
    events_read: int = 0


def log_filter() -> str:
    """The SCIM filter selecting every event type that can change someone's expected state."""
    exact = [*APP_EVENTS, *GROUP_EVENTS, *LIFECYCLE_EVENTS]
    terms = [f'eventType eq "{name}"' for name in exact]
    terms.append(f'eventType sw "{PROVISION_PREFIX}"')
    return " or ".join(terms)


def read_log(
    seam: HttpSeam,
    org_url: str,
    *,
    app_ids: set[str],
    group_ids: set[str],
    now: datetime,
    days: int,
) -> LogFindings:
    """Read the bounded window [now - days, now] and fold it into per-user findings."""
    since = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    until = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    params = {
        "since": since,
        "until": until,
        "limit": "1000",
        "sortOrder": "ASCENDING",
        "filter": log_filter(),
    }
    findings = LogFindings()
    for page in paged(seam, f"{org_url}/api/v1/logs", params, _next_link, _as_list):
        for event in page:
            findings.events_read += 1
            _fold(findings, event, app_ids, group_ids)
    return findings


def _next_link(body: object, response: httpx.Response) -> str | None:
    """The `rel="next"` Link, verbatim (an empty bounded page may still carry one)."""
    return response.links.get("next", {}).get("url")


def _as_list(body: object) -> list[dict[str, object]]:
    """A page of events (a JSON array)."""
    return body if isinstance(body, list) else []


def _targets(event: dict, kind: str) -> list[dict]:
    """The event's targets of one `type`."""
    return [t for t in event.get("target") or [] if isinstance(t, dict) and t.get("type") == kind]


def _person(event: dict) -> str | None:
    """The user the event is about: its `User` target, else its `AppUser` target."""
    for kind in ("User", "AppUser"):
        found = _targets(event, kind)
        if found and found[0].get("id"):
            return str(found[0]["id"])
    return None


def _relevant(event: dict, kind: str, app_ids: set[str], group_ids: set[str]) -> bool:
    """App events need one of our apps as a target, group events one of our groups."""
    if kind.startswith("application."):
        return any(t.get("id") in app_ids for t in _targets(event, "AppInstance"))
    if kind.startswith("group."):
        return any(t.get("id") in group_ids for t in _targets(event, "UserGroup"))
    return kind.startswith("user.lifecycle.")


def _fold(findings: LogFindings, event: dict, app_ids: set[str], group_ids: set[str]) -> None:
    """Record one event: newest change time, leaver signal, or a failed provisioning push."""
    kind = str(event.get("eventType", ""))
    user_id = _person(event)
    if user_id is None or not _relevant(event, kind, app_ids, group_ids):
        return
    result = (event.get("outcome") or {}).get("result", "SUCCESS")
    if result == "FAILURE":
        if kind.startswith(PROVISION_PREFIX):
            reason = (event.get("outcome") or {}).get("reason") or kind
            findings.provision_failures[user_id] = str(reason)
        return
    if kind.startswith(PROVISION_PREFIX):
        findings.provision_failures.pop(user_id, None)  # a later successful push clears it
    published = _parse_time(event.get("published"))
    if published is None:
        return
    if user_id not in findings.changed_at or published > findings.changed_at[user_id]:
        findings.changed_at[user_id] = published
    if kind in LEAVER_EVENTS:
        findings.leavers.add(user_id)
