"""Expected state from Microsoft Entra ID, through Microsoft Graph v1.0 (app-only, read-only).

Each expected set is an enterprise app, by appId: its service principal
(`GET /servicePrincipals(appId='…')`, a warning when `appRoleAssignmentRequired` is false, because
then assignment gates nothing), its assignments (`GET /servicePrincipals/{id}/appRoleAssignedTo`),
user rows taken as they are, group rows expanded to DIRECT members only
(`GET /groups/{id}/members`: Entra does not cascade app access to nested groups, so a nested group
is reported as a warning and not expanded), service-principal rows ignored. Users are read with
`$select=id,displayName,mail,userPrincipalName,proxyAddresses,otherMails,accountEnabled,department,
employeeId` (the default property set lacks most of these). `protected` / `portal_access` mean
assigned; `active` means `accountEnabled`; aliases are proxyAddresses (`smtp:` stripped),
otherMails and a userPrincipalName that differs from mail.

Leavers: disabled accounts keep their assignments, so they are in the sets already. People who
were unassigned, removed from the group, disabled or deleted within `logs_since_days` are named by
the directory audits and read with `GET /users/{id}` (deleted ones are gone: skipped). With
`directory_scan` "all" (default) every user is listed (`GET /users`), so everyone is known whatever
the audit retention; "disabled" lists `accountEnabled eq false` only; "none" relies on audits.
`domains`, when set, keeps only unassigned people whose address is in those domains.
Change times: directory audits, plus provisioning logs when `provisioning_logs` is on (only when
Entra provisions the app); without either, an assignment's `createdDateTime`.
Paging follows `@odata.nextLink` verbatim; 429/503 wait for Retry-After; every provider failure
is caught and reported as `complete=False` with the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import httpx

from connector.errors import ConfigError
from connector.idp._common import guarded_read, source
from connector.idp._entra_identity import USER_SELECT, GraphState, build_identity, in_domains
from connector.idp._entra_log import next_link, read_audits, read_provisioning, values
from connector.idp._entra_wire import DEFAULT_AUTHORITY, GraphVendor, MsalAuthorizer, credential
from connector.idp._http import HttpSeam, RetryPolicy, paged, tls_verify
from connector.models import IdentitySource, utc_now

BATCH = 15  # ids per `id in (...)` filter: Microsoft documents no maximum, keep it small


@dataclass(frozen=True)
class EntraOptions:
    """Where and how to read Entra ID. Secrets are excluded from repr."""

    tenant_id: str
    client_id: str
    app_id: str  # appId of the enterprise app whose assignees should be protected
    portal_app_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    certificate_path: str | None = None
    certificate_password: str | None = field(default=None, repr=False)
    graph_url: str = "https://graph.microsoft.com/v1.0"
    authority_url: str = DEFAULT_AUTHORITY
    graph_scope: str = "https://graph.microsoft.com/.default"
    ca_bundle: str | None = None
    logs_since_days: int = 30  # audit-log window; 0 turns audit and provisioning logs off
    provisioning_logs: bool = False
    directory_scan: Literal["all", "disabled", "none"] = "all"
    domains: tuple[str, ...] = ()
    timeout_s: float = 30.0
    max_retry_wait_s: float = 90.0
    retry_attempts: int = 5


def read_entra(
    options: EntraOptions, *, transport: httpx.BaseTransport | None = None
) -> IdentitySource:
    """Read both expected sets, leavers and change times; never raises ProviderError."""
    graph = _validate(options)
    started, state = utc_now(), GraphState()
    verify = tls_verify(options.ca_bundle)
    token_client = httpx.Client(transport=transport, verify=verify, timeout=options.timeout_s)
    authorize = MsalAuthorizer(
        options.tenant_id,
        options.client_id,
        credential(options.client_secret, options.certificate_path, options.certificate_password),
        authority_url=options.authority_url,
        scope=options.graph_scope,
        client=token_client,
    )
    seam = HttpSeam(
        GraphVendor(),
        authorize,
        transport=transport,
        verify=verify,
        timeout_s=options.timeout_s,
        policy=RetryPolicy(attempts=options.retry_attempts, max_wait_s=options.max_retry_wait_s),
    )
    errors = guarded_read(seam, lambda: _read_all(seam, graph, options, state, started))
    identities = [build_identity(uid, state) for uid in state.users]
    return source(
        "entra",
        options.tenant_id,
        identities,
        errors=errors,
        warnings=state.warnings,
        read_at=started,
    )


def _validate(options: EntraOptions) -> str:
    """The Graph base URL without a trailing slash; ConfigError naming what is missing."""
    for name in ("tenant_id", "client_id", "app_id"):
        if not getattr(options, name):
            raise ConfigError(f"entra: set the {name.replace('_', ' ')}")
    if options.logs_since_days < 0:
        raise ConfigError("entra logs_since_days: 0 (off) or more")
    if not options.graph_url.startswith("https://") or not options.authority_url.startswith(
        "https://"
    ):
        raise ConfigError("entra: the Graph and authority URLs must be https")
    return options.graph_url.rstrip("/")


def _read_all(
    seam: HttpSeam, graph: str, options: EntraOptions, state: GraphState, now: datetime
) -> None:
    """Every read in order; the first failure stops the rest (the caller reports it)."""
    for name, app_id in (("protected", options.app_id), ("portal", options.portal_app_id)):
        if app_id:
            _read_app(seam, graph, app_id, name, state)
    if options.directory_scan == "all":  # lists everyone: direct assignees need no extra reads
        _scan(seam, graph, state, options)
    _read_direct_users(seam, graph, state)
    if options.logs_since_days > 0:  # 0: no audit logs (no AuditLog/Directory.Read.All needed)
        state.log = read_audits(
            seam,
            graph,
            sp_ids=set(state.sps.values()),
            group_ids=state.groups,
            now=now,
            days=options.logs_since_days,
        )
    if options.provisioning_logs and options.logs_since_days > 0:
        for sp in state.sps.values():
            read_provisioning(
                seam, graph, state.log, sp_id=sp, now=now, days=options.logs_since_days
            )
    for user_id in sorted(state.log.leavers - state.users.keys()):
        _read_user(seam, graph, user_id, state, options)
    if options.directory_scan == "disabled":
        _scan(seam, graph, state, options)


def _read_app(seam: HttpSeam, graph: str, app_id: str, name: str, state: GraphState) -> None:
    """The service principal, its assignments, and the direct members of assigned groups."""
    sp, _ = seam.get_json(
        f"{graph}/servicePrincipals(appId='{app_id}')",
        {"$select": "id,appId,displayName,appRoleAssignmentRequired,accountEnabled"},
    )
    state.sps[name] = str(sp["id"])
    if sp.get("appRoleAssignmentRequired") is not True:
        state.warnings.append(
            f"Entra app {sp.get('displayName') or app_id} ({name}) has "
            "appRoleAssignmentRequired false: "
            "any user of the tenant can sign in, so its assignments do not gate access"
        )
    url = f"{graph}/servicePrincipals/{sp['id']}/appRoleAssignedTo"
    for page in paged(seam, url, {"$top": "999"}, next_link, values):
        for row in page:
            _assignment(seam, graph, row, name, state)


def _assignment(
    seam: HttpSeam, graph: str, row: dict[str, Any], name: str, state: GraphState
) -> None:
    """A User row is remembered for a batch read; a Group row is expanded; others ignored."""
    principal, kind = str(row.get("principalId")), row.get("principalType")
    if kind == "User":
        state.sets[name].setdefault(principal, "direct")
        state.assigned_at[principal] = row.get("createdDateTime")
    elif kind == "Group":
        state.groups.add(principal)
        _read_members(seam, graph, principal, str(row.get("principalDisplayName")), name, state)


def _read_members(
    seam: HttpSeam, graph: str, group_id: str, label: str, name: str, state: GraphState
) -> None:
    """Direct members of an assigned group; nested groups are warned about, not expanded."""
    params = {"$select": USER_SELECT, "$top": "999"}
    for page in paged(seam, f"{graph}/groups/{group_id}/members", params, next_link, values):
        for member in page:
            kind = member.get("@odata.type")
            if kind == "#microsoft.graph.user":
                state.remember(member, "assignment")
                state.sets[name].setdefault(str(member["id"]), f"group:{label}")
            elif kind == "#microsoft.graph.group":
                state.warnings.append(
                    f"group {label} contains group "
                    f"{member.get('displayName') or member.get('id')}: "
                    "Entra does not give its members access to the app, so they are not expected"
                )


def _read_direct_users(seam: HttpSeam, graph: str, state: GraphState) -> None:
    """Directly assigned users, read in small `id in (...)` batches."""
    wanted = sorted({uid for s in state.sets.values() for uid in s} - state.users.keys())
    for start in range(0, len(wanted), BATCH):
        ids = ",".join(f"'{uid}'" for uid in wanted[start : start + BATCH])
        params = {"$filter": f"id in ({ids})", "$select": USER_SELECT}
        for page in paged(seam, f"{graph}/users", params, next_link, values):
            for user in page:
                state.remember(user, "assignment")
    missing = sorted(set(wanted) - state.users.keys())
    if missing:
        state.warnings.append(
            f"{len(missing)} assigned user(s) not found in the directory (deleted?): "
            + ", ".join(missing[:5])
        )


def _read_user(
    seam: HttpSeam, graph: str, user_id: str, state: GraphState, options: EntraOptions
) -> None:
    """One leaver named by the audits (a deleted user is gone: skipped)."""
    user = seam.get_json_if_found(f"{graph}/users/{user_id}", {"$select": USER_SELECT})
    if user is not None and in_domains(user, options.domains):
        state.remember(user, "directory_audit")


def _scan(seam: HttpSeam, graph: str, state: GraphState, options: EntraOptions) -> None:
    """Every user of the tenant, or every disabled one."""
    params = {"$select": USER_SELECT, "$top": "999"}
    if options.directory_scan == "disabled":
        params["$filter"] = "accountEnabled eq false"
    for page in paged(seam, f"{graph}/users", params, next_link, values):
        for user in page:
            uid = str(user.get("id"))
            if uid in state.users:
                continue
            if any(uid in members for members in state.sets.values()):
                state.remember(user, "assignment")
            elif in_domains(user, options.domains):
                state.remember(user, "directory_scan")


__all__ = ["EntraOptions", "read_entra"]
