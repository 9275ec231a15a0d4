"""Doctor's evidence on a changed layout: masked screenshots and structure-only ARIA, 0600."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from flows.doctor import doctor
from flows.pages.portal_users import PortalUsersPage
from flows.pages.user_monitoring import UserMonitoringPage
from tests.evidence import ADDRESS, MAGENTA_SHARE_JS

pytestmark = pytest.mark.integration


def test_doctor_evidence_is_masked_minimal_and_private(
    open_session: Any, creds: Any, tenant_portal: Any, tenant: dict[str, Any], tmp_path: Path
) -> None:
    """Under umask 022, each failed page's screenshot and ARIA snapshot are 0600; the snapshot
    names no address of the tenant (nor any '@') and the screenshot has masked regions."""
    people = set(ADDRESS.findall(str(tenant)))
    tenant_portal.control.faults(layout="renamed_column")
    previous = os.umask(0o022)
    try:
        with open_session(creds("password")) as s:
            checks = doctor(s, tmp_path / "evidence", pages=[UserMonitoringPage, PortalUsersPage])
            shots = [Path(c.screenshot or "").read_bytes() for c in checks]
            shares = [s.page.evaluate(MAGENTA_SHARE_JS, base64.b64encode(b).decode())
                      for b in shots]
    finally:
        os.umask(previous)
    assert [c.ok for c in checks] == [False, False] and people
    for check, share in zip(checks, shares, strict=True):
        files = [Path(check.screenshot or ""), Path(check.aria_snapshot or "")]
        assert [stat.S_IMODE(p.stat().st_mode) for p in files] == [0o600, 0o600]
        aria = files[1].read_text(encoding="utf-8")
        assert "@" not in aria and not [a for a in people if a in aria]
        assert "columnheader" in aria and share > 0.05
