"""ui_changed evidence keeps the page's structure and hides its people, in 0600 files.

The read stops on a renamed column; the screenshot it leaves is compared, box by box, with the
page still open: every data row and the banner (the signed-in admin) are solid mask colour, the
heading is not, and an unmasked screenshot of the same page shows the rows (so the check can
fail). The ARIA snapshot names no address of the tenant.
"""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from connector.models import CollectionErrorKind as K
from flows.session import PortalSession

from .conftest import MakeSession
from .reading import addresses, read_users, tenant
from tests.evidence import MAGENTA_IN_BOXES_JS

pytestmark = pytest.mark.integration

Box = dict[str, float]



BOXES_JS = """(selector) => [...document.querySelectorAll(selector)]
  .map(e => e.getBoundingClientRect())
  .filter(r => r.height > 4 && r.top >= 0 && r.bottom <= window.innerHeight)
  .map(r => ({x: Math.round(r.left) + 2, y: Math.round(r.top) + 2,
              width: Math.round(r.width) - 4, height: Math.round(r.height) - 4}))"""


def _inner_boxes(page: Page, selector: str) -> list[Box]:
    """Boxes (shrunk 2 px against anti-aliasing) of the matches fully inside the viewport."""
    return list(page.evaluate(BOXES_JS, selector))


def _magenta(session: PortalSession, png: bytes, boxes: list[Box]) -> list[float]:
    """The mask-colour share of each box in `png`, decoded by a blank page's canvas."""
    blank = session.context.new_page()
    try:
        return list(blank.evaluate(MAGENTA_IN_BOXES_JS, [base64.b64encode(png).decode(), boxes]))
    finally:
        blank.close()


def _ui_changed(portal: Any, make_session: MakeSession) -> tuple[PortalSession, list[Path]]:
    """Read User Monitoring with a renamed column; the session and the evidence files."""
    session = make_session(evidence=True)
    portal.control.faults(layout="renamed_column")
    _, collection = read_users(session)
    error = next(e for e in collection.errors if e.kind == K.UI_CHANGED)
    assert session.evidence_dir is not None and error.evidence
    return session, [session.evidence_dir.parent / p for p in error.evidence]


@pytest.mark.usefixtures("umask022")
def test_ui_changed_screenshot_masks_every_row_and_the_banner(
    portal: Any, make_session: MakeSession
) -> None:
    """Each visible data row and the banner are >= 99% mask colour in the evidence screenshot
    and < 5% in an unmasked one; the heading stays readable (< 5% masked)."""
    session, files = _ui_changed(portal, make_session)
    shot = next(p for p in files if p.suffix == ".png")
    rows = _inner_boxes(session.page, "tr:has(td)")
    banner, heading = (_inner_boxes(session.page, s) for s in ("header[role=banner], header",
                                                                "main h1"))
    assert len(rows) >= 10 and banner and heading
    masked = _magenta(session, shot.read_bytes(), [*rows, *banner, *heading])
    plain = _magenta(session, session.page.screenshot(), [*rows, *banner])
    assert min(masked[:-len(heading)]) >= 0.99, masked
    assert max(masked[-len(heading):]) < 0.05
    assert max(plain) < 0.05


@pytest.mark.usefixtures("umask022")
def test_ui_changed_evidence_is_private_and_names_nobody(
    portal: Any, make_session: MakeSession
) -> None:
    """Both evidence files are 0600; the ARIA snapshot holds no address of the tenant (nor any
    '@'), yet keeps the heading, the table's name and its column headers."""
    _, files = _ui_changed(portal, make_session)
    assert {p.suffix: stat.S_IMODE(p.stat().st_mode) for p in files} == {".png": 0o600,
                                                                        ".yml": 0o600}
    aria = next(p for p in files if p.suffix == ".yml").read_text(encoding="utf-8")
    known = addresses(tenant("demo")) | {"password.admin@acme.example"}
    assert [a for a in known if a in aria] == [] and "@" not in aria
    for kept in ('heading "User Monitoring"', 'table "Monitored users"', "columnheader"):
        assert kept in aria
