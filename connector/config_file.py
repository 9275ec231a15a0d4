"""The TOML settings file: shared settings at the top, one `[tenants.NAME]` table per tenant.

```toml
default_tenant = "acme"          # optional; needed only when several tenants are listed
grace_period = "24h"             # shared by every tenant (any setting name works here)
[policy]                         # sections group settings: policy, paths (no prefix),
fail_level = "medium"            # portal, browser, okta, entra, idp (prefix: portal_email, ...)
[paths]                          # retention, applied after each verify (0 keeps everything):
history_keep_days = 400          # runs in the history store (the baseline run always stays)
reports_keep_days = 30           # report bundles (the newest 10 always stay; bundles of
                                 # inconclusive runs stay at least 30 days)
[tenants.acme]
portal_url = "https://acme.tessian-platform.com"
[tenants.acme.portal]
email = "verifier@acme.example"
[tenants.acme.idp]
kind = "file"                    # -> idp
file = "exports/identities.csv"  # -> idp_file; relative paths are relative to this file
[tenants.acme.domain_map]
"old.example" = "acme.example"
```
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connector.errors import ConfigError
from connector.inputs import toml_error_line

SECTIONS = {"policy": "", "paths": "", "portal": "portal_", "browser": "browser_",
            "okta": "okta_", "entra": "entra_", "idp": "idp_"}
RENAMED = {"idp_kind": "idp"}
DICT_SETTINGS = frozenset({"domain_map", "locator_overrides"})
PATH_SETTINGS = frozenset({"exceptions_file", "idp_file", "okta_private_key_file",
                           "entra_certificate_path", "state_dir", "reports_dir"})
TOP_ONLY = frozenset({"tenants", "default_tenant"})


def read_config_file(
    path: Path | None, tenant: str | None, fields: set[str]
) -> tuple[str, dict[str, Any]]:
    """The chosen tenant's name and its settings (shared ones overridden by the tenant's)."""
    if path is None:
        return tenant or "default", {}
    text, data = _load(path)
    tenants = _tenant_tables(path, text, data)
    name = _choose(path, data, tenants, tenant)
    shared = _flatten(path, text, {k: v for k, v in data.items() if k not in TOP_ONLY}, "", fields)
    own = _flatten(path, text, tenants.get(name, {}), "", fields)
    return name, _resolve_paths(path, {**shared, **own})


def list_tenants(path: Path, fields: set[str]) -> tuple[list[str], dict[str, Any]]:
    """Every tenant of the file, sorted by name, and the shared settings (`run-all`): the file's
    shape and its shared settings are checked; each tenant's own settings are left to its run."""
    text, data = _load(path)
    tenants = _tenant_tables(path, text, data)
    shared = _flatten(path, text, {k: v for k, v in data.items() if k not in TOP_ONLY}, "", fields)
    return sorted(tenants), _resolve_paths(path, shared)


def _tenant_tables(path: Path, text: str, data: Mapping[str, Any]) -> dict[str, Any]:
    tenants = data.get("tenants", {})
    if not isinstance(tenants, dict) or not all(isinstance(t, dict) for t in tenants.values()):
        raise _error(path, text, "tenants", "write each tenant as a [tenants.NAME] table")
    return tenants


def _load(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM (Windows editors) is tolerated
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the settings file "
                          "as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file ({exc.strerror})") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = toml_error_line(str(exc))
        where = f"{path}:{line}" if line else str(path)
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None


def _choose(
    path: Path, data: Mapping[str, Any], tenants: Mapping[str, Any], tenant: str | None
) -> str:
    """--tenant (or TESSIAN_TENANT), else default_tenant, else the only tenant."""
    names = sorted(tenants)
    wanted = tenant or data.get("default_tenant")
    if wanted is not None:
        if names and wanted not in tenants:
            raise ConfigError(f"{path}: no tenant '{wanted}'; the file lists: {', '.join(names)}")
        return str(wanted)
    if len(names) > 1:
        raise ConfigError(f"{path} lists several tenants ({', '.join(names)}): choose one with "
                          "--tenant NAME (or TESSIAN_TENANT), or set default_tenant")
    return names[0] if names else "default"


def _flatten(
    path: Path, text: str, table: Mapping[str, Any], prefix: str, fields: set[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = _setting_name(prefix, key, fields)
        if isinstance(value, dict) and name not in DICT_SETTINGS:
            if prefix or key not in SECTIONS:
                raise _error(path, text, key, f"unknown section; sections: {', '.join(SECTIONS)}")
            found = _flatten(path, text, value, SECTIONS[key], fields)
        elif name is None or key in TOP_ONLY:
            raise _error(path, text, key, "unknown setting (check its spelling)")
        else:
            found = {name: value}
        for setting in found.keys() & out.keys():
            raise _error(path, text, key, f"'{setting}' is set twice in one table")
        out.update(found)
    return out


def _setting_name(prefix: str, key: str, fields: set[str]) -> str | None:
    for candidate in (prefix + key, key):
        candidate = RENAMED.get(candidate, candidate)
        if candidate in fields and candidate != "tenant":
            return candidate
    return None


def _resolve_paths(path: Path, values: dict[str, Any]) -> dict[str, Any]:
    """Relative paths in the file are relative to the file, not to the working directory."""
    base = path.parent
    def resolve(key: str, value: Any) -> Any:
        relative = isinstance(value, str) and not Path(value).is_absolute()
        return str(base / value) if key in PATH_SETTINGS and relative else value

    return {k: resolve(k, v) for k, v in values.items()}


def _key_line(text: str, key: str) -> int | None:
    """The line of `key = …` (or of a table header naming `key`) in a TOML text."""
    name = re.escape(key)
    pattern = rf'^[ \t]*(\[[^\]\n]*\b{name}\b[^\]\n]*\]|"?{name}"?\s*=)'
    found = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def setting_line(path: Path, setting: str) -> int | None:
    """Best effort: the line of the settings file that sets `setting` (as `portal_email = …`, or
    `email = …` in its section); None when it cannot be told."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    keys = [setting] + [setting.removeprefix(p) for p in set(SECTIONS.values()) if p
                        and setting.startswith(p)] + [k for k, v in RENAMED.items() if v == setting]
    lines = [line for key in keys if (line := _key_line(text, key)) is not None]
    return min(lines) if lines else None


def _error(path: Path, text: str, key: str, message: str) -> ConfigError:
    line = _key_line(text, key)
    where = f"{path}:{line}" if line else str(path)
    return ConfigError(f"{where}: '{key}': {message}")
