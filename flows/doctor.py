"""Doctor: open every page of the portal and compare it with its page object's fingerprint.

Each page gets a `PageCheck`: ok, or the locator (override key) that no longer matches, with a
screenshot (data rows, values and banner masked) and the page's structure-only ARIA snapshot
saved as evidence (flows.pages.evidence), so an operator can re-point a locator with an override
without reading code. A page during whose visit the read-only guard blocked a write fails too,
naming the write (writes blocked before the first page count against the first page, so none
slips through unreported).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from connector.errors import PortalError, SessionExpired, UiChanged
from connector.models import PageCheck
from flows.pages.api_tokens import ApiTokensPage
from flows.pages.audit_trail import AuditTrailPage
from flows.pages.base import BasePage
from flows.pages.dashboard import DashboardPage
from flows.pages.directory_sync import DirectorySyncPage
from flows.pages.evidence import save_evidence
from flows.pages.groups import GroupsPage
from flows.pages.portal_users import PortalUsersPage
from flows.pages.user_monitoring import UserMonitoringPage
from flows.session import PortalSession, private_dir

log = logging.getLogger(__name__)

PageFactory = Callable[[PortalSession], BasePage]
DEFAULT_PAGES: tuple[PageFactory, ...] = (
    DashboardPage,
    UserMonitoringPage,
    PortalUsersPage,
    GroupsPage,
    AuditTrailPage,
    DirectorySyncPage,
    ApiTokensPage,
)


def doctor(
    session: PortalSession, evidence_dir: Path, pages: Sequence[PageFactory] | None = None
) -> list[PageCheck]:
    """Check every page (default: all pages of portal-model.md) and return one check per page."""
    private_dir(evidence_dir)
    checks, seen = [], 0
    for factory in pages or DEFAULT_PAGES:
        page = factory(session)
        page.timeout_ms = session.options.timeout_ms
        check = check_page(session, page, evidence_dir)
        blocked = [e.message for e in session.violation_errors()]
        checks.append(_with_blocked(session, check, blocked[seen:], evidence_dir))
        seen = len(blocked)
    return checks


def _with_blocked(
    session: PortalSession, check: PageCheck, blocked: Sequence[str], evidence_dir: Path
) -> PageCheck:
    """A page that tried to write is not healthy, whatever its fingerprint says."""
    if not blocked:
        return check
    why = "; ".join(dict.fromkeys(blocked))
    if not check.ok:
        return check.model_copy(update={"message": f"{check.message}; {why}"})
    return _failed(session.page, check.page, check.url, evidence_dir, None, why)


def check_page(session: PortalSession, page: BasePage, evidence_dir: Path) -> PageCheck:
    """Open one page and compare it with its fingerprint."""
    url = session.url(page.PATH)
    try:
        page.goto(page.PATH)
        page.check_fingerprint()
    except SessionExpired:
        raise  # not a page problem: the whole doctor run cannot go on
    except UiChanged as exc:
        return _failed(session.page, page.NAME, url, evidence_dir, exc.locator, exc.message)
    except PortalError as exc:
        return _failed(session.page, page.NAME, url, evidence_dir, None, exc.message)
    log.info("doctor: %s matches its fingerprint", page.NAME)
    return PageCheck(page=page.NAME, url=url, ok=True, message="matches its fingerprint")


def _failed(
    page: Page, name: str, url: str, evidence_dir: Path, locator: str | None, message: str
) -> PageCheck:
    log.warning("doctor: %s does not match: %s", name, message)
    shot, aria = _evidence(page, name, evidence_dir)
    return PageCheck(
        page=name,
        url=url,
        ok=False,
        failed_locator=locator,
        message=message,
        screenshot=shot,
        aria_snapshot=aria,
    )


def _evidence(page: Page, name: str, evidence_dir: Path) -> tuple[str | None, str | None]:
    """A masked screenshot and the structure-only ARIA snapshot of the page, as files (0600)."""
    try:
        shot, aria = save_evidence(page, evidence_dir, f"doctor-{name}", full_page=True)
    except PlaywrightError as exc:
        log.warning("doctor: no evidence for %s: %s", name, exc.message)
        shot = evidence_dir / f"doctor-{name}.png"
        return (str(shot) if shot.exists() else None), None
    return str(shot), str(aria)
