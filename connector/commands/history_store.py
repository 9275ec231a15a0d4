"""The configured history store of a command: PostgreSQL (history_url) or the SQLite file."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from connector.commands.context import Wiring
from connector.private_files import private_dir

if TYPE_CHECKING:
    from connector.history import History


def history_of(w: Wiring) -> History:
    """The tenant's history store; the state folder is made private first (SQLite lives there)."""
    from connector.history import open_history

    if w.history_url:
        # libpq reads PGPASSWORD itself; should it ever reach a message, it is redacted there.
        w.redactor.add([os.environ.get("PGPASSWORD")])
    else:
        private_dir(w.state_dir)
    password = w.history_password.get_secret_value() if w.history_password else None
    return open_history(w.history_path, w.history_url, password)
