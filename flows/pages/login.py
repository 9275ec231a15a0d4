"""The portal's sign-in page (portal-model.md, "Session and sign-in"): email, password, 2FA.

Locators are defined once here, each overridable with the key `login.<name>` (any Playwright
selector string), like the list pages' `<page>.<name>` keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

Factory = Callable[[Page], Locator]


class Locators:
    """Named default locators with per-name overrides (`<prefix>.<name>` -> selector)."""

    def __init__(
        self, page: Page, prefix: str, defaults: Mapping[str, Factory], overrides: Mapping[str, str]
    ) -> None:
        self.page, self.prefix, self.defaults, self.overrides = page, prefix, defaults, overrides

    def __getitem__(self, name: str) -> Locator:
        selector = self.overrides.get(f"{self.prefix}.{name}")
        return self.page.locator(selector) if selector else self.defaults[name](self.page)

    def visible(self, name: str) -> bool:
        """True when the locator's first match is visible now (no waiting)."""
        try:
            return self[name].first.is_visible()
        except PlaywrightError:  # the page navigated while we looked
            return False

    def text(self, name: str) -> str:
        """The visible text of the first match, or '' when there is none."""
        try:
            found = self[name]
            return found.first.inner_text(timeout=1_000).strip() if found.count() else ""
        except PlaywrightError:
            return ""


LOGIN_LOCATORS: dict[str, Factory] = {
    "heading": lambda p: p.get_by_role("heading", name="Sign in to Tessian"),
    "email": lambda p: p.get_by_label("Email address", exact=True),
    "continue": lambda p: p.get_by_role("button", name="Continue", exact=True),
    "password": lambda p: p.get_by_label("Password", exact=True),
    "sign_in": lambda p: p.get_by_role("button", name="Sign in", exact=True),
    "sso": lambda p: p.get_by_role("link", name="Sign in with SSO"),
    "two_factor": lambda p: p.get_by_role("heading", name="Two-factor authentication"),
    "code": lambda p: p.get_by_label("Authentication code", exact=True),
    "verify": lambda p: p.get_by_role("button", name="Verify", exact=True),
    "alert": lambda p: p.get_by_role("alert"),
    "sign_out": lambda p: p.get_by_role("button", name="Sign out"),
}

# What the portal's alerts say (portal-model.md); matched loosely, case-insensitively.
INCORRECT = re.compile(r"incorrect (email|e-mail) or password", re.IGNORECASE)
LOCKED = re.compile(r"too many attempts|account is locked|locked for", re.IGNORECASE)
INVALID_CODE = re.compile(r"invalid (authentication )?code", re.IGNORECASE)
SSO_NOT_ENABLED = re.compile(r"single sign-on is not enabled", re.IGNORECASE)
SSO_FAILED = re.compile(r"single sign-on failed", re.IGNORECASE)


class LoginPage:
    """The portal's `/login` steps: email -> Continue -> password (or SSO) -> optional 2FA."""

    PATH = "/login"

    def __init__(self, page: Page, overrides: Mapping[str, str] | None = None) -> None:
        self.page = page
        self.locators = Locators(page, "login", LOGIN_LOCATORS, overrides or {})

    def open(self, base_url: str, next_path: str) -> int:
        """Load the sign-in page, asking to land on `next_path` afterwards; the HTTP status."""
        response = self.page.goto(
            f"{base_url.rstrip('/')}{self.PATH}?{urlencode({'next': next_path})}"
        )
        return response.status if response is not None else 200

    def step(self) -> str | None:
        """Which step the page shows: `two_factor`, `password`, `email`, or None."""
        if self.locators.visible("code") or self.locators.visible("two_factor"):
            return "two_factor"
        if self.locators.visible("password"):
            return "password"
        if self.locators.visible("email"):
            return "email"
        return None

    def alert(self) -> str:
        """The text of the page's alert ('' when none is shown)."""
        return self.locators.text("alert") if self.locators.visible("alert") else ""

    def submit_email(self, email: str) -> None:
        """Type the email address and press Continue."""
        self.locators["email"].fill(email)
        self.locators["continue"].click()

    def submit_password(self, password: str) -> None:
        """Type the password and press Sign in."""
        self.locators["password"].fill(password)
        self.locators["sign_in"].click()

    def choose_sso(self) -> None:
        """Follow "Sign in with SSO" to the tenant's identity provider."""
        self.locators["sso"].click()

    def submit_code(self, code: str) -> None:
        """Type the two-factor code and press Verify."""
        self.locators["code"].fill(code)
        self.locators["verify"].click()

    def signed_in(self) -> bool:
        """True when the banner's "Sign out" button shows (an authenticated page)."""
        return self.locators.visible("sign_out")

    def wait_signed_in(self, timeout_ms: int) -> bool:
        """Wait up to `timeout_ms` for the banner's "Sign out"; True when it showed."""
        try:
            self.locators["sign_out"].first.wait_for(state="visible", timeout=timeout_ms)
            return True
        except PlaywrightError:
            return False

    def sign_out(self) -> bool:
        """Press "Sign out" when it shows; True when it was pressed."""
        if not self.signed_in():
            return False
        self.locators["sign_out"].first.click()
        return True
