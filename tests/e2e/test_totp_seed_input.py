"""A TOTP seed typed the way authenticator set-ups show it (groups of four, lower case) signs in."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_spaced_lower_case_seed_signs_in(cli: Any, h: Any, portal: Any, demo_export: Any,
                                        demo_config: Any) -> None:
    """verify with 'jbsw y3dp …' as --totp-secret signs in with two-factor and reaches the demo's
    verdict (drift, exit 1); once this seed was 'unexpected Error … this is a bug', exit 3."""
    email, password, seed = h.admin
    spaced = " ".join(seed[i:i + 4] for i in range(0, len(seed), 4)).lower()
    result = cli("--config", str(demo_config), "--tenant", "demo", "verify", "--portal-url",
                 portal.url, "--portal-email", email, "--portal-password", password,
                 "--totp-secret", spaced, "--idp", "file", "--idp-file", str(demo_export))
    assert result.code == 1, result.err
    assert "verdict: drift" in result.out
