"""Expected state from Okta: who should be protected by Tessian, and who may use its portal.

Each expected set is configured as an app (`GET /api/v1/apps/{appId}/users?expand=user&limit=500`,
direct and group assignments alike, `scope` USER/GROUP) or as a group
(`GET /api/v1/groups/{groupId}/users`). `protected` / `portal_access` say the person is
assigned: app-user status ACTIVE or PROVISIONED (or a member of the configured group); `active`
says the Okta user may sign in: status ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT or RECOVERY. Reconcile
expects someone in Tessian only when both hold: SUSPENDED users keep their assignments (protected,
not active). An app-user `syncState` ERROR, or a failed `application.provision.user.*` event, is
reported as `provisioning_error` (an Okta-side failure, not a Tessian gap).

Leavers. Reconcile needs the people who are NOT expected (so it can say `not_removed` or
`access_retained` rather than `orphan`). Suspended users still appear in the assignment lists.
Deactivated (DEPROVISIONED) users are removed from every app, so they are learned two ways:
(1) the System Log over the last `logs_since_days` (`user.lifecycle.deactivate`/`suspend`,
`application.user_membership.remove`/`revoke`/`deprovision` on a configured app,
`group.user_membership.remove` on a configured group): each such user not already known is read
with `GET /api/v1/users/{id}`; this also finds ACTIVE people who were merely unassigned;
(2) a directory scan, `directory_scan`: "all" (default) lists every user of the org with
`GET /api/v1/users?search=status eq "ACTIVE" or ... or status eq "DEPROVISIONED"` (a `search`
includes deactivated users), so every person is known, assigned or not, whatever the log's 90-day
retention forgot; "deactivated" lists only DEPROVISIONED users; "none" relies on (1) alone.
`domains`, when set, keeps only unassigned people whose address is in those domains.

Change times come from the same System Log query (newest successful relevant event per user);
without one, the newest `statusChanged` of the user and its app-user rows is used.
Pagination follows `Link: rel="next"` verbatim; throttling and errors are handled in `_http`.
Every provider failure is caught: the source is returned with `complete=False` and the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import httpx

from connector.errors import ConfigError
from connector.idp._common import guarded_read, source
from connector.idp._http import HttpSeam, RetryPolicy, paged, tls_verify
from connector.idp._okta_identity import Member, ReadState, build_identity
from connector.idp._okta_log import read_log
from connector.idp._okta_wire import OAuthServiceApp, OktaVendor, ssws_authorizer
from connector.models import IdentitySource, utc_now

ALL_STATUSES = (
    "ACTIVE",
    "PROVISIONED",
    "STAGED",
    "RECOVERY",
    "PASSWORD_EXPIRED",
    "LOCKED_OUT",
    "SUSPENDED",
    "DEPROVISIONED",
)
EXPECTED_APP_USER = frozenset({"ACTIVE", "PROVISIONED"})
DEFAULT_SCOPES = ("okta.users.read", "okta.apps.read", "okta.groups.read", "okta.logs.read")


@dataclass(frozen=True)
class OktaOptions:
    """Where and how to read Okta. Secrets are excluded from repr."""

    org_url: str
    app_id: str | None = None  # protected set as an app ...
    portal_app_id: str | None = None
    group_id: str | None = None  # ... or as a group
    portal_group_id: str | None = None
    api_token: str | None = field(default=None, repr=False)  # SSWS token, or OAuth below
    client_id: str | None = None
    private_key_pem: str | None = field(default=None, repr=False)
    key_id: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    logs_since_days: int = 30  # System Log window; 0 turns the System Log off
    directory_scan: Literal["all", "deactivated", "none"] = "all"
    domains: tuple[str, ...] = ()
    alias_attributes: tuple[str, ...] = ("secondEmail", "proxyAddresses")
    ca_bundle: str | None = None
    timeout_s: float = 30.0
    max_retry_wait_s: float = 90.0
    retry_attempts: int = 5
    page_size: int = 500


def read_okta(
    options: OktaOptions, *, transport: httpx.BaseTransport | None = None
) -> IdentitySource:
    """Read both expected sets, leavers and change times; never raises ProviderError."""
    org = _validate(options)
    started, state = utc_now(), ReadState()
    seam = HttpSeam(
        OktaVendor(),
        _authorizer(options, org, transport),
        transport=transport,
        verify=tls_verify(options.ca_bundle),
        timeout_s=options.timeout_s,
        policy=RetryPolicy(attempts=options.retry_attempts, max_wait_s=options.max_retry_wait_s),
    )
    errors = guarded_read(seam, lambda: _read_all(seam, options, org, state, started))
    identities = [build_identity(uid, state, options) for uid in state.users]
    return source("okta", org, identities, errors=errors, warnings=[], read_at=started)


def _validate(options: OktaOptions) -> str:
    """The org URL without a trailing slash; ConfigError naming what is missing."""
    if not options.org_url.startswith(("https://", "http://")):
        raise ConfigError("okta org url: must start with https://")
    if not (options.app_id or options.group_id):
        raise ConfigError("okta: set the protected app id or group id")
    if not 0 <= options.logs_since_days <= 180:  # Okta rejects a `since` over 180 days back
        raise ConfigError("okta logs_since_days: between 0 and 180 (the System Log keeps 90)")
    if not options.api_token and not (options.client_id and options.private_key_pem):
        raise ConfigError("okta: set OKTA_API_TOKEN, or the OAuth client id and private key")
    return options.org_url.rstrip("/")


def _authorizer(options: OktaOptions, org: str, transport: httpx.BaseTransport | None) -> Any:
    """SSWS when an API token is given, else the OAuth service app."""
    if options.api_token:
        return ssws_authorizer(options.api_token)
    client = httpx.Client(
        transport=transport, verify=tls_verify(options.ca_bundle), timeout=options.timeout_s
    )
    return OAuthServiceApp(
        org,
        str(options.client_id),
        str(options.private_key_pem),
        options.scopes,
        key_id=options.key_id,
        client=client,
    )


def _read_all(
    seam: HttpSeam, options: OktaOptions, org: str, state: ReadState, now: datetime
) -> None:
    """Every read in order; the first failure stops the rest (and is reported by the caller)."""
    for name, app_id, group_id in (
        ("protected", options.app_id, options.group_id),
        ("portal", options.portal_app_id, options.portal_group_id),
    ):
        if app_id:
            _read_app(seam, org, app_id, options.page_size, state, name)
        elif group_id:
            _read_group(seam, org, group_id, state, name)
    apps = {a for a in (options.app_id, options.portal_app_id) if a}
    groups = {g for g in (options.group_id, options.portal_group_id) if g}
    if options.logs_since_days > 0:  # 0: no System Log (no okta.logs.read), no change times
        state.log = read_log(
            seam, org, app_ids=apps, group_ids=groups, now=now, days=options.logs_since_days
        )
    for user_id in sorted(state.log.leavers - state.users.keys()):
        _read_user(seam, org, user_id, state, options)
    if options.directory_scan != "none":
        _scan_directory(seam, org, state, options)


def _read_app(
    seam: HttpSeam, org: str, app_id: str, limit: int, state: ReadState, name: str
) -> None:
    """Every app-user row (direct and group scope), with the Okta user embedded."""
    params = {"expand": "user", "limit": str(min(max(limit, 1), 500))}
    for page in paged(seam, f"{org}/api/v1/apps/{app_id}/users", params, _next, _rows):
        for row in page:
            user = (row.get("_embedded") or {}).get("user") or {"id": row.get("id"), "profile": {}}
            expected = row.get("status") in EXPECTED_APP_USER
            _remember(state, user, "assignment")
            state.sets[name][str(user["id"])] = Member(user, row, expected)


def _read_group(seam: HttpSeam, org: str, group_id: str, state: ReadState, name: str) -> None:
    """Every member of the group configured as an expected set."""
    url = f"{org}/api/v1/groups/{group_id}/users"
    for page in paged(seam, url, {"limit": "200"}, _next, _rows):
        for user in page:
            _remember(state, user, "group")
            state.sets[name][str(user["id"])] = Member(user, None, True)


def _read_user(
    seam: HttpSeam, org: str, user_id: str, state: ReadState, options: OktaOptions
) -> None:
    """One leaver named by the System Log (a user deleted since then is skipped)."""
    user = seam.get_json_if_found(f"{org}/api/v1/users/{user_id}")
    if user is not None and _in_domains(user, options):
        _remember(state, user, "system_log")


def _scan_directory(seam: HttpSeam, org: str, state: ReadState, options: OktaOptions) -> None:
    """Every user of the org, or every deactivated one (a `search` includes DEPROVISIONED)."""
    statuses = ALL_STATUSES if options.directory_scan == "all" else ("DEPROVISIONED",)
    params = {"search": " or ".join(f'status eq "{s}"' for s in statuses), "limit": "200"}
    for page in paged(seam, f"{org}/api/v1/users", params, _next, _rows):
        for user in page:
            if str(user.get("id")) not in state.users and _in_domains(user, options):
                _remember(state, user, "directory_scan")


def _remember(state: ReadState, user: dict[str, Any], origin: str) -> None:
    """Keep the first full copy of a user and where we learned of it."""
    uid = str(user.get("id"))
    if uid not in state.users or not state.users[uid].get("status"):
        state.users[uid] = user
    state.origin.setdefault(uid, origin)


def _in_domains(user: dict[str, Any], options: OktaOptions) -> bool:
    """True when no domains are configured or the user's address is in one of them."""
    if not options.domains:
        return True
    email = str((user.get("profile") or {}).get("email") or "").casefold()
    return any(email.endswith("@" + d.casefold().lstrip("@")) for d in options.domains)


def _next(body: object, response: httpx.Response) -> str | None:
    """The `rel="next"` Link, taken verbatim."""
    return response.links.get("next", {}).get("url")


def _rows(body: object) -> list[dict[str, Any]]:
    """A page of rows (a JSON array of objects)."""
    return [r for r in body if isinstance(r, dict)] if isinstance(body, list) else []
