"""The identity provider's sign-in pages that "Sign in with SSO" leads to: Okta and Microsoft.

Okta-hosted (Sign-In Widget): Username + Password + "Sign In" on one page, or the Identity
Engine's Username -> "Next" -> Password -> "Verify". Microsoft: email -> "Next" -> password ->
"Sign in" -> optional "Stay signed in?" (answered "No": no long-lived IdP cookie in our state).
Locators are overridable with the key `sso.<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from playwright.sync_api import Page

from flows.pages.login import Factory, Locators

SSO_LOCATORS: dict[str, Factory] = {
    "okta_username": lambda p: p.get_by_label("Username", exact=True),
    "okta_password": lambda p: p.get_by_label("Password", exact=True),
    "okta_submit": lambda p: p.get_by_role("button", name=re.compile(r"^(Sign In|Next|Verify)$")),
    "ms_email": lambda p: p.get_by_label(re.compile(r"email, phone, or Skype", re.IGNORECASE)),
    "ms_next": lambda p: p.get_by_role("button", name="Next", exact=True),
    "ms_password": lambda p: p.get_by_label(re.compile(r"^Enter the password for", re.IGNORECASE)),
    "ms_sign_in": lambda p: p.get_by_role("button", name="Sign in", exact=True),
    "ms_stay_heading": lambda p: p.get_by_role("heading", name="Stay signed in?"),
    "ms_stay_no": lambda p: p.get_by_role("button", name="No", exact=True),
    "alert": lambda p: p.get_by_role("alert"),
    "heading": lambda p: p.get_by_role("heading"),
}

# Alerts that mean "wrong username or password" on either provider.
REJECTED = re.compile(
    r"unable to sign in|account or password is incorrect|password is incorrect"
    r"|authentication failed",
    re.IGNORECASE,
)
# Steps the connector cannot answer: push, number matching, SMS or email codes, security keys.
UNANSWERABLE = re.compile(
    r"okta verify|push|approve|verify (it'?s you|your identity)|enter code|security key"
    r"|authenticator|more information required",
    re.IGNORECASE,
)


class SsoPage:
    """Whatever IdP page the browser shows during an SSO sign-in."""

    def __init__(self, page: Page, overrides: Mapping[str, str] | None = None) -> None:
        self.page = page
        self.locators = Locators(page, "sso", SSO_LOCATORS, overrides or {})

    def step(self) -> str | None:
        """The IdP step shown: ms_stay, ms_password, ms_email, okta_password, okta_username,
        okta_sign_in, unanswerable, or None (not recognised, or not loaded yet)."""
        seen = self.locators.visible
        if seen("ms_stay_heading"):
            return "ms_stay"
        if seen("ms_password"):
            return "ms_password"
        if seen("ms_email"):
            return "ms_email"
        user, password = seen("okta_username"), seen("okta_password")
        if user or password:
            return {(True, True): "okta_sign_in", (True, False): "okta_username"}.get(
                (user, password), "okta_password"
            )
        return "unanswerable" if UNANSWERABLE.search(self.heading()) else None

    def heading(self) -> str:
        """The first heading's text ('' when none), for messages and recognition."""
        return self.locators.text("heading")

    def alert(self) -> str:
        """The text of the IdP's alert ('' when none)."""
        return self.locators.text("alert") if self.locators.visible("alert") else ""

    def answer(self, step: str, username: str, password: str) -> None:
        """Fill and submit one recognised step."""
        if step == "ms_stay":
            self._submit({}, "ms_stay_no")
        elif step == "ms_email":
            self._submit({"ms_email": username}, "ms_next")
        elif step == "ms_password":
            self._submit({"ms_password": password}, "ms_sign_in")
        else:
            values = {"okta_username": username, "okta_password": password}
            wanted = {"okta_sign_in": values, "okta_username": {"okta_username": username}}
            self._submit(wanted.get(step, {"okta_password": password}), "okta_submit")

    def _submit(self, values: Mapping[str, str], button: str) -> None:
        for name, value in values.items():
            self.locators[name].fill(value)
        self.locators[button].click()
