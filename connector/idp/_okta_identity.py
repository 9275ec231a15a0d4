"""Turning what was read from Okta into `Identity` records (see okta.py for the rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from connector.idp._common import clean_aliases, newest, parse_time
from connector.idp._okta_log import LogFindings
from connector.models import Identity

if TYPE_CHECKING:
    from connector.idp.okta import OktaOptions

ACTIVE_USER = frozenset({"ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY"})


@dataclass
class Member:
    """One user as seen through one expected set (its app-user row, when the set is an app)."""

    user: dict[str, Any]
    app_user: dict[str, Any] | None
    expected: bool


@dataclass
class ReadState:
    """What has been read so far (kept when a later step fails, for a partial source)."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    sets: dict[str, dict[str, Member]] = field(
        default_factory=lambda: {"protected": {}, "portal": {}}
    )
    log: LogFindings = field(default_factory=LogFindings)
    origin: dict[str, str] = field(default_factory=dict)


def build_identity(uid: str, state: ReadState, options: OktaOptions) -> Identity:
    """One Identity from the user, its rows in the two sets and the System Log."""
    user = state.users[uid]
    profile = user.get("profile") or {}
    prot, portal = state.sets["protected"].get(uid), state.sets["portal"].get(uid)
    active = user.get("status") in ACTIVE_USER
    email = _email(user, prot, portal)
    return Identity(
        id=uid,
        email=email,
        display_name=_display_name(profile),
        aliases=clean_aliases(email, _alias_values(profile, options, prot, portal)),
        active=active,
        protected=prot is not None and prot.expected,
        portal_access=portal is not None and portal.expected,
        changed_at=state.log.changed_at.get(uid) or _status_changed(user, prot, portal),
        provisioning_error=_provisioning_error(uid, state, prot, portal),
        source="okta",
        details=_details(user, prot, portal, state.origin.get(uid, "")),
    )


def _email(user: dict[str, Any], *members: Member | None) -> str:
    """AppUser profile email, then credentials.userName, then the user's email, then login."""
    for member in members:
        if member is not None and member.app_user is not None:
            row = member.app_user
            found = (row.get("profile") or {}).get("email") or (row.get("credentials") or {}).get(
                "userName"
            )
            if found and "@" in str(found):
                return str(found).strip()
    profile = user.get("profile") or {}
    return str(profile.get("email") or profile.get("login") or user.get("id")).strip()


def _alias_values(
    profile: dict[str, Any], options: OktaOptions, *members: Member | None
) -> list[object]:
    """Candidate aliases: configured profile attributes and any other address seen for the user."""
    values: list[object] = [profile.get(name) for name in options.alias_attributes]
    values.append(profile.get("email"))
    for member in members:
        if member is not None and member.app_user is not None:
            values.append((member.app_user.get("profile") or {}).get("email"))
    return values


def _display_name(profile: dict[str, Any]) -> str | None:
    """displayName, else first and last name."""
    name = profile.get("displayName") or " ".join(
        p for p in (profile.get("firstName"), profile.get("lastName")) if p
    )
    return str(name) if name else None


def _status_changed(user: dict[str, Any], *members: Member | None) -> datetime | None:
    """Fallback change time: the newest statusChanged of the user and its app-user rows."""
    times = [parse_time(user.get("statusChanged"))]
    times += [parse_time(m.app_user.get("statusChanged")) for m in members if m and m.app_user]
    return newest(*times)


def _provisioning_error(uid: str, state: ReadState, *members: Member | None) -> str | None:
    """syncState ERROR on an app-user row, or a failed provisioning push in the System Log."""
    if uid in state.log.provision_failures:
        return state.log.provision_failures[uid]
    for member in members:
        if (
            member is not None
            and member.app_user is not None
            and member.app_user.get("syncState") == "ERROR"
        ):
            app = ((member.app_user.get("_links") or {}).get("app") or {}).get("href", "the app")
            return (
                f"Okta could not provision this user to {app.rsplit('/', 1)[-1]} (syncState ERROR)"
            )
    return None


def _details(
    user: dict[str, Any], prot: Member | None, portal: Member | None, origin: str
) -> dict[str, str]:
    """Provider facts worth showing next to a finding (statuses, scope, where we learned of it)."""
    profile = user.get("profile") or {}
    out = {"okta_status": str(user.get("status", "")), "learned_from": origin}
    for label, member in (("protected", prot), ("portal", portal)):
        if member is not None and member.app_user is not None:
            out[f"{label}_app_user_status"] = str(member.app_user.get("status", ""))
            out[f"{label}_scope"] = str(member.app_user.get("scope", ""))
        elif member is not None:
            out[f"{label}_scope"] = "GROUP_MEMBER"
    for key, attr in (("department", "department"), ("employee_id", "employeeNumber")):
        if profile.get(attr):
            out[key] = str(profile[attr])
    return out
