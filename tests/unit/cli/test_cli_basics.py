"""The command line's grammar and its single exit-code mapping, without touching any portal."""

from __future__ import annotations

import pytest

from connector.cli import (
    EXIT_DRIFT,
    EXIT_INCONCLUSIVE,
    EXIT_USAGE,
    EXIT_VERIFIED,
    exit_code_for_error,
    exit_code_for_verdict,
    main,
)
from connector.commands.args import build_parser
from connector.errors import (
    ApiError,
    BrowserError,
    ConfigError,
    CredentialsRejected,
    InputFileError,
    ProviderError,
    RunLocked,
    UiChanged,
)


def test_verdicts_map_to_documented_exit_codes() -> None:
    """verified 0, drift 1, inconclusive 3: the contract schedulers rely on."""
    assert exit_code_for_verdict("verified") == EXIT_VERIFIED == 0
    assert exit_code_for_verdict("drift") == EXIT_DRIFT == 1
    assert exit_code_for_verdict("inconclusive") == EXIT_INCONCLUSIVE == 3


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ConfigError("bad"), 2),
        (InputFileError("x.csv", "bad", line=3, field="email"), 2),
        (RunLocked("locked"), 2),
        (CredentialsRejected("no"), 3),
        (UiChanged("moved", page="users"), 3),
        (BrowserError("none"), 3),
        (ApiError("boom", status=500), 3),
        (ProviderError("okta down"), 3),
        (RuntimeError("bug"), 3),
    ],
)
def test_errors_map_to_usage_or_inconclusive(exc: BaseException, code: int) -> None:
    """Configuration problems exit 2; everything else that stops a run exits 3, never 0 or 1."""
    assert exit_code_for_error(exc) == code


def test_unknown_flag_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An argparse error returns 2 with one message and a remedy, not argparse's usage dump."""
    assert main(["verify", "--no-such-flag"]) == EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("error: ") and "--no-such-flag" in err[0]
    assert err[1].startswith("remedy: ")
    assert len(err) == 2


def test_missing_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """No command at all is a usage error (exit 2), not a crash."""
    assert main([]) == EXIT_USAGE
    assert "required" in capsys.readouterr().err


def test_bad_choice_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid --mode value names the flag and exits 2."""
    assert main(["collect", "--mode", "telepathy", "--out", "x.json"]) == EXIT_USAGE
    assert "--mode" in capsys.readouterr().err


def test_help_exits_0_and_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """--help prints every command and the exit codes, and returns 0."""
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("collect", "expected", "verify", "report", "check", "doctor", "debug",
                    "history", "demo"):
        assert command in out
    assert "exit codes" in out


def test_global_options_work_before_and_after_the_command() -> None:
    """`--tenant x verify` and `verify --tenant x` both set the tenant; a later one wins."""
    parser = build_parser()
    assert parser.parse_args(["--tenant", "a", "verify"]).tenant == "a"
    assert parser.parse_args(["verify", "--tenant", "b"]).tenant == "b"
    assert parser.parse_args(["--tenant", "a", "verify", "--tenant", "b"]).tenant == "b"
    assert parser.parse_args(["verify"]).tenant is None


def test_provider_flags_parse_for_expected() -> None:
    """The Okta and Entra flags of issue 5 are accepted by `expected`."""
    args = build_parser().parse_args([
        "expected", "--idp", "okta", "--okta-org-url", "https://o.example", "--okta-app-id",
        "0oa1", "--okta-portal-group-id", "00g2", "--entra-graph-url", "http://g", "--out", "i.json",
    ])
    assert (args.idp, args.okta_app_id, args.okta_portal_group_id) == ("okta", "0oa1", "00g2")
    assert args.entra_graph_url == "http://g"
