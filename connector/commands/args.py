"""The command line's grammar: global options, option groups, and one subparser per command.

Global options work before or after the command name (`--tenant acme verify` and
`verify --tenant acme`): the subparsers repeat them with suppressed defaults so a value given
before the command is not overwritten. A usage error raises `UsageError` instead of exiting, so
`main` maps it to exit code 2 in the one place exit codes are decided.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NoReturn

from connector.bundle import tool_version
from connector.errors import ConfigError

IDPS = ("file", "okta", "entra")
MODES = ("dom", "api", "cross-check")


class UsageError(ConfigError):
    """The command line itself is wrong (unknown flag, missing argument, bad choice)."""

    remedy = "Run 'tessian-connector --help' (or '<command> --help') for the accepted options."


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises `UsageError` instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        """Turn argparse's complaint into one readable `UsageError`."""
        raise UsageError(f"{self.prog}: {_flags_only(message)}")


_UNRECOGNIZED = "unrecognized arguments: "


def _flags_only(message: str) -> str:
    """argparse's message without the values of unrecognised arguments: a misspelt
    `--portal-pasword S3cret` must not print the password."""
    if not message.startswith(_UNRECOGNIZED):
        return message
    words = message.removeprefix(_UNRECOGNIZED).split()
    flags = [a.split("=", 1)[0] for a in words if a.startswith("-")]
    values = sum(1 for a in words if not a.startswith("-") or "=" in a)
    hidden = f"{values} value(s) not shown: a value may be a secret" if values else ""
    return _UNRECOGNIZED + ", ".join([" ".join(flags), hidden] if flags and hidden
                                     else [" ".join(flags) or hidden])


GroupAdder = Callable[[argparse.ArgumentParser, Any], None]


def positive_int(text: str) -> int:
    """A whole number of at least 1 (argparse names the flag when this refuses)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _global_options(p: argparse.ArgumentParser, default: Any) -> None:
    g = p.add_argument_group("global options")
    g.add_argument("--config", metavar="FILE", default=default, help="TOML settings file")
    g.add_argument("--tenant", metavar="NAME", default=default, help="tenant from the TOML file")
    g.add_argument("--env-file", metavar="FILE", default=default, help=".env file to read")
    g.add_argument("--state-dir", metavar="DIR", default=default,
                   help="session state, history and locks (default .state)")
    g.add_argument("--reports-dir", metavar="DIR", default=default,
                   help="where run bundles go (default reports)")
    g.add_argument("-v", "--verbose", action="store_true", default=default, help="debug logs")
    g.add_argument("--json-logs", action="store_true", default=default,
                   help="JSON-lines logs even on a terminal")


def _portal_options(p: argparse.ArgumentParser, default: Any) -> None:
    g = p.add_argument_group("portal and credentials (also TESSIAN_* environment variables)")
    g.add_argument("--portal-url", metavar="URL", default=default,
                   help="portal base URL, e.g. https://acme.tessian-platform.com")
    g.add_argument("--portal-email", metavar="EMAIL", default=default,
                   help="sign-in email (TESSIAN_PORTAL_EMAIL)")
    g.add_argument("--portal-password", metavar="PASSWORD", default=default,
                   help="sign-in password (prefer TESSIAN_PORTAL_PASSWORD)")
    g.add_argument("--totp-secret", metavar="BASE32", default=default,
                   help="TOTP seed for two-factor (prefer TESSIAN_PORTAL_TOTP_SECRET)")
    g.add_argument("--sso", choices=("none", "okta", "entra"), default=default,
                   help="sign in through the tenant's SSO provider instead of a password")
    g.add_argument("--sso-username", metavar="NAME", default=default,
                   help="SSO user name when it differs from --portal-email")
    g.add_argument("--sso-password", metavar="PASSWORD", default=default,
                   help="SSO password (prefer TESSIAN_PORTAL_SSO_PASSWORD)")
    g.add_argument("--api-token", metavar="TOKEN", default=default,
                   help="public API token for --mode api|cross-check (prefer TESSIAN_API_TOKEN)")
    g.add_argument("--mode", choices=MODES, default=default,
                   help="read the pages (dom), the public API, or both and compare")


def _browser_options(p: argparse.ArgumentParser, default: Any) -> None:
    g = p.add_argument_group("browser")
    g.add_argument("--headed", action="store_true", default=default, help="show the browser")
    g.add_argument("--slow-mo", metavar="MS", type=int, default=default,
                   help="slow every browser action down by MS milliseconds")
    g.add_argument("--browser-executable", metavar="PATH", default=default,
                   help="Chromium/Chrome executable (TESSIAN_BROWSER_EXECUTABLE)")
    g.add_argument("--browser-channel", metavar="NAME", default=default,
                   help="browser channel, e.g. chrome or msedge")
    g.add_argument("--trace", action="store_true", default=default,
                   help="record a Playwright trace and keep it (trace.zip in the bundle; starts "
                   "after sign-in); by default verify and check keep one only for an "
                   "inconclusive run (browser_trace = on-failure; also on or off)")
    g.add_argument("--page-timeout", metavar="MS", type=int, default=default,
                   help="how long a page or table may take to load")


def _idp_options(p: argparse.ArgumentParser, default: Any) -> None:
    g = p.add_argument_group("identity source (expected state)")
    g.add_argument("--idp", choices=IDPS, default=default, help="where the expected state lives")
    g.add_argument("--idp-file", metavar="PATH", default=default,
                   help="identity export (CSV or JSON) for --idp file")
    o = p.add_argument_group("Okta (token from OKTA_API_TOKEN, or OAuth service-app settings)")
    o.add_argument("--okta-org-url", metavar="URL", default=default)
    o.add_argument("--okta-app-id", metavar="ID", default=default,
                   help="app whose assignments mean 'protected'")
    o.add_argument("--okta-portal-app-id", metavar="ID", default=default,
                   help="app whose assignments mean 'may hold a portal account'")
    o.add_argument("--okta-group-id", metavar="ID", default=default,
                   help="group meaning 'protected' (instead of an app)")
    o.add_argument("--okta-portal-group-id", metavar="ID", default=default,
                   help="group meaning 'portal access' (instead of an app)")
    o.add_argument("--okta-client-id", metavar="ID", default=default,
                   help="OAuth service app (private_key_jwt) instead of an API token")
    o.add_argument("--okta-private-key-file", metavar="PEM", default=default,
                   help="the service app's private key, a PEM file (OKTA_PRIVATE_KEY_FILE)")
    e = p.add_argument_group("Entra ID (secret from ENTRA_CLIENT_SECRET, or a certificate)")
    e.add_argument("--entra-tenant-id", metavar="ID", default=default)
    e.add_argument("--entra-client-id", metavar="ID", default=default)
    e.add_argument("--entra-app-id", metavar="ID", default=default,
                   help="appId whose role assignments mean 'protected'")
    e.add_argument("--entra-portal-app-id", metavar="ID", default=default,
                   help="appId whose role assignments mean 'portal access'")
    e.add_argument("--entra-certificate-path", metavar="PATH", default=default,
                   help="PEM certificate + key instead of a client secret")
    e.add_argument("--entra-graph-url", metavar="URL", default=default,
                   help="Graph base URL (non-default clouds, tests)")
    e.add_argument("--entra-authority-url", metavar="URL", default=default,
                   help="token authority URL (non-default clouds, tests)")


def _policy_options(p: argparse.ArgumentParser, default: Any) -> None:
    g = p.add_argument_group("policy (usually in the TOML file)")
    g.add_argument("--grace-period", metavar="DURATION", default=default,
                   help="how long a provider change may take to land, e.g. 24h, 3d")
    g.add_argument("--fail-level", choices=("critical", "high", "medium", "low", "info"),
                   default=default, help="lowest severity that counts as drift (exit 1)")
    g.add_argument("--exceptions-file", metavar="FILE", default=default,
                   help="allow-listed cases (TOML or JSON) with owner, reason and expiry")


def _command(
    subs: Any, name: str, helptext: str, groups: tuple[GroupAdder, ...], description: str = ""
) -> argparse.ArgumentParser:
    sub: argparse.ArgumentParser = subs.add_parser(
        name, help=helptext, description=description or helptext,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_options(sub, argparse.SUPPRESS)
    for add in groups:
        add(sub, None)
    return sub


EPILOG = """environment: every setting is also TESSIAN_<SETTING> (flags > environment > .env > TOML
file > defaults), e.g. TESSIAN_PORTAL_URL, TESSIAN_PORTAL_EMAIL, TESSIAN_PORTAL_PASSWORD,
TESSIAN_PORTAL_TOTP_SECRET, TESSIAN_API_TOKEN, TESSIAN_TENANT; providers: OKTA_API_TOKEN,
OKTA_CLIENT_ID, OKTA_PRIVATE_KEY, ENTRA_CLIENT_SECRET (and OKTA_*/ENTRA_* for their flags).

exit codes: 0 verified, 1 drift found, 2 usage or configuration error, 3 inconclusive
(the run could not verify: sign-in refused, portal unavailable, layout changed, incomplete read,
provider failure, shrink guard). Start with: tessian-connector demo"""

CHECK_DESCRIPTION = """Search each address on User Monitoring and Portal Users, judge it and write a
bundle (report.json, report.html, screenshots) under reports/<tenant>/.

addresses: each EMAIL is checked before anything is read (exit 2 naming the bad one, or
FILE:LINE): trimmed and case-folded; ASCII; exactly one @; a non-empty local part of letters,
digits, dots and !#$%&'*+/=?^_`{|}~-; a domain with a dot, labels of letters, digits and hyphens.
'-' reads standard input, @FILE a file: one address per line, blank lines and # comments
ignored, duplicates collapsed; an empty batch or an unreadable file is exit 2.

expected state: --expect when given; else the identity source. An address the provider does not
know is never 'verified': the check is inconclusive (exit 3, reason unknown_identity) and names a
close provider address when it looks like a typo. With --expect it is judged by --expect and
still flagged (identity: unknown). The report holds only the identities asked about.

--json prints one document: {"format": "tessian-connector/check/1", "verdict", "exit_code",
"bundle", "report", "trace" (path or null), "reasons": [{"reason", "message"}], "addresses": [{
"address", "identity" (known|unknown|incomplete|not_read), "identity_id", "did_you_mean",
"expected" ({"monitored", "portal_access", "leaver", "why"} or null: nothing to judge by),
"surfaces": {"user_monitoring"|"portal_users"|"api_tokens"|"audit_trail": {"state"
(found|absent|inconclusive), "outcome", "message", "row" (the matched row, minimal; for
api_tokens/audit_trail {"tokens", "sign_ins"} it created/made; or null), "evidence" (paths)}}}]}.
api_tokens: tokens the address created; audit_trail (leavers with a change time only): sign-ins
after leaving.

exit codes: 0 as expected, 1 not as expected (drift), 2 bad address/usage, 3 inconclusive."""

READ_GROUPS: tuple[GroupAdder, ...] = (_portal_options, _browser_options)
ALL_GROUPS: tuple[GroupAdder, ...] = (
    _portal_options, _browser_options, _idp_options, _policy_options)


def build_parser() -> Parser:
    """The whole command line: global options and every command with its options."""
    parser = Parser(
        prog="tessian-connector",
        description="Read-only verification of Tessian against Okta / Entra ID, via the portal.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_options(parser, None)
    parser.add_argument("--version", action="version", version=f"%(prog)s {tool_version()}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    subs.required = True
    _add_read_commands(subs)
    _add_run_all(subs)
    _add_offline_commands(subs)
    return parser


def _add_run_all(subs: Any) -> None:
    from connector.commands.run_all_plan import __doc__ as rules
    from connector.commands.run_all_plan import shard_argument

    run_all = _command(subs, "run-all", "verify every tenant of --config (parallel, sharded)", (),
                       "Run verify for every [tenants.NAME] of --config, sorted by name.\n"
                       + (rules or "").split("\n", 1)[1])
    run_all.add_argument("--parallel", metavar="N", type=positive_int, default=1,
                         help="how many tenants at once (default 1)")
    run_all.add_argument("--shard", metavar="I/N", type=shard_argument,
                         help="run shard I of N (I from 0), e.g. $(JOB_COMPLETION_INDEX)/4 "
                         "in a Kubernetes Indexed Job (environment: see above)")
    run_all.add_argument("--tenants", metavar="A,B", help="only these tenants of the file")
    run_all.add_argument("--summary", metavar="FILE",
                         help="where run-all.json goes (default: in the reports folder)")
    run_all.add_argument("--json", dest="json_out", action="store_true",
                         help="print the run-all.json document instead of the table")


def _add_read_commands(subs: Any) -> None:
    collect = _command(subs, "collect", "read the portal into a snapshot (no evaluation)",
                       READ_GROUPS)
    collect.add_argument("--out", metavar="FILE", required=True, help="snapshot.json to write")
    expected = _command(subs, "expected", "read the expected state from the identity source",
                        (_idp_options,))
    expected.add_argument("--out", metavar="FILE", required=True, help="identities.json to write")
    _command(subs, "verify", "collect + expected + evaluate + render a report bundle", ALL_GROUPS,
             "Collect the portal, read the identity source, evaluate and write a bundle to\n"
             "reports/<tenant>/<UTC time>-<run id>/. Exit 0 verified, 1 drift, 3 inconclusive.")
    check = _command(subs, "check", "spot-check addresses (e.g. leavers) with screenshot evidence",
                     ALL_GROUPS, CHECK_DESCRIPTION)
    check.add_argument("emails", metavar="EMAIL", nargs="+",
                       help="an address, '-' for addresses on standard input, or @FILE for a "
                       "file of them (one per line; blank lines and # comments ignored)")
    check.add_argument("--expect", choices=("absent", "present"),
                       help="expected state (default: what the identity source says)")
    check.add_argument("--json", dest="json_out", action="store_true",
                       help="print one JSON document (shape below) instead of the text lines")
    _command(subs, "doctor", "sign in and check every page's fingerprint (per-page table)",
             READ_GROUPS)
    debug = _command(subs, "debug", "verify headed, slowly, pausing on failure, trace kept",
                     ALL_GROUPS)
    debug.add_argument("--headless", action="store_true",
                       help="no window (a trace is still recorded), e.g. on a server")


def _add_offline_commands(subs: Any) -> None:
    report = _command(subs, "report", "re-render a bundle offline from snapshot.json or report.json",
                      (_policy_options,), "No browser, no credentials. From report.json: the same files, byte for\n"
                      "byte. From snapshot.json: re-evaluated with the configured policy.")
    report.add_argument("--from", dest="source", metavar="FILE", required=True,
                        help="snapshot.json or report.json")
    report.add_argument("--out", metavar="DIR",
                        help="where to write (default: the folder of the --from file)")
    report.add_argument("--identities", metavar="FILE",
                        help="identities.json from `expected`, used instead of the snapshot's "
                        "(so `collect` + `expected` + `report` is `verify` in three steps)")
    history = _command(subs, "history", "past runs, open findings and their age", ())
    history.add_argument("--limit", type=positive_int, default=20, help="how many runs to list")
    history.add_argument("--prune", action="store_true",
                         help="apply retention now (history_keep_days, reports_keep_days; verify "
                         "does this after every run) and say what was deleted")
    demo = _command(subs, "demo", "run verify against the bundled fixture portal (no account)",
                    (), "Starts the fixture portal (and a fake Okta/Graph for --idp okta|entra),\n"
                    "writes the demo identity export and runs verify. Exits 1: the demo has drift.")
    demo.add_argument("--headed", action="store_true", help="show the browser")
    demo.add_argument("--idp", choices=IDPS, default="file", help="expected state source")
    demo.add_argument("--mode", choices=MODES, default="dom", help="how to read the portal")
