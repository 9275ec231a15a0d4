"""Builders for core unit tests: identities, rows, collections and snapshots with little typing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connector.models import (
    Collection,
    CollectionError,
    CollectionErrorKind,
    HistoryContext,
    Identity,
    IdentitySource,
    MonitoredUser,
    PortalUser,
    RunInfo,
    Snapshot,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class Build:
    """Static factories; every argument has a sensible default for a healthy tenant."""

    now = NOW

    @staticmethod
    def identity(email: str, *, id: str | None = None, active: bool = True, protected: bool = True,
                 portal_access: bool = False, aliases: Iterable[str] = (),
                 changed_ago: timedelta | None = None, **extra: Any) -> Identity:
        return Identity(id=id or f"id-{email}", email=email, active=active, protected=protected,
                        portal_access=portal_access, aliases=tuple(aliases), source="file",
                        changed_at=NOW - changed_ago if changed_ago is not None else None, **extra)

    @staticmethod
    def row(address: str, *, sync_state: str = "Live", status: str = "Good connection",
            created_ago: timedelta | None = None) -> MonitoredUser:
        created = NOW - created_ago if created_ago is not None else None
        return MonitoredUser(address=address, sync_state=sync_state, status=status,  # type: ignore[arg-type]
                             user_created=created)

    @staticmethod
    def account(email: str, *, status: str = "Active", role: str = "Administrator") -> PortalUser:
        return PortalUser(name=email.split("@")[0], email=email, role=role, status=status,  # type: ignore[arg-type]
                          sign_in_method="SSO")

    @staticmethod
    def collection(surface: str, count: int, *, complete: bool = True,
                   error: CollectionErrorKind | None = None, expected: int | None = None,
                   source: str = "dom", fatal: bool = True) -> Collection:
        errors = (CollectionError(kind=error, message=f"{error.value} on {surface}", fatal=fatal),) \
            if error else ()
        return Collection(surface=surface, source=source, complete=complete, read_count=count,  # type: ignore[arg-type]
                          expected_count=count if expected is None else expected, errors=errors)

    @staticmethod
    def snapshot(identities: Iterable[Identity] = (), rows: Iterable[MonitoredUser] = (),
                 accounts: Iterable[PortalUser] = (), *, collections: Iterable[Collection] | None = None,
                 source_complete: bool = True, no_source: bool = False,
                 history: HistoryContext | None = None) -> Snapshot:
        rows, accounts, identities = tuple(rows), tuple(accounts), tuple(identities)
        if collections is None:
            collections = (Build.collection("user_monitoring", len(rows)),
                           Build.collection("portal_users", len(accounts)))
        source = None if no_source else IdentitySource(
            kind="file", location="test.csv", complete=source_complete, identities=identities,
            errors=() if source_complete else ("page 3 failed",))
        run = RunInfo(run_id="run-1", tool_version="test", tenant="acme", portal_host="portal.test",
                      started_at=NOW - timedelta(minutes=3), finished_at=NOW)
        return Snapshot(run=run, monitored_users=rows, portal_users=accounts,
                        collections=tuple(collections), identity_source=source,
                        history=history or HistoryContext())


@pytest.fixture(scope="session")
def build() -> type[Build]:
    """The builders (session-scoped so hypothesis tests may use them)."""
    return Build
