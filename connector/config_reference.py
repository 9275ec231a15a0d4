"""The settings reference: a Markdown table of every setting, for the README (`Settings` fields)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from connector.config import Settings
from connector.config_errors import env_names


def settings_reference() -> str:
    """A Markdown table of every setting: name, environment variables, default (for the README)."""
    lines = ["| setting (TOML key, flag) | environment | default |", "| --- | --- | --- |"]
    for name, info in Settings.model_fields.items():
        secret = "SecretStr" in str(info.annotation)
        shown = "(secret)" if secret else _shown(info.get_default(call_default_factory=True))
        lines.append(f"| `{name}` | {', '.join(f'`{e}`' for e in env_names(name))} | {shown} |")
    return "\n".join(lines) + "\n"


def _shown(default: Any) -> str:
    if default in (None, "", (), {}):
        return ""
    if isinstance(default, timedelta):
        return f"`{default.total_seconds() / 3600:g}h`"
    if isinstance(default, tuple):
        return f"`{','.join(default)}`"
    return f"`{getattr(default, 'value', default)}`"
