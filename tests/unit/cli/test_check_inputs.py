"""`check`'s inputs and identity rules without a browser: address syntax, `-`/`@FILE` batches,
addresses unknown to the provider, typo suggestions, and the minimal identity source."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from connector.cli import main
from connector.commands.check_inputs import AddressError, canonical, read_batch
from connector.commands.spot_rules import (
    expectation_for,
    find_identity,
    judge,
    minimal_source,
    unknown_reason,
    verdict_of,
)
from connector.models import (
    Identity,
    IdentitySource,
    InconclusiveReason,
    MonitoredUser,
    Outcome,
    SpotCheckResult,
)

SOURCE = IdentitySource(kind="file", location="ids.csv", complete=True, warnings=(
    "row 9: other.person@acme.example has no display name", "2 groups not expanded"),
    identities=(
        Identity(id="1", email="mark.jensen@acme.example", aliases=("mj@acme.example",),
                 active=False, protected=False, source="file"),
        Identity(id="2", email="anna.berg@acme.example", active=True, protected=True,
                 source="file"),
        Identity(id="3", email="other.person@acme.example", active=True, protected=True,
                 source="file"),
    ))
DOMAIN_MAP = {"acme-corp.example": "acme.example"}


def _absent(email: str, surface: str = "user_monitoring") -> SpotCheckResult:
    return SpotCheckResult(email=email, surface=surface, found=False,  # type: ignore[arg-type]
                           conclusive=True)


def _both_absent(email: str) -> list[SpotCheckResult]:
    return [_absent(email), _absent(email, "portal_users")]


def test_addresses_are_trimmed_and_case_folded() -> None:
    """A valid address comes back trimmed and case-folded; odd but legal local parts pass."""
    assert canonical("  Mark.Jensen@ACME.example \t", "argument 1") == "mark.jensen@acme.example"
    assert canonical("o'brien+tag@mail.acme.example", "x") == "o'brien+tag@mail.acme.example"


@pytest.mark.parametrize("bad", [
    "not-an-email", "-", "@file", "a@b", "a@@b.example", "a@b@c.example", "a b@c.example",
    "@acme.example", "a@.example", "a@x..example", ".a@x.example", "a.@x.example",
    "a..b@x.example", "a@-x.example", "a@x-.example", "a@x.123", "a@x.example.", "a\x00@x.example",
    "é@x.example", "a@x_y.example", "a,b@x.example", "<a@x.example>", "", "   ",
])
def test_bad_addresses_are_refused_naming_the_argument(bad: str) -> None:
    """Every malformed address is an AddressError (exit 2) whose message names its origin."""
    with pytest.raises(AddressError, match=r"^argument 3: "):
        canonical(bad, "argument 3")


def test_stdin_batch_skips_blanks_and_comments_and_collapses_duplicates() -> None:
    """`-` reads one address a line; blank lines and # comments are ignored; duplicates (any
    case) collapse onto the first, in order, across the arguments."""
    stdin = io.StringIO("# leavers, week 12\n\nB@acme.example   # ticket 7\n a@acme.example\n"
                        "b@ACME.example\n")
    found = read_batch(["a@acme.example", "-", "c@acme.example"], stdin)
    assert found == ["a@acme.example", "b@acme.example", "c@acme.example"]


def test_file_batch_error_names_the_file_and_line(tmp_path: Path) -> None:
    """A bad line of an @FILE is refused as FILE:LINE, naming the text."""
    batch = tmp_path / "leavers.txt"
    batch.write_text("ok@acme.example\n# note\nnot-an-email\n", encoding="utf-8")
    with pytest.raises(AddressError, match=rf"^{batch}:3: 'not-an-email' is not an email"):
        read_batch([f"@{batch}"], None)


def test_file_batch_reads_addresses_with_a_bom(tmp_path: Path) -> None:
    """An @FILE saved with a UTF-8 byte-order mark reads like any other."""
    batch = tmp_path / "leavers.txt"
    batch.write_text("\ufeffA@acme.example\r\nb@acme.example\r\n", encoding="utf-8")
    assert read_batch([f"@{batch}"], None) == ["a@acme.example", "b@acme.example"]


def test_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    """An @FILE that cannot be read is an AddressError naming the path."""
    missing = tmp_path / "nope.txt"
    with pytest.raises(AddressError, match=rf"^{missing}: cannot read the address list"):
        read_batch([f"@{missing}"], None)


@pytest.mark.parametrize("stdin_text", ["", "\n\n# only comments\n"])
def test_empty_batch_is_refused(stdin_text: str) -> None:
    """A batch that holds no address at all is an error, never a check of nothing."""
    with pytest.raises(AddressError, match="no address to check"):
        read_batch(["-"], io.StringIO(stdin_text))


def test_stdin_twice_and_missing_stdin_are_refused() -> None:
    """'-' twice, or '-' with no standard input at all, is an error."""
    with pytest.raises(AddressError, match="more than once"):
        read_batch(["-", "-"], io.StringIO("a@acme.example\n"))
    with pytest.raises(AddressError, match="no standard input"):
        read_batch(["-"], None)


@pytest.mark.parametrize("argv, named", [
    (["not-an-email"], "argument 1: 'not-an-email'"),
    (["ok@acme.example", "@"], "argument 2: '@'"),
    (["@missing-list.txt"], "missing-list.txt: cannot read"),
])
def test_cli_refuses_bad_addresses_with_exit_2_before_anything_is_read(
    argv: list[str], named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`check` with a bad address exits 2 with one error line naming it; no bundle, no state
    and no settings are touched (the portal URL below is never reached)."""
    monkeypatch.chdir(tmp_path)
    reports, state = tmp_path / "reports", tmp_path / "state"
    code = main(["--reports-dir", str(reports), "--state-dir", str(state), "check", *argv,
                 "--portal-url", "https://portal.invalid", "--idp-file", "absent.csv"])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 2 and len(errors) == 1 and named in errors[0], err
    assert not reports.exists() and not state.exists()


def test_unknown_address_is_never_verified_and_names_a_close_match() -> None:
    """Without --expect, an address the provider lacks has nothing to compare with: unverified
    on both surfaces, a reason unknown_identity with the typo's likely address, inconclusive."""
    typo = "mark.jensem@acme.example"
    expected = expectation_for(typo, None, SOURCE)
    assert (expected.identity, expected.claim, expected.suggestion) == (
        "unknown", False, "mark.jensen@acme.example")
    results = _both_absent(typo)
    findings = [f for r in results for f in judge(r, expected)]
    assert {f.outcome for f in findings} == {Outcome.UNVERIFIED}
    assert all(f.details == {"identity": "unknown", "did_you_mean": "mark.jensen@acme.example"}
               for f in findings)
    reason = unknown_reason(expected, SOURCE.location)
    assert reason is not None and reason.reason == InconclusiveReason.UNKNOWN_IDENTITY
    assert "did you mean mark.jensen@acme.example?" in reason.message
    assert verdict_of(findings, results, [reason]) == "inconclusive"
    assert verdict_of(findings, results, []) == "inconclusive"  # even without the reason


def test_distant_unknown_address_gets_no_suggestion() -> None:
    """An address like no provider address is unknown with no 'did you mean'."""
    expected = expectation_for("zz.q@elsewhere.example", None, SOURCE)
    assert expected.identity == "unknown" and expected.suggestion is None


def test_unknown_address_found_in_monitoring_is_an_orphan() -> None:
    """A monitored row for an address the provider lacks is an orphan, as verify calls it."""
    row = MonitoredUser(address="ghost@acme.example", sync_state="Live", status="Good connection")
    result = SpotCheckResult(email="ghost@acme.example", surface="user_monitoring", found=True,
                             conclusive=True, monitored_user=row)
    assert judge(result, expectation_for(result.email, None, SOURCE))[0].outcome == Outcome.ORPHAN


def test_expect_judges_an_unknown_address_but_still_flags_it() -> None:
    """With --expect absent an unknown address absent everywhere is in sync (verified), and its
    findings still say the provider does not know it."""
    expected = expectation_for("nobody.here@acme.example", "absent", SOURCE)
    results = _both_absent("nobody.here@acme.example")
    findings = [f for r in results for f in judge(r, expected)]
    assert {f.outcome for f in findings} == {Outcome.IN_SYNC}
    assert all(f.details["identity"] == "unknown" for f in findings)
    assert all("unknown to the identity provider" in f.message for f in findings)
    assert unknown_reason(expected, SOURCE.location) is None
    assert verdict_of(findings, results, []) == "verified"


def test_incomplete_source_never_calls_an_address_unknown() -> None:
    """When the provider read was incomplete, an address it lacks is 'incomplete', not unknown,
    and cannot be verified."""
    partial = SOURCE.model_copy(update={"complete": False})
    expected = expectation_for("nobody.here@acme.example", None, partial)
    assert (expected.identity, expected.claim) == ("incomplete", False)
    assert unknown_reason(expected, partial.location) is None
    outcome = judge(_absent("nobody.here@acme.example"), expected)[0].outcome
    assert outcome == Outcome.UNVERIFIED


def test_portal_domain_spelling_finds_the_identity_through_the_domain_map() -> None:
    """An address on a mapped portal domain belongs to the provider identity, as in verify."""
    found = find_identity("mark.jensen@acme-corp.example", SOURCE, DOMAIN_MAP)
    assert found is not None and found.id == "1"
    assert expectation_for("mj@acme-corp.example", None, SOURCE, DOMAIN_MAP).identity == "known"


def test_minimal_source_holds_only_the_asked_identities() -> None:
    """The report's identity source keeps the asked identities and only the warnings that name
    nobody else (the rest are counted, not shown)."""
    asked = {e: expectation_for(e, None, SOURCE) for e in ("mj@acme.example", "x@acme.example")}
    cut = minimal_source(SOURCE, asked, {})
    assert cut is not None and [i.id for i in cut.identities] == ["1"]
    assert cut.warnings == ("2 groups not expanded", "1 warning(s) about other identities left out")
    assert (cut.kind, cut.location, cut.complete) == ("file", "ids.csv", True)


def test_json_output_is_one_ascii_document_even_for_hostile_text(tmp_path: Path) -> None:
    """--json prints exactly one JSON document, ASCII only: bidi controls and terminal escapes in
    portal text arrive as inert \\u escapes and decode back unchanged."""
    from connector.bundle import Bundle
    from connector.commands.check import _print_json
    from connector.models import Report, RunInfo, utc_now

    hostile = "Ev\u202eil \x1b[31mname"
    row = MonitoredUser(address="anna.berg@acme.example", sync_state="Live",
                        status="Good connection")
    found = SpotCheckResult(email="anna.berg@acme.example", surface="user_monitoring", found=True,
                            conclusive=True, monitored_user=row)
    unsure = SpotCheckResult(email="anna.berg@acme.example", surface="portal_users", found=False,
                             conclusive=False, message=hostile)
    expected = expectation_for(found.email, None, SOURCE)
    run = RunInfo(run_id="r1", tool_version="0", tenant="t", portal_host="h", started_at=utc_now())
    findings = (*judge(found, expected), *judge(unsure, expected))
    report = Report(run=run, verdict="inconclusive", findings=findings,
                    spot_checks=(found, unsure), evaluated_at=utc_now())
    out = io.StringIO()
    _print_json(Bundle(tmp_path), report, {found.email: expected}, 3, out)
    text = out.getvalue()
    assert text.isascii() and "\x1b" not in text
    surfaces = json.loads(text)["addresses"][0]["surfaces"]
    assert (surfaces["user_monitoring"]["state"], surfaces["user_monitoring"]["row"]) == (
        "found", {"address": "anna.berg@acme.example", "sync_state": "Live",
                  "status": "Good connection"})
    assert (surfaces["portal_users"]["state"], surfaces["portal_users"]["outcome"],
            surfaces["portal_users"]["message"]) == ("inconclusive", "unverified", hostile)


def test_minimal_policy_keeps_only_exceptions_about_the_asked_addresses() -> None:
    """The report's policy keeps the exceptions for the asked person (alias and domain-map
    spellings included) and drops those naming anyone else."""
    from datetime import UTC, datetime

    from connector.commands.spot_rules import asked_addresses, minimal_policy
    from connector.models import ExceptionRule, Policy

    def rule(email: str) -> ExceptionRule:
        return ExceptionRule(email=email, owner="it.ops@acme.example", reason="r",
                             expires=datetime(2030, 1, 1, tzinfo=UTC))

    others = (rule("other.person@acme.example"), rule("scanner@acme.example"))
    policy = Policy(domain_map=DOMAIN_MAP, exceptions=(rule("MJ@acme-corp.example"), *others))
    asked = {"mark.jensen@acme.example": expectation_for("mark.jensen@acme.example", None, SOURCE)}
    allowed = asked_addresses(asked, SOURCE, DOMAIN_MAP)
    assert [x.email for x in minimal_policy(policy, allowed).exceptions] == ["MJ@acme-corp.example"]
    assert minimal_policy(policy, allowed).domain_map == DOMAIN_MAP
