"""The demo scenario, recomputed from scratch: an independent, deliberately plain reading of the
reconcile semantics of INTERFACES.md (no `connector` import) applied to demo.json's directory and
portal data under fixtures/demo/policy.toml must give exactly its `expected_findings`, covering
every outcome. Also pins that demo.json is what its generator writes and that the identity export
says what the directory says."""

from __future__ import annotations

import csv
import json
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fixtures.demo.make_demo import build
from fixtures.idp_export import export

REPO = Path(__file__).resolve().parents[3]
DEMO, POLICY = REPO / "fixtures/tenants/demo.json", REPO / "fixtures/demo/policy.toml"
EVERY_OUTCOME = {"missing", "not_removed", "access_retained", "unmanaged_admin", "orphan",
                 "degraded", "pending", "ambiguous", "excepted", "exception_expired",
                 "leaver_token", "unknown_token", "own_token_leaver", "post_leave_sign_in",
                 "sync_unhealthy"}
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
Key = tuple[str, str, str]  # (outcome, subject, surface)


def when(value: str | None, now: datetime) -> datetime | None:
    """`now-3d` style or ISO-8601 times, as the tenant format allows."""
    if value is None:
        return None
    rel = re.fullmatch(r"now(?:([+-])(\d+)([smhdw]))?", value)
    if rel is None:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    delta = timedelta(**{UNITS[rel[3]]: int(rel[2])}) if rel[1] else timedelta()
    return now - delta if rel[1] == "-" else now + delta


def duration(text: str) -> timedelta:
    """`PT24H`, `P1D` or `24h`."""
    iso = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?", text)
    if iso:
        days, hours, minutes = (int(g or 0) for g in iso.groups())
        return timedelta(days=days, hours=hours, minutes=minutes)
    return timedelta(**{UNITS[text[-1]]: int(text[:-1])})


@dataclass(frozen=True)
class Ident:
    id: str
    email: str
    aliases: tuple[str, ...]
    active: bool
    protected: bool
    portal: bool
    changed_at: datetime | None


def norm(address: str) -> str:
    return address.strip().casefold()


def identities(directory: dict[str, Any], now: datetime) -> list[Ident]:
    """People with their apps: direct assignments plus those of every group they are in."""
    out = []
    for p in directory["people"]:
        apps = set(p["assigned"])
        for g in directory["groups"]:
            if p["id"] in g["members"]:
                apps |= set(g["assigned_to"])
        out.append(Ident(p["id"], norm(p["email"]), tuple(norm(a) for a in p["aliases"]),
                         p["status"] == "active", "protected" in apps, "portal" in apps,
                         when(p["changed_at"], now)))
    return out


class Scenario:
    """Evaluates one tenant under one policy at one instant."""

    def __init__(self, tenant: dict[str, Any], policy: dict[str, Any], now: datetime,
                 judged_at: datetime | None = None) -> None:
        """Relative times resolve against `now`; findings are judged at `judged_at` (or now)."""
        self.t, self.p, self.at, self.now = tenant, policy, now, judged_at or now
        self.people = identities(tenant["directory"], now)
        self.grace = duration(policy["grace_period"])
        self.found: list[Key] = []

    def in_scope(self, address: str) -> bool:
        scope = {norm(d) for d in self.p.get("in_scope_domains", [])}
        return not scope or norm(address).rsplit("@", 1)[1] in scope

    def match(self, address: str) -> list[Ident]:
        local, domain = norm(address).rsplit("@", 1)
        tries = [f"{local}@{domain}"]
        if domain in self.p.get("domain_map", {}):
            tries.append(f"{local}@{norm(self.p['domain_map'][domain])}")
        for candidate in tries:
            for hit in ([i for i in self.people if i.email == candidate],
                        [i for i in self.people if candidate in i.aliases]):
                if hit:
                    return hit
        return []

    def recent(self, moment: datetime | None) -> bool:
        return moment is not None and moment + self.grace > self.now

    def add(self, outcome: str, subject: str, surface: str) -> None:
        self.found.append((outcome, norm(subject), surface))

    def user_monitoring(self) -> None:
        claimed: dict[str, list[dict[str, Any]]] = {}
        for row in (r for r in self.t["monitored_users"] if self.in_scope(r["address"])):
            hits = self.match(row["address"])
            if len(hits) != 1:
                self.add("orphan" if not hits else "ambiguous", row["address"], "user_monitoring")
            else:
                claimed.setdefault(hits[0].id, []).append(row)
        for who in self.people:
            self.judge_monitoring(who, claimed.get(who.id, []))

    def judge_monitoring(self, who: Ident, rows: list[dict[str, Any]]) -> None:
        surface, pending = "user_monitoring", self.recent(who.changed_at)
        if len(rows) > 1:
            self.add("ambiguous", who.email, surface)
        elif who.active and who.protected and not rows:
            self.add("pending" if pending else "missing", who.email, surface)
        elif who.active and who.protected:
            row = rows[0]
            if row["sync_state"] != "Live" or row["status"] != "Good connection":
                young = pending or self.recent(when(row["user_created"], self.at))
                self.add("pending" if young else "degraded", who.email, surface)
        elif rows:
            self.add("pending" if pending else "not_removed", who.email, surface)

    def portal_users(self) -> None:
        for account in self.t["portal_users"]:
            if account["status"] == "Deactivated" or not self.in_scope(account["email"]):
                continue
            hits = self.match(account["email"])
            outcome = ("ambiguous" if len(hits) > 1 else "unmanaged_admin" if not hits
                       else "access_retained" if not hits[0].active
                       else "unmanaged_admin" if not hits[0].portal else None)
            if outcome:
                self.add(outcome, account["email"], "portal_users")

    def api_tokens(self) -> None:
        """Tokens by creator: a leaver's (and the connector's own among them), or nobody's."""
        creators: dict[str, list[str]] = {}
        for token in self.t["api_tokens"]:
            if self.in_scope(token["created_by"]):
                creators.setdefault(norm(token["created_by"]), []).append(token["name"])
        for creator, names in creators.items():
            hits = self.match(creator)
            if not hits:
                self.add("unknown_token", creator, "api_tokens")
            elif len(hits) == 1 and not hits[0].active:
                self.add("leaver_token", creator, "api_tokens")
                if self.p.get("api_token_name") in names:
                    self.add("own_token_leaver", creator, "api_tokens")

    def sign_ins_after_leaving(self) -> None:
        """"Sign In" events by a leaver later than the leaver's change time, once per leaver."""
        late = set()
        for event in self.t["audit_events"]:
            hits = self.match(event["user"]) if event["type"] == "Sign In" and event["user"] else []
            if len(hits) == 1 and not hits[0].active and hits[0].changed_at is not None \
                    and when(event["timestamp"], self.at) > hits[0].changed_at:
                late.add(hits[0].email)
        for email in late:
            self.add("post_leave_sign_in", email, "audit_trail")

    def directory_sync(self) -> None:
        """Failing, Paused, never synced, or not synced within sync_stale_after."""
        sync = self.t.get("directory_sync")
        if sync is None:
            return
        last = when(sync["last_successful_sync"], self.at)
        stale = duration(self.p.get("sync_stale_after", "24h"))
        if sync["status"] != "Healthy" or last is None or self.now - last > stale:
            self.add("sync_unhealthy", "directory-sync", "directory_sync")

    def with_exceptions(self) -> list[Key]:
        out: list[Key] = []
        for outcome, subject, surface in self.found:
            rule = next((e for e in self.p.get("exceptions", []) if norm(e["email"]) == subject
                         and e.get("outcome") in (None, outcome)), None)
            expired = rule is not None and when(rule["expires"], self.at) <= self.now
            out.append(("excepted" if rule and not expired else outcome, subject, surface))
            if expired:
                out.append(("exception_expired", subject, surface))
        return out

    def findings(self) -> list[Key]:
        self.user_monitoring()
        self.portal_users()
        self.api_tokens()
        self.sign_ins_after_leaving()
        self.directory_sync()
        return sorted(self.with_exceptions())


def _load() -> tuple[dict[str, Any], dict[str, Any]]:
    return json.loads(DEMO.read_text()), tomllib.loads(POLICY.read_text())


def test_independent_evaluation_gives_exactly_the_expected_findings() -> None:
    """Recomputed findings equal `expected_findings` (nothing more, nothing less)."""
    tenant, policy = _load()
    got = Scenario(tenant, policy, datetime.now(UTC)).findings()
    expected = sorted((f["outcome"], norm(f["subject"]), f["surface"])
                      for f in tenant["expected_findings"])
    assert got == expected


def test_expected_findings_cover_every_outcome() -> None:
    """The demo holds at least one case of every outcome, exception_expired included."""
    tenant, _ = _load()
    assert {f["outcome"] for f in tenant["expected_findings"]} == EVERY_OUTCOME


def test_findings_do_not_depend_on_the_hour_of_evaluation() -> None:
    """Relative times keep the scenario stable: a day later (same relative data) it is the same,
    and the same absolute data evaluated 2 days later turns the pending cases into findings."""
    tenant, policy = _load()
    now = datetime.now(UTC)
    assert Scenario(tenant, policy, now).findings() == Scenario(
        tenant, policy, now + timedelta(days=1)).findings()
    later = Scenario(tenant, policy, now, judged_at=now + timedelta(days=2))
    assert "pending" not in {outcome for outcome, _, _ in later.findings()}


def test_demo_json_is_what_the_generator_writes() -> None:
    """demo.json is exactly `python -m fixtures.demo.make_demo` output (regenerate, don't edit)."""
    assert json.loads(DEMO.read_text()) == build()


def test_demo_has_the_documented_size_and_sign_in_details() -> None:
    """~200 monitored users, ~10 portal users, the demo admin, TOTP seed and API token."""
    tenant, _ = _load()
    assert 190 <= len(tenant["monitored_users"]) <= 210
    assert 8 <= len(tenant["portal_users"]) <= 15
    admin = tenant["admins"][0]
    assert (admin["email"], admin["password"], admin["totp_secret"]) == (
        "security.admin@acme.example", "demo-Passw0rd!", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert "demo-api-token-0123456789" in {t["token"] for t in tenant["api_tokens"]}


def _plain(idents: list[Ident]) -> set[tuple[Any, ...]]:
    return {(i.id, i.email, i.aliases, i.active, i.protected, i.portal) for i in idents}


def test_identity_export_says_what_the_directory_says(tmp_path: Path) -> None:
    """The JSON and CSV exports carry each person with the same aliases, status and apps as the
    directory, and times resolved to absolute UTC."""
    tenant, _ = _load()
    want = _plain(identities(tenant["directory"], datetime.now(UTC)))
    export("demo", "json", tmp_path / "ids.json")
    export("demo", "csv", tmp_path / "ids.csv")
    from_json = json.loads((tmp_path / "ids.json").read_text())["identities"]
    with (tmp_path / "ids.csv").open(newline="") as handle:
        from_csv = list(csv.DictReader(handle))
    assert _plain([_ident(r) for r in from_json]) == want == _plain([_ident(r) for r in from_csv])
    assert all(r["changed_at"].endswith("Z") for r in from_csv if r["changed_at"])


def _ident(record: dict[str, Any]) -> Ident:
    def flag(value: Any) -> bool:
        return value is True or value == "true"

    aliases = record["aliases"]
    aliases = aliases if isinstance(aliases, list) else [a for a in aliases.split(";") if a]
    return Ident(record["id"], norm(record["email"]), tuple(norm(a) for a in aliases),
                 flag(record["active"]), flag(record["protected"]), flag(record["portal_access"]),
                 None)
