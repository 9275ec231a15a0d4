"""What the help promises about environment variables holds, and inputs that look odd but are
valid are accepted: a TOTP seed as authenticator apps show it, files with a UTF-8 BOM, real keys
and certificates."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from connector.cli import main
from connector.commands.args import EPILOG, build_parser
from connector.commands.settings_adapter import load_wiring, to_settings
from connector.config import Settings, load_settings
from connector.config_errors import env_names
from fixtures.idp.server import self_signed

ENV_NAME = re.compile(r"\b(?:TESSIAN|OKTA|ENTRA)_[A-Z0-9_]*[A-Z0-9]\b")
SEED = "JBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No connector variable of the machine, and a working folder without a .env."""
    for name in list(os.environ):
        if name.upper().startswith(("TESSIAN_", "OKTA_", "ENTRA_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def pem_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A PEM private key file, and a PEM file holding that key and its certificate."""
    key, cert = self_signed("tessian-connector", dt.timedelta(days=1))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    folder = tmp_path_factory.mktemp("pem")
    (folder / "key.pem").write_text(key_pem)
    (folder / "both.pem").write_text(key_pem + cert.public_bytes(serialization.Encoding.PEM)
                                     .decode())
    return folder / "key.pem", folder / "both.pem"


def _documented(parser: argparse.ArgumentParser) -> dict[str, tuple[argparse.Action, list[str]]]:
    """Every flag of every command whose help names environment variables, with those names."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    found: dict[str, tuple[argparse.Action, list[str]]] = {}
    for sub in [parser, *(p for a in subs for p in a.choices.values())]:
        for action in sub._actions:
            names = ENV_NAME.findall(action.help or "") if action.option_strings else []
            if names:
                found[action.option_strings[-1]] = (action, names)
    return found


def _value(action: argparse.Action, pem_files: tuple[Path, Path]) -> str:
    """A valid, non-default value for a flag, by what its metavar says it takes."""
    by_metavar = {"EMAIL": "someone@acme.example", "BASE32": SEED, "PATH": sys.executable,
                  "PEM": str(pem_files[0]), "URL": "https://acme.example"}
    return by_metavar.get(str(action.metavar), "Secret-value-42")


def _shown(settings: Settings, name: str) -> Any:
    value = getattr(settings, name)
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def test_help_names_variables_that_set_the_flags_setting(
    monkeypatch: pytest.MonkeyPatch, pem_files: tuple[Path, Path]
) -> None:
    """For every flag whose help names an environment variable, that variable really sets the
    flag's setting (--sso-password named TESSIAN_SSO_PASSWORD, which sets nothing)."""
    parser = build_parser()
    documented = _documented(parser)
    assert {"--sso-password", "--portal-password", "--totp-secret"} <= set(documented)
    for flag, (action, names) in documented.items():
        value = _value(action, pem_files)
        (setting,) = to_settings({action.dest: value})
        for name in names:
            monkeypatch.setenv(name, value)
            from_env = load_settings({}, config_file=None, env_file=None, tenant=None)
            monkeypatch.delenv(name)
            assert _shown(from_env, setting) == value, (flag, name, setting)


def test_epilogue_names_only_real_variables() -> None:
    """Every variable the --help epilogue names is one a setting answers to."""
    real = {n for field in Settings.model_fields for n in env_names(field)}
    named = set(ENV_NAME.findall(EPILOG))
    assert named and named <= real, named - real


@pytest.mark.parametrize("given", ["jbsw y3dp ehpk 3pxp", "JBSW-Y3DP-EHPK-3PXP".replace("-", " "),
                                   "jbswy3dpehpk3pxp", " JBSWY3DPEHPK3PXP====\n"])
def test_totp_seed_as_apps_show_it_is_normalised(given: str) -> None:
    """A seed with spaces, in lower case or with '=' padding is the same seed, canonical."""
    settings = load_settings({"portal_totp_secret": given}, config_file=None, env_file=None,
                             tenant=None)
    assert settings.portal_totp_secret is not None
    assert settings.portal_totp_secret.get_secret_value() == SEED


def test_spaced_seed_from_the_environment_reaches_the_sign_in(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """TESSIAN_PORTAL_TOTP_SECRET='jbsw y3dp …' gives the sign-in the canonical seed (the one
    that once made pyotp fail with 'this is a bug')."""
    monkeypatch.setenv("TESSIAN_PORTAL_TOTP_SECRET", "jbsw y3dp ehpk 3pxp")
    wiring = load_wiring({}, config_file=None, env_file=None, tenant=None)
    assert wiring.portal.totp_secret is not None
    assert wiring.portal.totp_secret.get_secret_value() == SEED


def test_files_with_a_utf8_bom_are_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A settings file, a .env and an identity export saved with a BOM (Windows editors) load."""
    bom = "\ufeff"
    (tmp_path / "c.toml").write_text(bom + 'grace_period = "3h"\n', encoding="utf-8")
    (tmp_path / "my.env").write_text(bom + "TESSIAN_FAIL_LEVEL=high\n", encoding="utf-8")
    (tmp_path / "ids.csv").write_text(
        bom + "id,email,display_name,aliases,active,protected,portal_access\n"
        "1,a@acme.example,A,,true,true,false\n", encoding="utf-8")
    w = load_wiring({}, config_file=tmp_path / "c.toml", env_file=tmp_path / "my.env", tenant=None)
    assert (w.policy.grace_period, w.policy.fail_level.value) == (dt.timedelta(hours=3), "high")
    code = main(["--state-dir", str(tmp_path / "s"), "expected", "--idp", "file", "--idp-file",
                 str(tmp_path / "ids.csv"), "--out", str(tmp_path / "o.json")])
    assert code == 0, capsys.readouterr().err


def test_real_key_and_certificate_files_are_accepted(pem_files: tuple[Path, Path]) -> None:
    """A PEM private key (Okta) and a PEM key + certificate (Entra) pass the file checks."""
    key, both = pem_files
    settings = load_settings({"okta_private_key_file": key, "entra_certificate_path": both},
                             config_file=None, env_file=None, tenant=None)
    assert (settings.okta_private_key_file, settings.entra_certificate_path) == (key, both)
    inline = load_settings({"okta_private_key": key.read_text()}, config_file=None,
                           env_file=None, tenant=None)
    assert inline.okta_private_key is not None


def test_browser_executable_on_path_is_accepted() -> None:
    """A program name found on PATH (e.g. 'python3' here, 'chromium' in practice) is valid."""
    name = Path(sys.executable).name
    settings = load_settings({"browser_executable": name}, config_file=None, env_file=None,
                             tenant=None)
    assert settings.browser_executable == name

