"""Expected state for the command line: read the configured identity source.

A bad export file is a configuration error (exit 2, file:line:field). A provider that fails is
not: the run goes on and evaluation reports it inconclusive (`provider_failed`), because the
portal read may still be worth keeping and the reason belongs in the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connector.commands.context import Wiring
from connector.errors import ConfigError, ProviderError
from connector.models import IdentitySource, utc_now


def read_identities(w: Wiring) -> IdentitySource:
    """The expected state from the configured source (file, Okta or Entra ID)."""
    kind = w.idp.kind or ("file" if w.idp.file else None)
    if kind is None:
        raise ConfigError("no identity source: set --idp file|okta|entra (and --idp-file PATH "
                          "for file), TESSIAN_IDP, or idp in the TOML file")
    if kind == "file":
        return _read_file(w.idp.file)
    try:
        return _read_okta(w.idp.okta) if kind == "okta" else _read_entra(w.idp.entra)
    except ProviderError as exc:
        location = str(w.idp.okta.get("org_url") if kind == "okta" else
                       w.idp.entra.get("tenant_id"))
        return IdentitySource(kind=kind, location=location, complete=False,
                              errors=(f"{exc.message} ({exc.remedy})",), read_at=utc_now())


def _read_file(path: Path | None) -> IdentitySource:
    from connector.idp.files import read_identity_file

    if path is None:
        raise ConfigError("--idp file needs --idp-file PATH (a CSV or JSON identity export)")
    return read_identity_file(path)


def _read_okta(values: dict[str, Any]) -> IdentitySource:
    from connector.idp.okta import OktaOptions, read_okta

    _need(values, "org_url", "--okta-org-url (or OKTA_ORG_URL)")
    return read_okta(_options(OktaOptions, values, "okta"))


def _read_entra(values: dict[str, Any]) -> IdentitySource:
    from connector.idp.entra import EntraOptions, read_entra

    _need(values, "tenant_id", "--entra-tenant-id (or ENTRA_TENANT_ID)")
    _need(values, "client_id", "--entra-client-id (or ENTRA_CLIENT_ID)")
    return read_entra(_options(EntraOptions, values, "entra"))


def _need(values: dict[str, Any], key: str, setting: str) -> None:
    if not values.get(key):
        raise ConfigError(f"missing setting {setting}")


def _options(cls: Any, values: dict[str, Any], prefix: str) -> Any:
    """Build the provider's options dataclass, unwrapping secrets and naming bad settings."""
    known = set(getattr(cls, "__dataclass_fields__", {}))
    kwargs = {k: _plain(v) for k, v in values.items() if k in known and v is not None}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid {prefix} settings: {exc}") from exc


def _plain(value: Any) -> Any:
    reveal = getattr(value, "get_secret_value", None)
    return reveal() if callable(reveal) else value
