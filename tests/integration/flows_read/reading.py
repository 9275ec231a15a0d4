"""Small helpers shared by the reader tests."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from connector.models import Collection, CollectionErrorKind, MonitoredUser
from flows.collect import ReadOptions, collect
from flows.session import PortalSession

TENANTS = Path(__file__).resolve().parents[3] / "fixtures" / "tenants"
FAST = ReadOptions(page_timeout_ms=4_000, retry_attempts=3, retry_backoff_s=0.05)


def tenant(name_or_path: str | Path) -> dict[str, Any]:
    """A tenant file's data (scenario name or path)."""
    path = Path(name_or_path)
    if not path.suffix:
        path = TENANTS / f"{name_or_path}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def addresses(data: dict[str, Any]) -> set[str]:
    """The monitored users' addresses of a tenant file, case-folded."""
    return {u["address"].casefold() for u in data["monitored_users"]}


def read_users(session: PortalSession, **options: Any) -> tuple[list[MonitoredUser], Collection]:
    """Read User Monitoring alone through `collect` (DOM mode unless told otherwise)."""
    result = collect(session, replace(FAST, surfaces=("user_monitoring",), **options))
    found = result.collection("user_monitoring")
    assert found is not None
    return list(result.monitored_users), found


def kinds(collection: Collection, *, fatal: bool | None = None) -> set[CollectionErrorKind]:
    """The error kinds a collection recorded (only fatal / only notes when asked)."""
    return {e.kind for e in collection.errors if fatal is None or e.fatal == fatal}


def assert_incomplete_because(collection: Collection, kind: CollectionErrorKind) -> None:
    """An incomplete read that names `kind` among its fatal errors."""
    assert not collection.complete
    assert kind in kinds(collection, fatal=True), collection.errors


def assert_complete(collection: Collection, total: int) -> None:
    """A complete read of `total` rows, no fatal error."""
    assert collection.complete, collection.errors
    assert collection.expected_count == collection.read_count == total
    assert not kinds(collection, fatal=True)
