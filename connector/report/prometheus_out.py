"""tessian_<tenant>.prom: a run's figures in the Prometheus text format, for node_exporter's
textfile collector.

Every series carries a `tenant` label, so the files of several tenants in one collector folder
add up to one consistent set. Enumerations (verdict, outcome, severity, inconclusive reason) are
written in full, zeros included: an alert on `== 1` or `> 0` never depends on a series appearing.
No label holds a person's address or any free text from the portal: only the tenant name, the
tool version and the connector's own vocabularies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from connector.models import (
    Collection,
    InconclusiveReason,
    Outcome,
    Propagation,
    Report,
    Severity,
)

PREFIX = "tessian_connector_"
VERDICTS = ("verified", "drift", "inconclusive")
Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Metric:
    """One metric family: name (without the prefix), help text and samples (labels, value)."""

    name: str
    help: str
    samples: tuple[tuple[Labels, float], ...]


def metrics_file_name(tenant: str) -> str:
    """The file of one tenant in the collector folder: tenants sharing a folder never collide.
    (Tenant names are letters, digits, '.', '_' and '-', checked by the settings.)"""
    return f"tessian_{tenant}.prom"


def render_metrics(report: Report, *, exit_code: int) -> str:
    """The report's figures as Prometheus exposition text (gauges, HELP and TYPE for each)."""
    tenant = (("tenant", report.run.tenant),)
    families = [*_run_metrics(report, exit_code), *_finding_metrics(report),
                *_collection_metrics(report.collections), *_propagation(report.propagation)]
    return "".join(_family(m, tenant) for m in families if m.samples)


def _run_metrics(report: Report, exit_code: int) -> Iterator[Metric]:
    """Verdict, exit code, when the run ended, how long it took, and the tool's version."""
    run = report.run
    ended = run.finished_at or report.evaluated_at
    yield Metric("verdict", "1 for the verdict of the last run, 0 for the others.",
                 tuple(((("verdict", v),), float(report.verdict == v)) for v in VERDICTS))
    yield Metric("exit_code", "Exit code of the last run (0 verified, 1 drift, 3 inconclusive).",
                 (((), float(exit_code)),))
    yield Metric("last_run_timestamp_seconds", "When the last run finished (Unix time).",
                 (((), ended.timestamp()),))
    yield Metric("last_run_duration_seconds", "How long the last run took, start to finish.",
                 (((), (ended - run.started_at).total_seconds()),))
    yield Metric("build_info", "The connector version that wrote this file (always 1).",
                 (((("version", run.tool_version),), 1.0),))
    reasons = {r.reason for r in report.reasons}
    yield Metric("inconclusive_reason", "1 for each reason the last run was inconclusive.",
                 tuple(((("reason", r.value),), float(r in reasons)) for r in InconclusiveReason))


def _finding_metrics(report: Report) -> Iterator[Metric]:
    """Findings counted by outcome and by severity, and the identities the run vouches for."""
    outcomes = [f.outcome for f in report.findings]
    severities = [f.severity for f in report.findings]
    yield Metric("findings_by_outcome", "Findings of the last run, by outcome.",
                 tuple(((("outcome", o.value),), float(outcomes.count(o))) for o in Outcome))
    yield Metric("findings_by_severity", "Findings of the last run, by severity.",
                 tuple(((("severity", s.value),), float(severities.count(s))) for s in Severity))
    yield Metric("identities_verified", "Identities the last run verified (0 when inconclusive).",
                 (((), float(report.identities_verified)),))


def _collection_metrics(collections: Iterable[Collection]) -> Iterator[Metric]:
    """Per surface and source: complete or not, rows read and promised, and read time."""
    reads = sorted(collections, key=lambda c: (c.surface, c.source))

    def where(c: Collection) -> Labels:
        return (("surface", c.surface), ("source", c.source))

    yield Metric("collection_complete", "1 when the surface was read completely, else 0.",
                 tuple((where(c), float(c.complete)) for c in reads))
    yield Metric("collection_rows_read", "Rows read from the surface.",
                 tuple((where(c), float(c.read_count)) for c in reads))
    yield Metric("collection_rows_expected", "Rows the surface's status line (or API) promised.",
                 tuple((where(c), float(c.expected_count)) for c in reads
                       if c.expected_count is not None))
    yield Metric("collection_duration_seconds", "How long reading the surface took.",
                 tuple((where(c), (c.finished_at - c.started_at).total_seconds()) for c in reads
                       if c.started_at is not None and c.finished_at is not None))


def _propagation(propagation: Propagation | None) -> Iterator[Metric]:
    """Propagation delays of the run (provider change -> Audit Trail), when measured."""
    if propagation is None:
        return
    yield Metric("propagation_delays_measured", "Propagation delays measured in the last run.",
                 (((), float(propagation.count)),))
    for name, value, text in (("p50", propagation.p50_s, "Median"),
                              ("p95", propagation.p95_s, "95th percentile"),
                              ("max", propagation.max_s, "Longest")):
        if value is not None:
            yield Metric(f"propagation_delay_{name}_seconds",
                         f"{text} propagation delay of the last run.", (((), value),))


def _family(metric: Metric, common: Labels) -> str:
    """HELP, TYPE and one line per sample."""
    name = PREFIX + metric.name
    lines = [f"# HELP {name} {_escape_help(metric.help)}", f"# TYPE {name} gauge"]
    lines += [f"{name}{_labels(common + labels)} {_value(value)}"
              for labels, value in metric.samples]
    return "\n".join(lines) + "\n"


def _labels(labels: Labels) -> str:
    return "{" + ",".join(f'{key}="{_escape_label(value)}"' for key, value in labels) + "}"


def _escape_label(value: str) -> str:
    """Label values escape backslash, double quote and line feed (the format's only escapes)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    """HELP text escapes backslash and line feed."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _value(value: float) -> str:
    """Integers without a fraction; others as Python's shortest round-trip form."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value.is_integer() else repr(value)
