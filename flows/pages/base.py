"""Shared page-object machinery: locator specs with overrides, fingerprints, page loading.

Every locator a page object uses is declared once, as a `Spec` under a local key ("heading",
"table", "status", …). Its public override key is `<page>.<key>` (e.g. `user_monitoring.table`);
an override value is any Playwright selector string (`role=grid[name="Users"]`, CSS, `text=…`).
Column header texts are overridable too: `<page>.column.<field>` -> the header text to look for.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Protocol
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from flows.table import norm_label, read_terms
from connector.errors import PageNotLoaded, PortalError, PortalUnavailable, UiChanged


class SessionLike(Protocol):
    """What page objects need from `flows.session.PortalSession`."""

    @property
    def page(self) -> Page: ...

    @property
    def base_url(self) -> str: ...

    def goto(self, path: str) -> Response | None: ...


class Maintenance(PortalUnavailable):
    """The portal answered with its maintenance page (HTTP 503 HTML)."""


class ServerError(PortalUnavailable):
    """The portal (page or one of its data calls) answered with a 5xx status."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimitedPage(PortalUnavailable):
    """The portal answered a page or data call with 429 Too Many Requests."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after(response: Response) -> float | None:
    """The Retry-After header in seconds (the seconds form only), or None."""
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


class DataLoadFailed(PortalUnavailable):
    """The page showed an alert instead of its rows (its data call failed)."""


class SignedOut(PortalError):
    """A page showed the sign-in page; the next navigation through the session signs in again."""


class PageIncomplete(PortalError):
    """A page showed fewer (or more) rows than its status line promised."""

    def __init__(self, message: str, *, read: int, want: int) -> None:
        super().__init__(message)
        self.read, self.want = read, want


class PageMoved(PortalError):
    """The portal showed other rows than the page asked for (the list shrank or grew)."""

    def __init__(self, message: str, *, total: int) -> None:
        super().__init__(message)
        self.total = total


class RowParseError(PortalError):
    """A displayed value did not parse as its column's type."""


def _is_html(response: Response) -> bool:
    return response.headers.get("content-type", "").startswith("text/html")


@dataclass(frozen=True)
class Spec:
    """A default locator: by ARIA role and accessible name, by label, or by text."""

    kind: Literal["role", "label", "text"]
    target: str  # a role (`table|grid` allowed), a label or a text
    name: str | None = None
    exact: bool = True

    def describe(self) -> str:
        """The spec as a Playwright-like selector string, for messages and docs."""
        if self.kind != "role":
            return f'{self.kind}="{self.target}"'
        return f'role={self.target}[name="{self.name}"]' if self.name else f"role={self.target}"

    def build(self, page: Page) -> Locator:
        """The Playwright locator for this spec."""
        if self.kind == "label":
            return page.get_by_label(self.target, exact=self.exact)
        if self.kind == "text":
            return page.get_by_text(self.target, exact=self.exact)
        roles = self.target.split("|")
        found = page.get_by_role(roles[0], name=self.name, exact=self.exact)  # type: ignore[arg-type]
        for role in roles[1:]:
            found = found.or_(page.get_by_role(role, name=self.name, exact=self.exact))  # type: ignore[arg-type]
        return found


def role(target: str, name: str | None = None) -> Spec:
    """Shorthand for a role spec."""
    return Spec("role", target, name)


@dataclass(frozen=True)
class Fingerprint:
    """What a page must show to be the page its object expects (portal-model.md)."""

    page: str
    path: str
    heading: str | None
    table: str | None
    columns: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()  # override keys of key controls
    locators: dict[str, str] = field(default_factory=dict)  # override key -> selector used


class BasePage:
    """A page of the portal: locators by key (overridable), opening, and a fingerprint check."""

    NAME: ClassVar[str] = "page"
    PATH: ClassVar[str] = "/0/dashboard"
    HEADING: ClassVar[str | None] = None
    LOCATORS: ClassVar[dict[str, Spec]] = {}
    KEY_CONTROLS: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        session: SessionLike,
        overrides: Mapping[str, str] | None = None,
        *,
        timeout_ms: int = 15_000,
    ) -> None:
        merged = dict(getattr(session, "locator_overrides", None) or {})
        merged.update(overrides or {})
        self.session, self.overrides, self.timeout_ms = session, merged, timeout_ms

    @property
    def page(self) -> Page:
        """The browser page the session drives."""
        return self.session.page

    @property
    def path(self) -> str:
        """The path of this page (detail pages fill in an id)."""
        return self.PATH

    @classmethod
    def specs(cls) -> dict[str, Spec]:
        """Every locator spec of this page by local key (the heading included when fixed)."""
        heading = {"heading": role("heading", cls.HEADING)} if cls.HEADING else {}
        return {**heading, **cls.LOCATORS}

    @classmethod
    def override_keys(cls) -> dict[str, str]:
        """Every public override key of this page and the default it replaces."""
        return {f"{cls.NAME}.{local}": spec.describe() for local, spec in cls.specs().items()}

    def key(self, local: str) -> str:
        """The public override key of a local locator key."""
        return f"{self.NAME}.{local}"

    def locator(self, local: str) -> Locator:
        """The locator for `local`: the override when one is configured, else the default spec."""
        override = self.overrides.get(self.key(local))
        return self.page.locator(override) if override else self.specs()[local].build(self.page)

    def describe(self, local: str) -> str:
        """The selector in force for `local`, for error messages."""
        return self.overrides.get(self.key(local)) or self.specs()[local].describe()

    def goto(self, path: str) -> Response | None:
        """Navigate through the session; a maintenance page or 5xx becomes a typed error."""
        response = self.session.goto(path)
        status = response.status if response is not None else 200
        if status == 429 and response is not None:
            raise RateLimitedPage(f"{path}: HTTP 429 Too Many Requests",
                                  retry_after=retry_after(response))
        if status == 503 and response is not None and _is_html(response):
            raise Maintenance(f"{path}: the portal shows its maintenance page (HTTP 503)")
        if status >= 500:
            raise ServerError(f"{path}: HTTP {status}", status=status)
        if urlsplit(self.page.url).path.startswith("/login"):
            raise SignedOut(f"{path}: the portal showed the sign-in page")
        return response

    def open(self) -> None:
        """Open the page and wait until its heading shows."""
        self.goto(self.path)
        self.wait_visible("heading" if self.HEADING else None)

    def wait_visible(self, local: str | None) -> None:
        """Wait for a locator to be visible, or raise PageNotLoaded naming it."""
        if local is None:
            return
        try:
            self.locator(local).first.wait_for(state="visible", timeout=self.timeout_ms)
        except PlaywrightTimeout as exc:
            raise PageNotLoaded(f"{self.NAME}: {self.describe(local)} never appeared") from exc

    def fingerprint(self) -> Fingerprint:
        """The structure this page object relies on."""
        specs = self.specs()
        table = specs.get("table")
        return Fingerprint(
            page=self.NAME,
            path=self.path,
            heading=self.HEADING,
            table=table.name if table else None,
            columns=self.column_headers(),
            controls=tuple(self.key(k) for k in self.KEY_CONTROLS),
            locators={self.key(k): self.describe(k) for k in specs},
        )

    def column_headers(self) -> tuple[str, ...]:
        """Expected column headers (none for pages without a table)."""
        return ()

    def check_fingerprint(self) -> None:
        """Raise UiChanged naming the first locator of the open page that does not match."""
        for local in ("heading", "table", *self.KEY_CONTROLS):
            if local in self.specs() and not self._present(local):
                raise UiChanged(
                    f"{self.NAME}: {self.describe(local)} not found",
                    page=self.NAME,
                    locator=self.key(local),
                )
        self.check_columns()

    def check_columns(self) -> None:
        """Pages with tables compare header texts; others have nothing more to check."""

    def _present(self, local: str, wait_ms: int = 2_000) -> bool:
        deadline = time.monotonic() + wait_ms / 1000
        while True:
            if self.locator(local).count() > 0:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def wait_terms(page: BasePage, required: str) -> dict[str, str]:
    """Poll the page's description list until the `required` term shows, then return all terms."""
    deadline = time.monotonic() + page.timeout_ms / 1000
    while True:
        root = page.locator("details")
        terms = read_terms(root.first) if root.count() else {}
        if norm_label(required) in terms:
            return terms
        if time.monotonic() > deadline:
            raise PageNotLoaded(f"{page.NAME}: no {required!r} in {page.describe('details')}")
        time.sleep(0.05)
