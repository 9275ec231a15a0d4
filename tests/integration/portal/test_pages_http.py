"""The fixture portal's pages and internal JSON endpoint over real HTTP: pagination, filters,
sorting, display formats, detail pages, destructive endpoints and the request log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration
TENANTS = Path(__file__).resolve().parents[3] / "fixtures" / "tenants"


def rows(client: httpx.Client, key: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/0/data/{key}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def first_cells(body: dict[str, Any]) -> list[Any]:
    return [r["cells"][0]["text"] if isinstance(r["cells"][0], dict) else r["cells"][0] for r in body["rows"]]


@pytest.fixture
def tenant_file(tmp_path: Path) -> Path:
    """A small hand-written tenant with exact values to check the display formats against."""
    data = json.loads((TENANTS / "one-user.json").read_text())
    data["monitored_users"] = [
        {"id": 7, "address": "Zed@acme.example", "sync_state": "Queued", "status": "Connection issues",
         "last_connection": None, "emails_processed": 1234567, "addin_version": None,
         "user_created": "2026-11-27T14:03:59Z"},
        {"id": 3, "address": "amy@acme.example", "sync_state": "Live", "status": "Good connection",
         "last_connection": "now-2h", "emails_processed": 12, "addin_version": "4.1.0",
         "user_created": "now-3d"},
    ]
    path = tmp_path / "formats.json"
    path.write_text(json.dumps(data))
    return path


def test_pagination_totals_and_last_page(signed_in: httpx.Client, portal: Any) -> None:
    """251 users: 250 on the first page, 1 on the second, the same total on both."""
    portal.control.load_tenant("one-page-plus-one")
    first, second = rows(signed_in, "monitored-users", offset=0, limit=250), rows(
        signed_in, "monitored-users", offset=250, limit=250)
    assert (first["total"], len(first["rows"]), second["total"], len(second["rows"])) == (251, 250, 251, 1)
    source = json.loads((TENANTS / "one-page-plus-one.json").read_text())["monitored_users"]
    expected = sorted(u["address"] for u in source)
    assert first_cells(first) + first_cells(second) == expected


def test_limit_is_capped_at_the_largest_page_size(signed_in: httpx.Client, portal: Any) -> None:
    """Asking for 1000 rows gives 250."""
    portal.control.load_tenant("one-page-plus-one")
    assert len(rows(signed_in, "monitored-users", limit=1000)["rows"]) == 250


def test_monitored_user_filters_match_an_independent_count(signed_in: httpx.Client, portal: Any) -> None:
    """Search (case-insensitive substring) and both comboboxes narrow the list exactly."""
    portal.control.load_tenant("one-page")
    source = json.loads((TENANTS / "one-page.json").read_text())["monitored_users"]
    cases = [{"q": "ALICE"}, {"sync_state": "Live"}, {"status": "Connection issues"},
             {"q": "smith", "sync_state": "Live", "status": "Good connection"}]
    for case in cases:
        want = [u for u in source if case.get("q", "").casefold() in u["address"].casefold()
                and u["sync_state"] == case.get("sync_state", u["sync_state"])
                and u["status"] == case.get("status", u["status"])]
        got = rows(signed_in, "monitored-users", limit=250, **case)
        assert got["total"] == len(want) > 0, case
        assert sorted(first_cells(got)) == sorted(u["address"] for u in want)


def test_display_formats(signed_in: httpx.Client, portal: Any, tenant_file: Path) -> None:
    """Thousands separators, `YYYY-MM-DD HH:MM UTC`, `Never`, relative times resolved at load."""
    portal.control.clock(freeze=True)
    portal.control.load_tenant(tenant_file)
    now = datetime.fromtimestamp(portal.control.clock()["epoch"], UTC)
    amy, zed = rows(signed_in, "monitored-users")["rows"]
    assert amy["cells"][0] == {"text": "amy@acme.example", "href": "/0/admin/user-monitoring/3"}
    assert amy["cells"][3] == (now - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M UTC")
    assert amy["cells"][6] == (now - timedelta(days=3)).strftime("%Y-%m-%d %H:%M UTC")
    assert zed["cells"][1:] == ["Queued", "Connection issues", "Never", "1,234,567", "", "2026-11-27 14:03 UTC"]


def test_user_detail_page(signed_in: httpx.Client, portal: Any, tenant_file: Path) -> None:
    """The detail page's heading is the email and its description list shows every API field."""
    portal.control.load_tenant(tenant_file)
    html = signed_in.get("/0/admin/user-monitoring/7").text
    assert "<h1>Zed@acme.example</h1>" in html
    for label, value in [("Sync state", "Queued"), ("Emails processed", "1,234,567"),
                         ("Last connection", "Never"), ("User created", "2026-11-27 14:03 UTC"),
                         ("Addin version", "None"), ("Api ping", "Never")]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in html
    assert signed_in.get("/0/admin/user-monitoring/999").status_code == 404


def test_portal_users_groups_audit_and_tokens(signed_in: httpx.Client, portal: Any) -> None:
    """The other lists filter, sort and format as the model says."""
    portal.control.load_tenant("one-page")
    users = rows(signed_in, "portal-users")
    assert first_cells(users) == ["Entra SSO Admin", "Password Admin", "Security Admin", "Okta SSO Admin"]
    assert users["rows"][1]["cells"][3] == "Logs, Configuration, User Management, Remediation"
    assert [a["label"] for a in users["rows"][0]["actions"]] == ["Edit", "Remove"]
    assert rows(signed_in, "portal-users", q="SSO")["total"] == 2
    assert rows(signed_in, "portal-users", status="Invited")["total"] == 0
    groups = rows(signed_in, "groups")
    assert first_cells(groups) == ["All staff", "Empty group", "Executives"]
    assert groups["rows"][2]["cells"][1] == "5"
    members = rows(signed_in, "groups/1/members")
    assert members["rows"][0]["cells"] == ["*@acme.example", "Domain"]
    events = rows(signed_in, "audit-events", category="Authentication", limit=100)
    assert events["total"] == 20 and {r["cells"][1] for r in events["rows"]} == {"Authentication"}
    tokens = rows(signed_in, "api-tokens")
    assert tokens["rows"][0]["cells"][:2] == ["Connector (read-only)", "security.admin@acme.example"]


def test_audit_date_range(signed_in: httpx.Client, portal: Any) -> None:
    """From/To are whole UTC days, To inclusive; events are newest first."""
    portal.control.clock(freeze=True)
    portal.control.load_tenant("one-page")
    now = datetime.fromtimestamp(portal.control.clock()["epoch"], UTC)
    day = (now - timedelta(days=2)).strftime("%Y-%m-%d")
    got = rows(signed_in, "audit-events", limit=100, **{"from": day, "to": day})
    times = [r["cells"][0] for r in got["rows"]]
    assert got["total"] > 0 and all(t.startswith(day) for t in times)
    assert times == sorted(times, reverse=True)


def test_group_detail_and_directory_sync_pages(signed_in: httpx.Client, portal: Any) -> None:
    """Group detail: heading = group name, table "Group members", its buttons; Directory Sync: a dl."""
    portal.control.load_tenant("one-page")
    html = signed_in.get("/0/admin/groups/2").text
    assert "<h1>Executives</h1>" in html and "<caption>Group members</caption>" in html
    assert ">Add members</button>" in html and ">Delete group</button>" in html
    assert signed_in.get("/0/admin/groups/99").status_code == 404
    sync = signed_in.get("/0/admin/integrations/directory-sync").text
    for label, value in [("Provider", "Okta"), ("Status", "Healthy"), ("Users synced", "250"),
                         ("Last error", "None")]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in sync


def test_data_endpoint_needs_a_session(http: httpx.Client) -> None:
    """Without a session the internal endpoint answers 401 JSON (the page script then signs in)."""
    response = http.get("/0/data/monitored-users")
    assert response.status_code == 401 and response.json() == {"error": "session_expired"}


DESTRUCTIVE = ["/0/admin/portal-users/invite", "/0/admin/portal-users/a%40acme.example/edit",
               "/0/admin/portal-users/a%40acme.example/remove", "/0/admin/groups/1/members/add",
               "/0/admin/groups/1/delete", "/0/admin/integrations/api/tokens/create"]


def test_destructive_endpoints_record_every_call(signed_in: httpx.Client, portal: Any) -> None:
    """Each destructive POST that reaches the app is recorded; reads and sign-in posts are not."""
    for path in ["/0/dashboard", "/0/admin/portal-users", "/0/data/portal-users"]:
        signed_in.get(path)
    assert portal.control.writes() == []
    for path in DESTRUCTIVE:
        assert signed_in.post(path).status_code == 303
    signed_in.delete("/0/admin/groups/1/delete")
    recorded = [(w["method"], w["path"]) for w in portal.control.writes()]
    assert recorded == [("POST", p.replace("%40", "@")) for p in DESTRUCTIVE] + [("DELETE", "/0/admin/groups/1/delete")]


def test_request_log_entries(signed_in: httpx.Client, portal: Any) -> None:
    """Each request is logged with method, path, query, status and time; control calls are not."""
    signed_in.get("/0/data/groups", params={"offset": 0, "limit": 25})
    entry = portal.control.requests()[-1]
    assert entry["method"] == "GET" and entry["path"] == "/0/data/groups"
    assert entry["query"] == "offset=0&limit=25" and entry["status"] == 200
    assert entry["time"].endswith("Z") and entry["duration_ms"] >= 0
    assert not any(e["path"].startswith("/__control") for e in portal.control.requests())


def test_request_log_file_is_json_lines(portal_factory: Any, tmp_path: Path, password_admin: Any) -> None:
    """With a log path the same entries are appended to a JSON-lines file, secrets masked."""
    log = tmp_path / "requests.jsonl"
    other = portal_factory("one-user", request_log_path=log)
    with httpx.Client(base_url=other.url) as client:
        client.post("/login/password", data={"email": password_admin.email, "password": password_admin.password})
        client.get("/login/sso/callback", params={"state": "s3cret", "code": "c0de", "email": "x@y.z"})
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["path"] for e in lines[-2:]] == ["/login/password", "/login/sso/callback"]
    assert lines[-1]["query"] == "state=%2A%2A%2A&code=%2A%2A%2A&email=x%40y.z"
    assert password_admin.password not in log.read_text()


def test_bad_tenant_via_control_names_file_and_field(portal: Any, tmp_path: Path) -> None:
    """Loading a malformed tenant answers 400 with one line naming the file and field."""
    bad = tmp_path / "bad.json"
    data = json.loads((TENANTS / "one-user.json").read_text())
    data["portal_users"][0]["role"] = "Owner"
    bad.write_text(json.dumps(data))
    response = portal.control.client.post("/tenant", json={"path": str(bad)})
    assert response.status_code == 400
    assert response.json()["error"] == (f"{bad}: portal_users[0].role: 'Owner' is not one of "
                                        "Administrator, Security Analyst, Viewer")
    unknown = portal.control.client.post("/tenant", json={"name": "nope"})
    assert unknown.status_code == 400 and "unknown tenant scenario 'nope'" in unknown.json()["error"]
