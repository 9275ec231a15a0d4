"""The deploy examples and the Dockerfile are valid for the tools that will read them.

Each check runs the real validator offline: Kubernetes' JSON schemas (kubernetes-validate),
GitHub's workflow schema (check-jsonschema's vendored copy), croniter, shellcheck, hadolint and
systemd-analyze. Each also has a negative twin where that is cheap, so a check cannot pass by
validating nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from croniter import croniter
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
WORKFLOW = DEPLOY / "github-actions" / "tessian-verify.yml"
WRAPPER = DEPLOY / "cron" / "tessian-verify.sh"
BIN = Path(sys.executable).parent
K8S_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())  # 1.29: backoffLimitPerIndex


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]


def _tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else pytest.skip(f"{name} not installed (dev extra)")


def _pod_specs() -> list[dict[str, Any]]:
    specs = []
    for path in MANIFESTS:
        for doc in _documents(path):
            if doc["kind"] == "CronJob":
                specs.append(doc["spec"]["jobTemplate"]["spec"]["template"]["spec"])
            elif doc["kind"] == "Job":
                specs.append(doc["spec"]["template"]["spec"])
    return specs


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_kubernetes_manifests_match_the_schemas_strictly(version: str) -> None:
    """Every manifest validates against that Kubernetes version's schema, unknown fields refused."""
    for path in MANIFESTS:
        for doc in _documents(path):
            kubernetes_validate.validate(doc, version, strict=True)


def test_kubernetes_validation_refuses_a_misspelt_field() -> None:
    """The strict check really looks: a misspelt container field is an error."""
    doc = next(d for d in _documents(DEPLOY / "kubernetes" / "cronjob-verify.yaml"))
    container = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    container["envFrom2"] = container.pop("envFrom")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)


def test_pods_run_as_the_images_uid_read_only_and_non_root() -> None:
    """Both workloads run as the Dockerfile's uid, non-root, read-only root, no privileges."""
    uid = _dockerfile_uid()
    specs = _pod_specs()
    assert len(specs) == 2
    for spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == uid == spec["securityContext"]["fsGroup"]
        for c in spec["containers"]:
            assert c["securityContext"]["readOnlyRootFilesystem"] is True
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
            assert "limits" in c["resources"] and "requests" in c["resources"]


def test_pods_mount_the_images_volumes_and_get_secrets_by_reference() -> None:
    """State and reports are persistent claims at the image's VOLUME paths; secrets via a Secret."""
    volumes = set(_dockerfile_volumes())
    for spec in _pod_specs():
        claims = {v["name"] for v in spec["volumes"] if "persistentVolumeClaim" in v}
        (container,) = spec["containers"]
        mounted = {m["mountPath"] for m in container["volumeMounts"] if m["name"] in claims}
        assert mounted == volumes
        assert container["envFrom"] == [{"secretRef": {"name": "tessian-connector"}}]
        assert "env" not in container  # no literal values beside the Secret


def test_configmap_settings_file_is_read_by_the_connector(tmp_path: Path) -> None:
    """The ConfigMap's config.toml loads with the connector's own reader, for every tenant."""
    from connector.config import Settings
    from connector.config_file import read_config_file

    (config_map,) = [d for d in _documents(DEPLOY / "kubernetes" / "config.yaml")
                     if d["kind"] == "ConfigMap"]
    path = tmp_path / "config.toml"
    path.write_text(config_map["data"]["config.toml"], "utf-8")
    fields = set(Settings.model_fields)
    import tomllib

    tenants = tomllib.loads(path.read_text("utf-8"))["tenants"]
    for tenant in tenants:
        name, values = read_config_file(path, tenant, fields)
        assert name == tenant and values["portal_url"].startswith("https://")


def test_github_workflow_matches_the_workflow_schema(tmp_path: Path) -> None:
    """The workflow validates against GitHub's schema; a misspelt key does not."""
    check = _tool("check-jsonschema")
    ok = subprocess.run([check, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text("utf-8").replace("runs-on:", "run-on:"), "utf-8")
    bad = subprocess.run([check, "--builtin-schema", "vendor.github-workflows", str(broken)],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 1


def test_schedules_are_valid_cron_expressions() -> None:
    """The crontab line, the CronJob and the workflow schedule all parse as hourly cron rules."""
    schedules = [_crontab_entry()[0]]
    schedules += [d["spec"]["schedule"] for p in MANIFESTS for d in _documents(p)
                  if d["kind"] == "CronJob"]
    schedules += [s["cron"] for s in yaml.safe_load(WORKFLOW.read_text("utf-8"))[True]["schedule"]]
    assert len(schedules) == 3
    for expr in schedules:
        it = croniter(expr)
        first, second = it.get_next(float), it.get_next(float)
        assert second - first == 3600, expr
    assert not croniter.is_valid("61 * * * *")


def _crontab_entry() -> tuple[str, str, list[str]]:
    """The crontab's one job line as (schedule, user, command words)."""
    lines = [ln for ln in (DEPLOY / "cron" / "crontab").read_text("utf-8").splitlines()
             if ln.strip() and not ln.startswith("#") and "=" not in ln.split()[0]]
    (line,) = lines
    words = line.split()
    return " ".join(words[:5]), words[5], words[6:]


@pytest.mark.parametrize("script", [WRAPPER, DEPLOY / "docker" / "check-image.sh"],
                         ids=lambda p: p.name)
def test_shell_scripts_pass_bash_n_and_shellcheck(script: Path) -> None:
    """The cron wrapper and the image check are valid bash and shellcheck finds nothing."""
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    sc = subprocess.run([_tool("shellcheck"), "--severity=style", str(script)],
                        capture_output=True, text=True, check=False)
    assert sc.returncode == 0, sc.stdout


def test_dockerfile_passes_hadolint() -> None:
    """hadolint finds nothing in the Dockerfile (its one ignore is justified in a comment)."""
    lint = subprocess.run([_tool("hadolint"), str(ROOT / "Dockerfile")],
                          capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout


def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd-analyze verify accepts the instantiated service and timer, with no warning."""
    analyze = shutil.which("systemd-analyze") or pytest.skip("systemd-analyze not installed")
    root = _systemd_root(tmp_path)
    done = subprocess.run([analyze, "verify", f"--root={root}",
                           "tessian-connector-verify@acme.service",
                           "tessian-connector-verify@acme.timer"],
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def _systemd_root(tmp_path: Path) -> Path:
    """A root folder with the system's own units, ours, and a stand-in for ExecStart's program
    (verify refuses a unit whose program is missing; the real one lives in the install venv)."""
    system_units = Path("/usr/lib/systemd/system")
    if not (system_units / "sysinit.target").exists():
        pytest.skip("no systemd unit folder to verify against")
    shutil.copytree(system_units, tmp_path / "usr/lib/systemd/system", symlinks=True)
    ours = tmp_path / "etc/systemd/system"
    shutil.copytree(DEPLOY / "systemd", ours)
    program = tmp_path / "opt/tessian-connector/bin/tessian-connector"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n", "utf-8")
    program.chmod(0o755)
    return tmp_path


def _dockerfile() -> DockerfileParser:
    return DockerfileParser(str(ROOT / "Dockerfile"), cache_content=True)


def _dockerfile_uid() -> int:
    users = [i["value"] for i in _dockerfile().structure if i["instruction"] == "USER"]
    assert users, "the Dockerfile must switch to a non-root USER"
    uid = int(users[-1].split(":")[0])
    assert uid != 0
    return uid


def _dockerfile_volumes() -> list[str]:
    import json

    (volume,) = [i["value"] for i in _dockerfile().structure if i["instruction"] == "VOLUME"]
    return list(json.loads(volume))


def test_dockerfile_runs_as_numeric_non_root_uid_created_in_the_image() -> None:
    """USER is numeric (so runAsNonRoot can check it) and matches the useradd of the image."""
    uid = _dockerfile_uid()
    runs = " ".join(i["value"] for i in _dockerfile().structure if i["instruction"] == "RUN")
    assert f"--uid {uid}" in runs and f"--gid {uid}" in runs


def test_dockerfile_bakes_no_secret_and_starts_the_connector() -> None:
    """No ENV/ARG names a secret setting; the entrypoint is tessian-connector under tini."""
    secretish = ("PASSWORD", "SECRET", "TOKEN", "PRIVATE_KEY")
    for item in _dockerfile().structure:
        if item["instruction"] in ("ENV", "ARG"):
            assert not any(word in item["value"].upper() for word in secretish), item["value"]
    (entry,) = [i["value"] for i in _dockerfile().structure if i["instruction"] == "ENTRYPOINT"]
    assert entry.endswith('"tessian-connector"]') and "tini" in entry


def test_dockerignore_admits_every_copy_source_and_keeps_secrets_out() -> None:
    """Every COPY source is in .dockerignore's allow-list; .env, .state, reports and .git are not."""
    lines = [ln.strip() for ln in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines[0] == "*"  # an allow-list: anything new stays out until named
    allowed = [ln[1:].rstrip("/") for ln in lines if ln.startswith("!")]
    for item in _dockerfile().structure:
        if item["instruction"] == "COPY" and "--from=" not in item["value"]:
            for source in item["value"].split()[:-1]:
                assert any(source.rstrip("/") == a or source.startswith(a + "/")
                           for a in allowed), source
    for private in (".env", ".state", "reports", ".git", ".venv"):
        assert not any(private == a or private.startswith(a + "/") for a in allowed)
