"""Spot check: is this address on User Monitoring, and on Portal Users? With screenshot evidence.

Each address is typed into each page's search box, as an admin would. The answer is the row
found, or proof of absence: a complete read of the search's results (the "No results" empty state
when nothing matched) without that address. A search that never settled, or a read that could
not be proven complete, gives `conclusive=False`; so does every search of a session in which the
read-only guard blocked a write (a page that tries to write is not one to believe). Evidence is an element screenshot of the page's
main region with every other data row and the banner masked (they hold other people's PII).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from connector.errors import PortalError
from connector.models import MonitoredUser, PortalUser, SpotCheckResult
from connector.private_files import write_private
from flows.pages.paging import ListRead, ReadablePage
from flows.pages.portal_users import PortalUsersPage
from flows.pages.user_monitoring import UserMonitoringPage
from flows.session import PortalSession, private_dir
from flows.sign_in import account_key

log = logging.getLogger(__name__)

SpotSurface = Literal["user_monitoring", "portal_users"]


class _Searchable(Protocol):
    def search_state(self, text: str, wait_s: float = 3.0) -> dict[str, str]: ...


def spot_check(
    session: PortalSession, emails: Sequence[str], evidence_dir: Path
) -> list[SpotCheckResult]:
    """For each address, one result per surface (User Monitoring, then Portal Users)."""
    private_dir(evidence_dir)
    results: list[SpotCheckResult] = []
    timeout = session.options.timeout_ms
    for email in emails:
        for page in (
            UserMonitoringPage(session, timeout_ms=timeout),
            PortalUsersPage(session, timeout_ms=timeout),
        ):
            results.append(_check(session, page, email, evidence_dir))
    return distrust_if_blocked(results, [e.message for e in session.violation_errors()])


def distrust_if_blocked(
    results: list[SpotCheckResult], blocked: Sequence[str]
) -> list[SpotCheckResult]:
    """Every result turns inconclusive, naming the blocked writes, when the guard blocked any."""
    if not blocked:
        return results
    why = "; ".join(dict.fromkeys(blocked))  # the same post on every page load: name it once
    log.warning("spot check not conclusive: %s", why)
    return [
        r.model_copy(update={"conclusive": False, "message": f"not conclusive: {why} "
                             f"(the search said: {r.message})"})
        for r in results
    ]


def _address(record: MonitoredUser | PortalUser) -> str:
    return record.address if isinstance(record, MonitoredUser) else record.email


def _check(
    session: PortalSession,
    page: ReadablePage[MonitoredUser] | ReadablePage[PortalUser],
    email: str,
    evidence_dir: Path,
) -> SpotCheckResult:
    surface: SpotSurface = (
        "user_monitoring" if isinstance(page, UserMonitoringPage) else "portal_users"
    )
    wanted = email.strip().casefold()
    try:
        query = page.search_state(email.strip())
        read: ListRead[MonitoredUser] | ListRead[PortalUser] = page.read(query)
    except PortalError as exc:
        return _inconclusive(email, surface, f"the search did not settle: {exc.message}")
    if not read.collection.complete:
        reasons = "; ".join(e.message for e in read.collection.errors if e.fatal)
        return _inconclusive(
            email, surface, f"the search results could not be read completely: {reasons}"
        )
    matches = [r for r in read.records if _address(r).strip().casefold() == wanted]
    shown_as = _address(matches[0]) if matches else email.strip()  # the row's own spelling
    shot = _evidence(session.page, page, shown_as, surface, evidence_dir)
    return _result(email, surface, matches, len(read.records), shot)


def _result(
    email: str,
    surface: SpotSurface,
    matches: Sequence[MonitoredUser | PortalUser],
    shown: int,
    shot: str | None,
) -> SpotCheckResult:
    evidence = (shot,) if shot else ()
    if not matches:
        why = "No results" if shown == 0 else f"{shown} other result(s), none with this address"
        return SpotCheckResult(
            email=email,
            surface=surface,
            found=False,
            conclusive=True,
            evidence=evidence,
            message=f"absent: the search shows {why}",
        )
    record = matches[0]
    return SpotCheckResult(
        email=email,
        surface=surface,
        found=True,
        conclusive=len(matches) == 1,
        evidence=evidence,
        monitored_user=record if isinstance(record, MonitoredUser) else None,
        portal_user=record if isinstance(record, PortalUser) else None,
        message="found" if len(matches) == 1 else f"found {len(matches)} rows with this address",
    )


def _inconclusive(email: str, surface: SpotSurface, message: str) -> SpotCheckResult:
    log.warning("spot check of %s on %s inconclusive: %s", email, surface, message)
    return SpotCheckResult(
        email=email, surface=surface, found=False, conclusive=False, message=message
    )


def _evidence(
    page: Page,
    list_page: ReadablePage[MonitoredUser] | ReadablePage[PortalUser],
    email: str,
    surface: SpotSurface,
    evidence_dir: Path,
) -> str | None:
    """Screenshot the page's main region; mask the banner and every data row but this one."""
    rows = page.get_by_role("row").filter(has=page.get_by_role("cell"))
    others = rows.filter(has_not=page.get_by_role("cell", name=email.strip(), exact=True))
    target = _region(page, list_page)
    path = evidence_dir / f"spot-{surface}-{account_key(email)}.png"  # no address in file names
    try:
        png = target.screenshot(mask=[others, page.get_by_role("banner")], animations="disabled")
    except PlaywrightError as exc:
        log.warning("no screenshot for the spot check on %s: %s", surface, exc.message)
        return None
    write_private(path, png)  # 0600 from the start (the browser's process writes no file)
    return str(path)


def _region(
    page: Page, list_page: ReadablePage[MonitoredUser] | ReadablePage[PortalUser]
) -> Locator:
    main = page.get_by_role("main")
    return main.first if main.count() else list_page.locator("table").first
