"""report.html: one self-contained page (inline CSS, JS and SVG; images as data URIs; no network).

A Content-Security-Policy pins the page's only script and stylesheet by hash, so even if some
value escaped escaping, no injected script or style could run, and nothing can be fetched.
"""

from __future__ import annotations

import base64
import hashlib
from functools import partial
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from connector.models import Report

from ._changes import change_view
from ._evidence import evidence
from ._format import utc
from ._safe import visible
from ._html_view import build_view
from ._propagation import figures, propagation_points, propagation_svg
from ._text import surface_label
from ._trend import trend_points, trend_svg


def render_html(report: Report, evidence_root: Path | None = None) -> str:
    """The report as one HTML page; evidence under `evidence_root` is embedded as thumbnails."""
    css, js = _asset("report.css"), _asset("report.js")
    points, delays = trend_points(report), propagation_points(report)
    return _environment().get_template("report.html.j2").render(
        r=report,
        v=build_view(report, evidence_root),
        css=Markup(css),
        js=Markup(js),
        csp=_csp(css, js),
        trend=trend_svg(points) if len(points) > 1 else None,
        trend_points=points,
        prop=figures(report.propagation),
        prop_trend=propagation_svg(delays) if len(delays) > 1 else None,
        prop_points=delays,
        evidence=partial(evidence, root=evidence_root),
        changes=change_view(report),
    )


def _environment() -> Environment:
    """A Jinja2 environment that escapes everything and fails on a missing name."""
    env = Environment(
        loader=PackageLoader("connector.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_shown,
    )
    env.filters["surface"] = surface_label
    env.filters["breakable"] = breakable
    env.filters["utc"] = utc
    return env


def _shown(value: object) -> object:
    """Every value a template prints, with control and direction characters made visible
    (markup built by the renderer itself is trusted and left alone)."""
    return visible(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def breakable(address: str) -> Markup:
    """An address (escaped) that may wrap before its @, so narrow columns stay readable."""
    address = visible(address)
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return escape(address)
    return escape(local) + Markup("<wbr>@") + escape(domain)


def _asset(name: str) -> str:
    """A static file of the templates folder (trusted: shipped with the package)."""
    return (files("connector.report") / "templates" / name).read_text(encoding="utf-8")


def _csp(css: str, js: str) -> str:
    """The page's Content-Security-Policy: inline assets by hash, images only as data URIs."""
    return (
        "default-src 'none'; img-src data:; "
        f"style-src {_hash(css)}; script-src {_hash(js)}; "
        "base-uri 'none'; form-action 'none'"
    )


def _hash(text: str) -> str:
    """A CSP source expression for an inline element's exact content."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
