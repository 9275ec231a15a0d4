"""Evidence of a page's layout that shows its structure, not the people listed on it.

When a page no longer matches its fingerprint (`ui_changed`, doctor), an operator needs to see
what the page looks like now: headings, landmarks, the table's name, its column headers and the
controls. They do not need, and a report bundle must not keep, the rows: every monitored user's
and admin's address. So evidence is minimal:

- the screenshot masks (Playwright's `mask`, solid colour boxes) the banner (the signed-in admin),
  every data row and cell, description-list values, lists, inputs, alerts and any element whose
  text holds an address; any other free text in `main` is drawn transparent, in case a changed
  layout renders its rows without table semantics;
- the ARIA snapshot keeps only structural roles and their names (headings, landmarks, tables,
  column headers, controls, description-list terms, navigation links); data rows are replaced by
  a count, every other name and text is dropped, and anything email-like left is redacted.

Files are written 0600 (`connector.private_files`); names never contain an address.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page

from connector.private_files import write_private

ADDRESS = re.compile(r"[^\s\"'<>()\[\]{},;:@\\]*@[^\s\"'<>()\[\]{},;:@\\]+")
REDACTED = "[address]"
MASK_COLOR = "#FF00FF"  # Playwright's default mask colour, as the spot check uses
# Cells, values and free text that name people; masked as solid boxes.
MASK_CSS = ", ".join((
    "tr:has(td)", "td", "[role=row]:has([role=cell], [role=gridcell])",
    "[role=cell]", "[role=gridcell]", "[role=rowheader]", "dd", "[role=definition]",
    "main li", "input", "textarea", "[contenteditable]", "[role=alert]", "main img",
))
# Whatever text of `main` is not structure becomes invisible (a layout without table roles).
_STRUCTURE = ("h1, h2, h3, h4, h5, h6, th, caption, label, legend, button, select, option, dt, "
              "summary, [role=heading], [role=columnheader], [role=status], [role=tab], nav")
HIDE_TEXT_CSS = (
    "main, main * { color: transparent !important; text-shadow: none !important; }\n"
    f"main :is({_STRUCTURE}), main :is({_STRUCTURE}) * {{ color: CanvasText !important; }}\n"
)

KEEP_NAME = frozenset({
    "heading", "table", "grid", "treegrid", "caption", "columnheader", "button", "searchbox",
    "textbox", "combobox", "listbox", "checkbox", "radio", "switch", "spinbutton", "slider",
    "tab", "tablist", "navigation", "region", "search", "form", "main", "dialog", "alertdialog",
    "progressbar", "status", "term", "group", "menu", "menubar", "menuitem", "toolbar",
})
# Roles whose inline text is structure too (an input's text is what someone typed: dropped).
KEEP_VALUE = frozenset({"caption", "status", "heading", "columnheader", "term", "tab", "button",
                        "progressbar"})
DATA_CELLS = frozenset({"cell", "gridcell", "rowheader"})
DROPPED = frozenset({"text", "option"})  # free text; a filter's options are not structure


def mask_locators(page: Page) -> list[Locator]:
    """What a screenshot must cover: the banner, data rows and cells, values, any address."""
    return [
        page.get_by_role("banner"),
        page.locator(MASK_CSS),
        page.get_by_text(re.compile(ADDRESS.pattern)),
    ]


def masked_screenshot(page: Page, *, full_page: bool = False) -> bytes:
    """The page as PNG bytes, people masked (bytes: the browser's process writes no file)."""
    return page.screenshot(full_page=full_page, mask=mask_locators(page), mask_color=MASK_COLOR,
                           style=HIDE_TEXT_CSS, animations="disabled")


def save_evidence(page: Page, folder: Path, stem: str, *,
                  full_page: bool = False) -> tuple[Path, Path]:
    """`<stem>.png` (masked) and `<stem>.aria.yml` (structure only) in `folder`, both 0600."""
    shot, aria = folder / f"{stem}.png", folder / f"{stem}.aria.yml"
    write_private(shot, masked_screenshot(page, full_page=full_page))
    write_private(aria, minimal_aria(page.locator("body").aria_snapshot()))
    return shot, aria


def redact(text: str) -> str:
    """`text` with every email-like string (`a@b.c`, `*@b.c`) replaced by [address]."""
    return ADDRESS.sub(REDACTED, text)


@dataclass
class _Node:
    """One line of Playwright's ARIA snapshot YAML: `- role "name" [attrs]: value`."""

    indent: int
    role: str
    name: str | None = None
    attrs: str = ""
    value: str | None = None
    children: list[_Node] = field(default_factory=list)


_KEY = re.compile(r'^(?P<role>[\w/-]+)(?: (?P<name>"(?:[^"\\]|\\.)*"))?(?P<attrs>(?: \[[^\]]*\])*)$')


def minimal_aria(snapshot: str) -> str:
    """The structure of an ARIA snapshot: structural roles and names kept, people left out."""
    roots = _parse(snapshot)
    lines: list[str] = []
    _emit(roots, 0, in_nav=False, out=lines)
    return "\n".join(lines) + "\n"


def _parse(snapshot: str) -> list[_Node]:
    """The snapshot's lines as a tree (by indentation); lines it cannot read are left out."""
    roots: list[_Node] = []
    stack: list[_Node] = []
    for line in snapshot.splitlines():
        node = _node(line)
        if node is None:
            continue
        while stack and stack[-1].indent >= node.indent:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def _node(line: str) -> _Node | None:
    """One `- key[: value]` line, or None (continuation lines and anything unexpected)."""
    body = line.lstrip(" ")
    if not body.startswith("- "):
        return None
    key, value = _split(body[2:])
    found = _KEY.match(key)
    if found is None:
        role = re.match(r"[\w/-]*", key)
        return _Node(len(line) - len(body), role.group(0) if role else "")  # fail closed: no name
    name = json.loads(found["name"]) if found["name"] else None
    return _Node(len(line) - len(body), found["role"], name, found["attrs"], value)


def _split(body: str) -> tuple[str, str | None]:
    """(key, inline value) of an item; a single-quoted YAML key is unquoted."""
    if body.startswith("'"):
        end = 1
        while end < len(body) and not (body[end] == "'" and body[end + 1:end + 2] != "'"):
            end += 2 if body[end] == "'" else 1
        key, rest = body[1:end].replace("''", "'"), body[end + 1:]
    else:
        key, rest = _unquoted_key(body)
    value = rest[2:] if rest.startswith(": ") else None
    return key, value


def _unquoted_key(body: str) -> tuple[str, str]:
    """Split at the first `:` outside a double-quoted name that ends the key."""
    quoted = escaped = False
    for i, char in enumerate(body):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ":" and not quoted and body[i + 1:i + 2] in ("", " "):
            return body[:i], body[i:]
    return body, ""


def _emit(nodes: list[_Node], depth: int, *, in_nav: bool, out: list[str]) -> None:
    """Write the kept part of `nodes` at `depth`; data rows become one counted line."""
    rows = 0
    for node in nodes:
        if node.role == "row" and _holds_data(node):
            rows += 1
        elif node.role in DROPPED or node.role.startswith("/") or not node.role:
            continue
        else:
            _emit_node(node, depth, in_nav=in_nav, out=out)
    if rows:
        out.append(f"{'  ' * depth}- text: {rows} data row{'s' if rows != 1 else ''} left out")


def _emit_node(node: _Node, depth: int, *, in_nav: bool, out: list[str]) -> None:
    """One kept node: its name and value only when its role is structural."""
    nav = in_nav or node.role == "navigation"
    keep = node.role in KEEP_NAME or (node.role == "link" and nav)
    key = node.role
    if keep and node.name is not None:
        key += " " + json.dumps(redact(node.name), ensure_ascii=False)
    key += node.attrs if keep else ""
    line = f"{'  ' * depth}- {_yaml_key(key)}"
    if keep and node.role in KEEP_VALUE and node.value is not None:
        line += f": {redact(node.value)}"
    out.append(line)
    at = len(out)
    _emit(node.children, depth + 1, in_nav=nav, out=out)
    if len(out) > at:  # children were kept: the item is a mapping (a value has no children)
        out[at - 1] = line + ":"


def _holds_data(row: _Node) -> bool:
    """A table row with cells (not the header row of column headers)."""
    return any(c.role in DATA_CELLS or _holds_data(c) for c in row.children)


def _yaml_key(key: str) -> str:
    """The key single-quoted when YAML would misread it (as Playwright writes such keys)."""
    if ": " in key or key.endswith(":") or " #" in key or key[:1] in "'\"&*!|>%@[{`":
        return "'" + key.replace("'", "''") + "'"
    return key
