"""Turning what was read from Graph into `Identity` records (see entra.py for the rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connector.idp._common import clean_aliases, newest, parse_time
from connector.idp._entra_log import AuditFindings
from connector.models import Identity

USER_SELECT = (
    "id,displayName,mail,userPrincipalName,proxyAddresses,otherMails,accountEnabled,"
    "department,employeeId"
)


@dataclass
class GraphState:
    """What has been read so far (kept when a later step fails, for a partial source)."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    sets: dict[str, dict[str, str]] = field(default_factory=lambda: {"protected": {}, "portal": {}})
    sps: dict[str, str] = field(default_factory=dict)  # set name -> service principal id
    groups: set[str] = field(default_factory=set)  # assigned group ids
    assigned_at: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    log: AuditFindings = field(default_factory=AuditFindings)

    def remember(self, user: dict[str, Any], origin: str) -> None:
        """Keep a user (first copy wins) and where we learned of it."""
        uid = str(user.get("id"))
        self.users.setdefault(uid, user)
        self.origin.setdefault(uid, origin)


def in_domains(user: dict[str, Any], domains: tuple[str, ...]) -> bool:
    """True when no domains are configured or the user's address is in one of them."""
    if not domains:
        return True
    email = str(user.get("mail") or user.get("userPrincipalName") or "").casefold()
    return any(email.endswith("@" + d.casefold().lstrip("@")) for d in domains)


def build_identity(uid: str, state: GraphState) -> Identity:
    """One Identity from a Graph user, its assignments and the audit findings."""
    user = state.users[uid]
    email = str(user.get("mail") or user.get("userPrincipalName") or uid).strip()
    upn = user.get("userPrincipalName")
    return Identity(
        id=uid,
        email=email,
        display_name=user.get("displayName"),
        aliases=clean_aliases(
            email, [user.get("proxyAddresses") or [], user.get("otherMails") or [], upn]
        ),
        active=user.get("accountEnabled") is True,
        protected=uid in state.sets["protected"],
        portal_access=uid in state.sets["portal"],
        changed_at=state.log.changed_at.get(uid) or newest(parse_time(state.assigned_at.get(uid))),
        provisioning_error=state.log.provision_failures.get(uid),
        source="entra",
        details=_details(uid, user, state),
    )


def _details(uid: str, user: dict[str, Any], state: GraphState) -> dict[str, str]:
    """Provider facts worth showing next to a finding."""
    out = {
        "account_enabled": str(user.get("accountEnabled")).lower(),
        "learned_from": state.origin.get(uid, ""),
    }
    for name in ("protected", "portal"):
        if uid in state.sets[name]:
            out[f"{name}_via"] = state.sets[name][uid]
    if user.get("department"):
        out["department"] = str(user["department"])
    if user.get("employeeId"):
        out["employee_id"] = str(user["employeeId"])
    return out
