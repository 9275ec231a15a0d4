"""`verify` with metrics_dir set writes the tenant's Prometheus textfile next to other tenants'."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_verify_writes_the_tenant_metrics_file(
    cli: Any, demo_args: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a verify run the collector folder holds tessian_demo.prom (0644, parseable), with
    the run's verdict, exit code and findings; another tenant's file there is left alone."""
    textfile = tmp_path / "textfile"
    textfile.mkdir()
    (textfile / "tessian_other.prom").write_text("other_metric 1\n")
    monkeypatch.setenv("TESSIAN_METRICS_DIR", str(textfile))
    result = cli(*demo_args.global_args, "verify", *demo_args.verify)
    assert result.code == 1, result.err[-1500:]
    path = textfile / "tessian_demo.prom"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(path.read_text()) for s in f.samples}
    report = result.report()
    tenant = ("tenant", "demo")
    assert samples[("tessian_connector_verdict", (tenant, ("verdict", "drift")))] == 1
    assert samples[("tessian_connector_exit_code", (tenant,))] == 1
    for outcome, number in report["counts"].items():
        key = ("tessian_connector_findings_by_outcome", (("outcome", outcome), tenant))
        assert samples[key] == number
    run = json.loads((result.bundle() / "run.json").read_text())
    assert run["exit_code"] == 1
    assert (textfile / "tessian_other.prom").read_text() == "other_metric 1\n"
    assert sorted(p.name for p in textfile.iterdir()) == ["tessian_demo.prom", "tessian_other.prom"]
    assert (result.bundle() / "ocsf.json").exists()
