"""Directory Sync (`/0/admin/integrations/directory-sync`): how the directory reaches Tessian."""

from __future__ import annotations

from typing import ClassVar

from connector.models import DirectorySync
from flows.pages.base import BasePage, Spec, role, wait_terms
from flows.table import parse_optional_int, parse_optional_text, parse_time

NOT_CONFIGURED = "Not configured"
LABELS = ("Provider", "Status", "Last successful sync", "Last attempt", "Users synced", "Last error")


class DirectorySyncPage(BasePage):
    """A description list: Provider, Status, Last successful sync, Last attempt, Users synced, …"""

    NAME = "directory_sync"
    PATH = "/0/admin/integrations/directory-sync"
    HEADING = "Directory Sync"
    LOCATORS: ClassVar[dict[str, Spec]] = {"details": role("main")}
    KEY_CONTROLS = ("details",)

    def open(self) -> None:
        """Open the page and wait for its description list."""
        self.goto(self.PATH)
        wait_terms(self, "Provider")

    def read(self) -> DirectorySync:
        """Open the page and parse its description list into a DirectorySync record."""
        self.goto(self.PATH)
        terms = wait_terms(self, "Provider")
        get = {label: terms.get("".join(c for c in label.casefold() if c.isalnum()), "")
               for label in LABELS}
        return DirectorySync(
            # A tenant with no directory connected shows "Not configured" (the model's None).
            provider=_provider(get["Provider"]),
            status=get["Status"],  # type: ignore[arg-type]
            last_successful_sync=parse_time(get["Last successful sync"]),
            last_attempt=parse_time(get["Last attempt"]),
            users_synced=parse_optional_int(get["Users synced"]),
            last_error=parse_optional_text(get["Last error"]),
        )


def _provider(shown: str) -> str | None:
    """The provider's name, None when the page says no directory is connected."""
    return None if shown == NOT_CONFIGURED else shown

