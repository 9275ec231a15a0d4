"""The PostgreSQL history store (setting `history_url`), through psycopg 3.

Same tables and behaviour as the SQLite file, with native types (timestamptz, jsonb). The URL
never carries a password (config refuses it); libpq takes it from TESSIAN_HISTORY_PASSWORD
(passed here), PGPASSWORD or ~/.pgpass. Every psycopg error becomes a one-line ConfigError that
names the setting, so a wrong URL or an unreachable server is an exit 2, not a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from connector.errors import ConfigError

CONNECT_TIMEOUT_S = 10  # unless the URL says otherwise: an unreachable host fails, not hangs
SCHEMA_LOCK = 0x7E55_1A4  # advisory lock key: concurrent first runs create the tables once
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL,
        verdict TEXT NOT NULL,
        counts JSONB NOT NULL,
        surface_counts JSONB NOT NULL,
        run_type TEXT NOT NULL DEFAULT 'scheduled',
        propagation JSONB
    )""",
    "CREATE INDEX IF NOT EXISTS runs_by_tenant ON runs (tenant, finished_at)",
    """CREATE TABLE IF NOT EXISTS findings (
        run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        outcome TEXT NOT NULL,
        open_since TIMESTAMPTZ,
        finding JSONB NOT NULL,
        PRIMARY KEY (run_id, key)
    )""",
)
REMEDY = ("Check history_url (host, port, database, user); the password comes from "
          "TESSIAN_HISTORY_PASSWORD, PGPASSWORD or ~/.pgpass.")


class _Db:
    """A psycopg connection speaking the history's `?` placeholders."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        return self._conn.execute(_pyformat(sql), params)

    def executemany(self, sql: str, rows: Any) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(_pyformat(sql), list(rows))


class PostgresBackend:
    """The history in a PostgreSQL database (its tables are created on first use)."""

    def __init__(self, url: str, *, password: str | None = None) -> None:
        self.url = url
        self._password = password
        self._ready = False  # tables checked by this process

    def exists(self) -> bool:
        return True  # a database is there or connecting says why; tables come on first use

    @contextmanager
    def connect(self, *, write: bool) -> Iterator[_Db]:
        """One transaction (committed on success, rolled back on error); errors as ConfigError."""
        try:
            with psycopg.connect(self.url, **self._options()) as conn:
                if not self._ready:
                    _create_tables(conn)
                    self._ready = True
                with conn.transaction():
                    yield _Db(conn)
        except psycopg.OperationalError as exc:
            raise ConfigError(f"history_url {self.url}: cannot use the PostgreSQL history: "
                              f"{one_line(exc)}", remedy=REMEDY) from exc
        except psycopg.Error as exc:
            raise ConfigError(f"history_url {self.url}: the PostgreSQL history store failed: "
                              f"{one_line(exc)}", remedy=REMEDY) from exc

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"autocommit": True}
        if "connect_timeout" not in self.url:
            options["connect_timeout"] = CONNECT_TIMEOUT_S
        if self._password:
            options["password"] = self._password
        return options


def _create_tables(conn: psycopg.Connection[Any]) -> None:
    """CREATE ... IF NOT EXISTS races between sessions in PostgreSQL: serialise it."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        for statement in SCHEMA:
            conn.execute(statement)


def _pyformat(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (the history's SQL holds no other `?` or `%`)."""
    return sql.replace("?", "%s")


def one_line(exc: BaseException) -> str:
    """A psycopg message (often several lines: DETAIL, HINT) on one line."""
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
