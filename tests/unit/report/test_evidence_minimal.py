"""The ARIA snapshot kept as ui_changed/doctor evidence holds structure only, never people.

`minimal_aria` is pure text in, text out: it is pinned here on snapshots in Playwright's YAML
format that carry every kind of personal data a portal page shows.
"""

from __future__ import annotations

import re

import yaml

from flows.pages.evidence import minimal_aria, redact

LIST_PAGE = """\
- banner:
  - text: Tessian password.admin@acme.example
  - button "Sign out"
- navigation "Main navigation":
  - list:
    - listitem:
      - link "User Monitoring":
        - /url: /0/admin/user-monitoring
- main:
  - heading "User Monitoring" [level=1]
  - search:
    - text: Search by email address
    - searchbox "Search by email address": erin.baker
  - combobox "Sync state":
    - option "All" [selected]
    - option "Paul Brennan"
  - table "Monitored users":
    - caption: Monitored users
    - rowgroup:
      - row "Email address Sync state":
        - columnheader "Email address"
        - columnheader "Sync state"
    - rowgroup:
      - row "ada.dixon@acme.example Live":
        - cell "ada.dixon@acme.example":
          - link "ada.dixon@acme.example":
            - /url: /0/admin/user-monitoring/17
        - cell "Live"
      - row "Paul Brennan paul.brennan@acme.example":
        - cell "Paul Brennan"
        - cell "paul.brennan@acme.example"
      - row "*@globex.example Domain":
        - cell "*@globex.example"
        - cell "Domain"
  - grid "Audit events":
    - row "Time Actor":
      - columnheader "Time"
      - columnheader "Actor"
    - row "2026-12-02 grace.hopper@acme.example":
      - gridcell "2026-12-02"
      - gridcell "grace.hopper@acme.example"
  - status: "No results for \\"ada.dixon@acme.example\\""
  - paragraph: Invited by Paul Brennan
  - list:
    - listitem: Grace Hopper (grace.hopper@acme.example)
  - 'button "Export: CSV"'
  - button "Next page" [disabled]
"""
DETAIL_PAGE = """\
- main:
  - heading "ada.dixon@acme.example" [level=1]
  - term: Display name
  - definition: Ada Dixon
  - term: Aliases
  - definition: ada@acme.example, a.dixon@acme.example
"""
PEOPLE = ("Paul Brennan", "Grace Hopper", "Ada Dixon", "erin.baker", "Tessian password")


def test_list_page_keeps_structure() -> None:
    """Headings, landmarks, table and grid names, column headers and control names stay."""
    out = minimal_aria(LIST_PAGE)
    for kept in ('heading "User Monitoring" [level=1]', 'table "Monitored users"',
                 "caption: Monitored users", 'columnheader "Email address"',
                 'columnheader "Sync state"', 'searchbox "Search by email address"',
                 'combobox "Sync state"', 'grid "Audit events"', 'columnheader "Actor"',
                 'button "Sign out"', 'link "User Monitoring"', 'navigation "Main navigation"',
                 """'button "Export: CSV"'""", 'button "Next page" [disabled]'):
        assert kept in out, kept
    assert "- text: 3 data rows left out" in out and "- text: 1 data row left out" in out


def test_list_page_keeps_no_address_no_name_no_typed_text() -> None:
    """No address (not even `*@domain`), no name from a row, list, paragraph, banner or option,
    no link target and nothing typed into a search box survives."""
    out = minimal_aria(LIST_PAGE)
    assert "@" not in out
    assert not [p for p in PEOPLE if p in out]
    assert "/url" not in out and "/0/admin" not in out


def test_detail_page_keeps_terms_and_drops_values() -> None:
    """A detail page's description-list terms stay; values go, and an address heading is
    redacted."""
    out = minimal_aria(DETAIL_PAGE)
    assert 'heading "[address]" [level=1]' in out
    assert "term: Display name" in out and "term: Aliases" in out
    assert "Ada Dixon" not in out and "@" not in out
    assert out.count("- definition") == 2


def test_output_is_yaml_of_the_same_shape() -> None:
    """The result still parses as YAML (a list of role mappings), as Playwright's does."""
    for page in (LIST_PAGE, DETAIL_PAGE):
        assert isinstance(yaml.safe_load(page), list)
        tree = yaml.safe_load(minimal_aria(page))
        assert isinstance(tree, list) and tree


def test_unreadable_lines_fail_closed() -> None:
    """A line in an unexpected shape keeps at most its role: its text never passes through."""
    out = minimal_aria('- heading /ada.dixon@acme.example/\n- cell "x" extra "y@z.example"\n')
    assert "@" not in out and "ada" not in out


def test_redact_replaces_every_email_like_string() -> None:
    """redact() replaces plain, plus-tagged, quoted and wildcard addresses."""
    text = 'a@b.example "x.y+tag@sub.b.example" <c@d.example> *@globex.example'
    assert redact(text) == '[address] "[address]" <[address]> [address]'
    assert not re.search(r"\S@\S", redact(text))
