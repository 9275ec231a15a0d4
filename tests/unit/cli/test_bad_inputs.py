"""Every way to give the connector wrong input: exit 2, one `error:` line naming the culprit (flag,
variable, file:line, field) and one `remedy:` line, no traceback, and nothing written: no bundle,
no history row, no session, only the (released) lock file in the state folder.

The matrix runs `main(argv)` in-process; `{tmp}` in an argument, variable or file is this test's
folder. Every case starts from a valid command (`verify` against a closed port with a good export)
and breaks one thing, so a case that is not refused reaches the network and fails the assertion.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from connector.cli import main

PORTAL = ("--portal-url", "http://127.0.0.1:9", "--portal-email", "a@acme.example",
          "--portal-password", "x-Passw0rd!")
IDP = ("--idp", "file", "--idp-file", "{tmp}/ids.csv")
VERIFY = ("verify", *PORTAL, *IDP)
HEADER = ("id,email,display_name,aliases,active,protected,portal_access,changed_at,"
          "provisioning_error\n")
GOOD_CSV = HEADER + "1,a@acme.example,A,,true,true,false,,\n"
OKTA = ("expected", "--idp", "okta", "--okta-org-url", "https://o.example", "--okta-app-id", "0oa1",
        "--out", "{tmp}/o.json")
ENTRA = ("expected", "--idp", "entra", "--entra-tenant-id", "t1", "--entra-client-id", "c1",
         "--entra-app-id", "a1", "--out", "{tmp}/o.json")
EXC = ('[[exceptions]]\nemail = "a@acme.example"\nowner = "me@acme.example"\nreason = "r"\n'
       'expires = "2030-01-01T00:00:00Z"\n')


@dataclass(frozen=True)
class Bad:
    """One bad input: the command line, the environment and files it needs, what the line names."""

    argv: tuple[str, ...]
    needles: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str | bytes] = field(default_factory=dict)


def _env(name: str, value: str, *needles: str, argv: tuple[str, ...] = VERIFY) -> Bad:
    return Bad(argv, needles or (name,), env={name: value})


def _flag(*args: str, needles: tuple[str, ...], argv: tuple[str, ...] = VERIFY) -> Bad:
    return Bad((*argv, *args), needles)


def _export(name: str, content: str | bytes, *needles: str) -> Bad:
    return Bad(("verify", *PORTAL, "--idp", "file", "--idp-file", f"{{tmp}}/{name}"), needles,
               files={name: content})


def _toml(content: str | bytes, *needles: str, extra: tuple[str, ...] = ()) -> Bad:
    return Bad(("--config", "{tmp}/c.toml", *extra, *VERIFY), needles, files={"c.toml": content})


def _dotenv(content: str | bytes, *needles: str) -> Bad:
    return Bad(("--env-file", "{tmp}/my.env", *VERIFY), needles, files={"my.env": content})


def _rules(name: str, content: str, *needles: str) -> Bad:
    return Bad((*VERIFY, "--exceptions-file", f"{{tmp}}/{name}"), needles, files={name: content})


FLAGS: dict[str, Bad] = {
    "slow-mo-text": _flag("--slow-mo", "fast", needles=("--slow-mo", "fast")),
    "slow-mo-negative": _flag("--slow-mo", "-5", needles=("--slow-mo", "-5")),
    "page-timeout-zero": _flag("--page-timeout", "0", needles=("--page-timeout",)),
    "page-timeout-negative": _flag("--page-timeout", "-1", needles=("--page-timeout",)),
    "page-timeout-text": _flag("--page-timeout", "soon", needles=("--page-timeout",)),
    "mode-enum": _flag("--mode", "telepathy", needles=("--mode", "telepathy")),
    "sso-enum": _flag("--sso", "saml", needles=("--sso", "saml")),
    "fail-level-enum": _flag("--fail-level", "catastrophic", needles=("--fail-level",)),
    "idp-enum": _flag("--idp", "ldap", needles=("--idp", "ldap")),
    "grace-period-text": _flag("--grace-period", "3x", needles=("--grace-period", "3x")),
    "grace-period-negative": _flag("--grace-period=-1h", needles=("--grace-period", "-1h")),
    "unknown-flag": _flag("--portal-ulr", "x", needles=("--portal-ulr",)),
    "missing-flag-value": _flag("--idp-file", needles=("--idp-file",)),
    "idp-file-missing": Bad(("verify", *PORTAL, "--idp", "file", "--idp-file", "{tmp}/gone.csv"),
                            ("gone.csv",)),
    "idp-file-directory": Bad(("verify", *PORTAL, "--idp", "file", "--idp-file", "{tmp}"),
                              ("directory",)),
    "idp-file-not-given": Bad(("verify", *PORTAL, "--idp", "file"), ("--idp-file",)),
    "no-identity-source": Bad(("verify", *PORTAL), ("--idp",)),
    "exceptions-file-missing": _flag("--exceptions-file", "{tmp}/nope.toml",
                                     needles=("nope.toml",)),
    "exceptions-file-directory": _flag("--exceptions-file", "{tmp}", needles=("directory",)),
    "config-missing": Bad(("--config", "{tmp}/nope.toml", *VERIFY), ("--config", "nope.toml")),
    "config-directory": Bad(("--config", "{tmp}", *VERIFY), ("--config", "directory")),
    "env-file-missing": Bad(("--env-file", "{tmp}/nope.env", *VERIFY), ("--env-file",)),
    "env-file-directory": Bad(("--env-file", "{tmp}", *VERIFY), ("--env-file", "directory")),
    "state-dir-is-a-file": Bad(("--state-dir", "{tmp}/ids.csv", *VERIFY),
                               ("--state-dir", "ids.csv")),
    "reports-dir-is-a-file": Bad(("--reports-dir", "{tmp}/ids.csv", *VERIFY),
                                 ("--reports-dir", "ids.csv")),
    "reports-dir-under-a-file": Bad(("--reports-dir", "{tmp}/ids.csv/reports", *VERIFY),
                                    ("--reports-dir",)),
    "browser-executable-missing": _flag("--browser-executable", "{tmp}/no-chrome",
                                        needles=("--browser-executable", "no-chrome")),
    "browser-executable-not-executable": _flag("--browser-executable", "{tmp}/ids.csv",
                                               needles=("--browser-executable", "ids.csv")),
    "browser-executable-directory": _flag("--browser-executable", "{tmp}",
                                          needles=("--browser-executable",)),
    "portal-url-not-a-url": Bad(("verify", "--portal-url", "acme portal", *PORTAL[2:], *IDP),
                                ("--portal-url",)),
    "portal-url-scheme": Bad(("verify", "--portal-url", "ftp://acme.example", *PORTAL[2:], *IDP),
                             ("--portal-url", "http")),
    "portal-url-no-host": Bad(("verify", "--portal-url", "https://", *PORTAL[2:], *IDP),
                              ("--portal-url",)),
    "portal-email-not-an-email": Bad(("verify", *PORTAL[:2], "--portal-email", "admin",
                                      *PORTAL[4:], *IDP), ("--portal-email", "admin")),
    "no-portal-url": Bad(("verify", *PORTAL[2:], *IDP), ("TESSIAN_PORTAL_URL",)),
    "no-portal-email": Bad(("verify", *PORTAL[:2], *PORTAL[4:], *IDP), ("TESSIAN_PORTAL_EMAIL",)),
    "no-portal-password": Bad(("verify", *PORTAL[:4], *IDP), ("TESSIAN_PORTAL_PASSWORD",)),
    "api-mode-without-token": _flag("--mode", "api", needles=("--mode api", "TESSIAN_API_TOKEN")),
    "totp-not-base32": _flag("--totp-secret", "not-base32-at-all!",
                             needles=("--totp-secret", "base32")),
    "totp-digits-0-1-8-9": _flag("--totp-secret", "JBSWY3DPEHPK3PX1", needles=("base32",)),
    "totp-not-whole": _flag("--totp-secret", "JBSWY3DPEHPK3PXPA", needles=("--totp-secret",)),
    "totp-too-short": _flag("--totp-secret", "JBSWY3DP", needles=("--totp-secret", "short")),
    "tenant-name": _flag("--tenant", "acme/../x", needles=("tenant", "acme/../x")),
    "headed-without-display": _flag("--headed", needles=("no display", "DISPLAY", "xvfb-run")),
    "debug-without-display": Bad(("debug", *PORTAL, *IDP), ("no display", "xvfb-run")),
    "doctor-headed-without-display": Bad(("doctor", *PORTAL, "--headed"), ("no display",)),
    "collect-headed-without-display": Bad(("collect", *PORTAL, "--headed", "--out",
                                           "{tmp}/s.json"), ("no display",)),
    "okta-org-url": Bad(("expected", "--idp", "okta", "--okta-org-url", "o.example",
                         "--okta-app-id", "0oa1", "--out", "{tmp}/o.json"),
                        ("okta_org_url", "https://"), env={"OKTA_API_TOKEN": "t"}),
    "okta-no-org-url": Bad(("expected", "--idp", "okta", "--out", "{tmp}/o.json"),
                           ("--okta-org-url",)),
    "okta-private-key-missing": Bad((*OKTA, "--okta-client-id", "c",
                                     "--okta-private-key-file", "{tmp}/gone.pem"),
                                    ("--okta-private-key-file", "gone.pem")),
    "okta-private-key-not-a-key": Bad((*OKTA, "--okta-client-id", "c",
                                       "--okta-private-key-file", "{tmp}/ids.csv"),
                                      ("--okta-private-key-file", "private key")),
    "okta-private-key-directory": Bad((*OKTA, "--okta-client-id", "c",
                                       "--okta-private-key-file", "{tmp}"),
                                      ("--okta-private-key-file", "directory")),
    "entra-certificate-missing": Bad((*ENTRA, "--entra-certificate-path", "{tmp}/gone.pem"),
                                     ("--entra-certificate-path", "gone.pem")),
    "entra-certificate-not-one": Bad(
        (*ENTRA, "--entra-certificate-path", "{tmp}/fake.pem"),
        ("--entra-certificate-path", "certificate"),
        files={"fake.pem": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"
                           "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"}),
    "entra-no-client-id": Bad(("expected", "--idp", "entra", "--entra-tenant-id", "t",
                               "--out", "{tmp}/o.json"), ("--entra-client-id",)),
    "history-limit-zero": Bad(("history", "--limit", "0"), ("--limit",)),
    "history-limit-text": Bad(("history", "--limit", "many"), ("--limit", "many")),
    "report-from-missing": Bad(("report", "--from", "{tmp}/gone.json"), ("gone.json",)),
    "report-from-directory": Bad(("report", "--from", "{tmp}"), ("directory",)),
    "report-from-not-json": Bad(("report", "--from", "{tmp}/ids.csv"), ("ids.csv",)),
    "report-from-not-a-bundle": Bad(("report", "--from", "{tmp}/b.json"), ("b.json",),
                                    files={"b.json": '{"hello": 1}'}),
    "expected-out-directory": Bad(("expected", *IDP, "--out", "{tmp}"), ("--out", "directory")),
    "collect-out-directory": Bad(("collect", *PORTAL, "--out", "{tmp}"), ("--out", "directory")),
    "no-command": Bad((), ("COMMAND",)),
}

ENVIRONMENT: dict[str, Bad] = {
    "page-size": _env("TESSIAN_PAGE_SIZE", "0"),
    "page-size-text": _env("TESSIAN_PAGE_SIZE", "lots", "TESSIAN_PAGE_SIZE", "lots"),
    "grace-period": _env("TESSIAN_GRACE_PERIOD", "3x", "TESSIAN_GRACE_PERIOD", "3x"),
    "fail-level": _env("TESSIAN_FAIL_LEVEL", "catastrophic"),
    "shrink-share-percent": _env("TESSIAN_SHRINK_GUARD_SHARE", "150%"),
    "shrink-share-text": _env("TESSIAN_SHRINK_GUARD_SHARE", "some"),
    "headless-bool": _env("TESSIAN_BROWSER_HEADLESS", "maybe"),
    "slow-mo-negative": _env("TESSIAN_BROWSER_SLOW_MO_MS", "-1"),
    "timeout-zero": _env("TESSIAN_BROWSER_TIMEOUT_MS", "0"),
    "trace-enum": _env("TESSIAN_BROWSER_TRACE", "sometimes"),
    "pause-bool": _env("TESSIAN_BROWSER_PAUSE_ON_FAILURE", "perhaps"),
    "run-timeout": _env("TESSIAN_RUN_TIMEOUT_S", "0"),
    "history-keep": _env("TESSIAN_HISTORY_KEEP_DAYS", "-1"),
    "reports-keep": _env("TESSIAN_REPORTS_KEEP_DAYS", "a month"),
    "domain-map": _env("TESSIAN_DOMAIN_MAP", "old.example"),
    "domain-map-json": _env("TESSIAN_DOMAIN_MAP", '{"old.example": '),
    "locator-overrides": _env("TESSIAN_LOCATOR_OVERRIDES", "junk"),
    "in-scope-domains": _env("TESSIAN_IN_SCOPE_DOMAINS", "acme.example,not a domain!"),
    "sso-enum": _env("TESSIAN_PORTAL_SSO", "saml"),
    "mode-enum": _env("TESSIAN_MODE", "psychic"),
    "idp-enum": _env("TESSIAN_IDP", "ldap", argv=("verify", *PORTAL)),
    "tenant-name": _env("TESSIAN_TENANT", "a b", "the environment (TESSIAN_TENANT)"),
    "portal-url": _env("TESSIAN_PORTAL_URL", "acme", argv=("verify", *PORTAL[2:], *IDP)),
    "portal-email": _env("TESSIAN_PORTAL_EMAIL", "nobody",
                         argv=("verify", *PORTAL[:2], *PORTAL[4:], *IDP)),
    "totp-seed": _env("TESSIAN_PORTAL_TOTP_SECRET", "0000-1111-8888"),
    "state-dir": _env("TESSIAN_STATE_DIR", "{tmp}/ids.csv"),
    "browser-executable": _env("TESSIAN_BROWSER_EXECUTABLE", "/nonexistent/chrome"),
    "okta-org-url": _env("OKTA_ORG_URL", "o.example", argv=OKTA[:3] + OKTA[5:]),
    "okta-logs-days": _env("OKTA_LOGS_SINCE_DAYS", "0", argv=OKTA),
    "okta-logs-days-high": _env("OKTA_LOGS_SINCE_DAYS", "500", argv=OKTA),
    "okta-private-key": Bad(OKTA, ("OKTA_PRIVATE_KEY", "not an unencrypted PEM private key"),
                            env={"OKTA_PRIVATE_KEY": "not a key", "OKTA_CLIENT_ID": "c"}),
    "okta-private-key-file": Bad(OKTA, ("OKTA_PRIVATE_KEY_FILE", "gone.pem"),
                                 env={"OKTA_PRIVATE_KEY_FILE": "{tmp}/gone.pem",
                                      "OKTA_CLIENT_ID": "c"}),
    "entra-certificate": _env("ENTRA_CERTIFICATE_PATH", "{tmp}/gone.pem", "ENTRA_CERTIFICATE_PATH",
                              argv=ENTRA),
    "entra-graph-url": _env("ENTRA_GRAPH_URL", "graph", argv=ENTRA),
    "entra-authority-url": _env("ENTRA_AUTHORITY_URL", "login", argv=ENTRA),
}

FILES: dict[str, Bad] = {
    "dotenv-syntax": _dotenv("TESSIAN_GRACE_PERIOD=3h\nthis is not a setting\n", "my.env:2"),
    "dotenv-unknown-key": _dotenv("TESSIAN_GRACE_PERIODE=3h\n", "my.env:1",
                                  "TESSIAN_GRACE_PERIODE"),
    "dotenv-bad-value": _dotenv("# c\nTESSIAN_FAIL_LEVEL=x\n", "my.env:2", "fail_level"),
    "dotenv-not-utf8": _dotenv(b"TESSIAN_GRACE_PERIOD=\xff\xfe3h\n", "my.env", "UTF-8"),
    "toml-syntax": _toml('portal_url = "https://x"\nfail_level = \n', "c.toml:2"),
    "toml-unknown-key": _toml('grace_period = "1h"\ngrace_periode = "24h"\n', "c.toml:2",
                              "grace_periode"),
    "toml-wrong-type": _toml('\npage_size = "many"\n', "c.toml:2", "page_size"),
    "toml-wrong-type-in-section": _toml('[browser]\n\nslow_mo_ms = -3\n', "c.toml:3",
                                        "browser_slow_mo_ms"),
    "toml-unknown-section": _toml('[portl]\nemail = "a@acme.example"\n', "c.toml:1", "portl"),
    "toml-bad-tenant-name": _toml('[tenants."acme/x"]\nportal_url = "https://x"\n',
                                  "acme/x"),
    "toml-missing-tenant": _toml('[tenants.acme]\nportal_url = "https://x"\n', "globex",
                                 extra=("--tenant", "globex")),
    "toml-several-tenants": _toml('[tenants.a]\nmode = "dom"\n[tenants.b]\nmode = "dom"\n',
                                  "--tenant"),
    "toml-default-tenant-missing": _toml('default_tenant = "zeta"\n[tenants.a]\nmode = "dom"\n',
                                         "zeta"),
    "toml-tenants-not-tables": _toml('tenants = 3\n', "c.toml:1", "tenants"),
    "toml-set-twice": _toml('[portal]\nemail = "a@acme.example"\nportal_email = "b@acme.example"\n',
                            "set twice"),
    "toml-not-utf8": _toml(b'grace_period = "\xff"\n', "c.toml", "UTF-8"),
    "toml-inline-exception": _toml(EXC.replace('reason = "r"\n', ""), "c.toml:1", "reason"),
    "toml-exceptions-file-relative-missing": _toml('exceptions_file = "rules.toml"\n',
                                                   "rules.toml"),
    "toml-totp-seed": _toml('[portal]\ntotp_secret = "not base32 1890"\n', "c.toml",
                            "portal_totp_secret", "base32"),
    "csv-unknown-column": _export("ids.csv", HEADER.replace("aliases", "alias") + "1,a@x.io,A,,"
                                  "true,true,false,,\n", "ids.csv:1", "alias"),
    "csv-missing-column": _export("ids.csv", "id,email\n1,a@acme.example\n", "ids.csv:1"),
    "csv-bad-bool": _export("ids.csv", GOOD_CSV + "2,b@acme.example,B,,maybe,true,false,,\n",
                            "ids.csv:3", "active"),
    "csv-bad-email": _export("ids.csv", GOOD_CSV + "2,not-an-email,B,,true,true,false,,\n",
                             "ids.csv:3", "email"),
    "csv-bad-date": _export("ids.csv", GOOD_CSV + "2,b@acme.example,B,,true,true,false,"
                            "yesterday,\n", "ids.csv:3", "changed_at"),
    "csv-extra-values": _export("ids.csv", GOOD_CSV + "2,b@acme.example,B,,true,true,false,,,x\n",
                                "ids.csv:3"),
    "csv-fewer-values": _export("ids.csv", GOOD_CSV + "2,b@acme.example\n", "ids.csv:3"),
    "csv-duplicate-id": _export("ids.csv", GOOD_CSV + "1,b@acme.example,B,,true,true,false,,\n",
                                "ids.csv", "1"),
    "csv-header-only": _export("ids.csv", HEADER, "ids.csv", "no identities"),
    "csv-empty": _export("ids.csv", "", "ids.csv", "empty"),
    "csv-latin1": _export("ids.csv", (GOOD_CSV + "2,b@acme.example,Zoë,,true,true,false,,\n")
                          .encode("latin-1"), "ids.csv", "UTF-8"),
    "csv-utf16": _export("ids.csv", GOOD_CSV.encode("utf-16"), "ids.csv", "UTF-8"),
    "json-syntax": _export("ids.json", '{"identities": [\n{"id": "1",,}]}', "ids.json:2"),
    "json-wrong-top": _export("ids.json", "[1, 2]", "ids.json"),
    "json-no-identities": _export("ids.json", '{"people": []}', "ids.json", "identities"),
    "json-item-not-object": _export("ids.json", '{"identities": [\n"a@acme.example"\n]}',
                                    "ids.json:2"),
    "json-missing-field": _export("ids.json", '{"identities": [\n{"id": "1", "email": '
                                  '"a@acme.example"}\n]}', "ids.json:2"),
    "json-empty": _export("ids.json", "  \n", "ids.json", "empty"),
    "exceptions-no-timezone": _rules("r.toml", EXC.replace("T00:00:00Z", ""), "r.toml:1",
                                     "expires"),
    "exceptions-no-owner": _rules("r.toml", EXC.replace('owner = "me@acme.example"\n', ""),
                                  "r.toml:1", "owner"),
    "exceptions-bad-outcome": _rules("r.toml", EXC + 'outcome = "whatever"\n', "r.toml:1",
                                     "outcome"),
    "exceptions-unknown-key": _rules("r.toml", EXC + 'ticket = "CHG-1"\n', "r.toml:1", "ticket"),
    "exceptions-toml-syntax": _rules("r.toml", "[[exceptions]\n", "r.toml:1"),
    "exceptions-json-syntax": _rules("r.json", '{"exceptions": [\n{,}]}', "r.json:2"),
    "exceptions-empty": _rules("r.toml", "", "r.toml", "empty"),
}

CASES = {**{f"flag:{k}": v for k, v in FLAGS.items()},
         **{f"env:{k}": v for k, v in ENVIRONMENT.items()},
         **{f"file:{k}": v for k, v in FILES.items()}}


def _fill(text: str, tmp: Path) -> str:
    return text.replace("{tmp}", str(tmp))


@dataclass(frozen=True)
class Outcome:
    """What one command run left: exit code, stderr lines, files under state/ and reports/."""

    code: int
    err: str
    state_files: list[str]
    report_files: list[str]

    @property
    def lines(self) -> list[str]:
        """The non-empty stderr lines."""
        return [line for line in self.err.splitlines() if line.strip()]


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) \
        if root.is_dir() else []


@pytest.fixture
def run_bad(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Callable[[Bad], Outcome]:
    """Run one bad input in a clean folder: no connector variables, no display, a good export."""
    for key in list(os.environ):
        if key.startswith(("TESSIAN_", "OKTA_", "ENTRA_")) or key in ("DISPLAY", "WAYLAND_DISPLAY"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ids.csv").write_text(GOOD_CSV, encoding="utf-8")

    def run(bad: Bad) -> Outcome:
        for name, content in bad.files.items():
            target = tmp_path / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(_fill(content, tmp_path), encoding="utf-8")
        for name, value in bad.env.items():
            monkeypatch.setenv(name, _fill(value, tmp_path))
        argv = [_fill(a, tmp_path) for a in bad.argv]
        base = [a for flag, var, folder in (("--state-dir", "TESSIAN_STATE_DIR", "state"),
                                            ("--reports-dir", "TESSIAN_REPORTS_DIR", "reports"))
                if var not in bad.env for a in (flag, str(tmp_path / folder))]
        code = main([*base, *argv]) if argv else main([])
        return Outcome(code, capsys.readouterr().err, _files(tmp_path / "state"),
                       _files(tmp_path / "reports"))

    return run


def assert_refused(outcome: Outcome, needles: tuple[str, ...]) -> None:
    """Exit 2; exactly `error: …` (naming every needle) then `remedy: …`; nothing written."""
    assert outcome.code == 2, outcome.err
    assert "Traceback" not in outcome.err and "this is a bug" not in outcome.err, outcome.err
    assert len(outcome.lines) == 2, outcome.lines
    error, remedy = outcome.lines
    assert error.startswith("error: ") and remedy.startswith("remedy: "), outcome.lines
    for needle in needles:
        assert needle in error, (needle, error)
    assert all(f.startswith("locks/") and f.endswith(".lock") for f in outcome.state_files), \
        outcome.state_files
    assert outcome.report_files == [], outcome.report_files


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_refused_with_one_line(name: str, run_bad: Callable[[Bad], Outcome]) -> None:
    """Each bad input exits 2 with one error line naming what is wrong, and writes nothing."""
    bad = CASES[name]
    assert_refused(run_bad(bad), bad.needles)


def test_the_matrix_is_at_least_as_broad_as_the_issue() -> None:
    """The issue counted 71 bad inputs; this matrix has at least that many, from every layer."""
    assert len(CASES) >= 71
    assert min(len(FLAGS), len(ENVIRONMENT), len(FILES)) >= 20


def _without_privileges() -> list[str]:
    """A command prefix under which file permissions hold (root keeps no override capability)."""
    import shutil

    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", "--bounding-set", caps, "--inh-caps", caps]


def _console(tmp_path: Path, *argv: str) -> Outcome:
    """Run the real console script (without file-permission override) in `tmp_path`."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    script = Path(sys.executable).with_name("tessian-connector")
    entry = [str(script)] if script.exists() else [sys.executable, "-m", "connector.cli"]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TESSIAN_", "OKTA_", "ENTRA_", "DISPLAY", "WAYLAND_DISPLAY"))}
    env["PYTHONPATH"] = str(root)
    base = ["--state-dir", str(tmp_path / "state"), "--reports-dir", str(tmp_path / "reports")]
    done = subprocess.run([*_without_privileges(), *entry, *base, *argv], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return Outcome(done.returncode, done.stderr, _files(tmp_path / "state"),
                   _files(tmp_path / "reports"))


PERMISSIONS: dict[str, tuple[tuple[str, ...], str, int, tuple[str, ...]]] = {
    # name: (argv, path made inaccessible, its mode, needles)
    "unreadable-export": (("verify", *PORTAL, *IDP), "ids.csv", 0o000, ("ids.csv", "ermission")),
    "unreadable-config": (("--config", "{tmp}/c.toml", *VERIFY), "c.toml", 0o000,
                          ("c.toml", "ermission")),
    "unreadable-env-file": (("--env-file", "{tmp}/my.env", *VERIFY), "my.env", 0o000,
                            ("my.env", "ermission")),
    "unreadable-exceptions": ((*VERIFY, "--exceptions-file", "{tmp}/r.toml"), "r.toml", 0o000,
                              ("r.toml", "ermission")),
    "unwritable-reports-dir": (VERIFY, "reports", 0o555, ("--reports-dir", "reports")),
    "unwritable-state-dir": (VERIFY, "state", 0o555, ("--state-dir", "state")),
}


@pytest.mark.parametrize("name", sorted(PERMISSIONS))
def test_inaccessible_path_is_refused(name: str, tmp_path: Path) -> None:
    """A file the user cannot read, or a folder they cannot write: exit 2 naming it (real
    console script, run without root's permission override)."""
    argv, target, mode, needles = PERMISSIONS[name]
    tmp_path.chmod(0o755)
    (tmp_path / "ids.csv").write_text(GOOD_CSV, encoding="utf-8")
    path = tmp_path / target
    if target in ("reports", "state"):
        path.mkdir()
    elif not path.exists():
        path.write_text(EXC if target.startswith("r.") else "# nothing\n", encoding="utf-8")
    path.chmod(mode)
    try:
        outcome = _console(tmp_path, *(_fill(a, tmp_path) for a in argv))
    finally:
        path.chmod(0o700)
    assert_refused(outcome, needles)
