"""metrics.prom: Prometheus text format that the official parser reads, with the right series."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from connector.models import Propagation, Report, RunInfo
from connector.report.prometheus_out import PREFIX, metrics_file_name, render_metrics

GOLDEN = Path(__file__).parent / "golden"
EXIT = {"verified": 0, "drift": 1, "inconclusive": 3}


def parsed(report: Report) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Family name -> samples (labels, value), as prometheus_client's parser reads the text."""
    text = render_metrics(report, exit_code=EXIT[report.verdict])
    return {f.name: [(dict(s.labels), s.value) for s in f.samples]
            for f in text_string_to_metric_families(text)}


def value(families: dict[str, list[tuple[dict[str, str], float]]], name: str,
          **labels: str) -> float:
    """The one sample of `name` whose labels include `labels`."""
    found = [v for got, v in families[PREFIX + name] if labels.items() <= got.items()]
    assert len(found) == 1, (name, labels, found)
    return found[0]


@pytest.mark.parametrize("report_name", ["full", "inconclusive", "empty"])
def test_metrics_match_golden(report_name: str, sample_reports: dict[str, Report]) -> None:
    """Each sample report renders exactly as its reviewed metrics.prom golden file."""
    report = sample_reports[report_name]
    rendered = render_metrics(report, exit_code=EXIT[report.verdict])
    golden = GOLDEN / report_name / "metrics.prom"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(rendered.encode("utf-8"))
    assert golden.exists(), f"no golden {golden}: run with UPDATE_GOLDEN=1 and review it"
    assert rendered.encode("utf-8") == golden.read_bytes()


def test_every_family_has_help_type_and_tenant(full_report: Report) -> None:
    """Each family is a gauge with HELP text, every name is prefixed and every sample names the
    tenant."""
    text = render_metrics(full_report, exit_code=1)
    families = list(text_string_to_metric_families(text))
    assert len(families) >= 12
    for family in families:
        assert family.name.startswith(PREFIX)
        assert family.type == "gauge" and family.documentation
        assert f"# TYPE {family.name} gauge" in text
        assert all(s.labels["tenant"] == "acme" for s in family.samples)


def test_verdict_and_counts(full_report: Report) -> None:
    """The verdict is one-hot, and findings are counted by outcome and by severity, zeros
    included."""
    families = parsed(full_report)
    assert value(families, "verdict", verdict="drift") == 1
    assert value(families, "verdict", verdict="verified") == 0
    assert value(families, "exit_code") == 1
    assert value(families, "findings_by_outcome", outcome="not_removed") == 2
    assert value(families, "findings_by_outcome", outcome="pending") == 1
    assert value(families, "findings_by_outcome", outcome="post_leave_sign_in") == 1
    assert value(families, "findings_by_severity", severity="critical") == 2  # with access_retained
    assert value(families, "findings_by_severity", severity="pass") == 3
    assert sum(v for _, v in families[PREFIX + "findings_by_outcome"]) == len(
        full_report.findings)
    assert value(families, "identities_verified") == 3


def test_collections_and_durations(full_report: Report, inconclusive_report: Report) -> None:
    """Completeness, rows and read time per surface and source; an incomplete read shows 0."""
    families = parsed(full_report)
    assert value(families, "collection_complete", surface="user_monitoring", source="api") == 1
    assert value(families, "collection_duration_seconds", surface="groups") == 360
    assert value(families, "last_run_duration_seconds") == 540
    bad = parsed(inconclusive_report)
    assert value(bad, "collection_complete", surface="portal_users") == 0
    assert value(bad, "collection_rows_read", surface="portal_users") == 212
    assert value(bad, "collection_rows_expected", surface="portal_users") == 250
    assert value(bad, "inconclusive_reason", reason="count_mismatch") == 1
    assert value(bad, "inconclusive_reason", reason="shrink_guard") == 0
    assert value(bad, "identities_verified") == 0


def test_propagation_only_when_measured(full_report: Report) -> None:
    """Propagation figures appear when the report has them, and a missing figure is left out."""
    unmeasured = full_report.model_copy(update={"propagation": None})
    assert PREFIX + "propagation_delay_p50_seconds" not in parsed(unmeasured)
    measured = full_report.model_copy(update={"propagation": Propagation(
        count=4, p50_s=90.0, p95_s=1800.5, max_s=None)})
    families = parsed(measured)
    assert value(families, "propagation_delays_measured") == 4
    assert value(families, "propagation_delay_p95_seconds") == 1800.5
    assert PREFIX + "propagation_delay_max_seconds" not in families


def test_label_values_are_escaped(empty_report: Report) -> None:
    """A backslash, quote or line feed in a label value is escaped and parses back intact."""
    odd = 'v1"\\\n2'
    run = RunInfo.model_validate({**empty_report.run.model_dump(), "tool_version": odd})
    families = parsed(empty_report.model_copy(update={"run": run}))
    assert families[PREFIX + "build_info"] == [({"tenant": "acme", "version": odd}, 1.0)]


def test_run_time_is_the_finish(empty_report: Report) -> None:
    """The last-run timestamp is when the run finished, in Unix seconds."""
    finished = empty_report.run.finished_at
    assert finished is not None
    assert value(parsed(empty_report), "last_run_timestamp_seconds") == finished.timestamp()
    assert finished - empty_report.run.started_at == timedelta(minutes=9)


def test_file_name_per_tenant() -> None:
    """Each tenant writes its own file, named so the textfile collector reads it."""
    assert metrics_file_name("acme") == "tessian_acme.prom"
    assert metrics_file_name("acme") != metrics_file_name("acme-eu")
