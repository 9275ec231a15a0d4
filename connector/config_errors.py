"""Readable configuration errors: which setting, which layer gave the bad value, what is wrong.

A pydantic ValidationError becomes one line per bad setting, e.g.
`setting 'grace_period' from the environment (TESSIAN_GRACE_PERIOD): cannot read '3x' as a
duration; use e.g. 24h, 3d, 90m or 1d12h`. Secret values are never echoed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from connector.config_file import setting_line
from connector.config_sources import dotenv_line
from connector.redaction import has_credentials


@dataclass(frozen=True)
class Origins:
    """What each layer set, so an error can say where a bad value came from."""

    cli: Mapping[str, object]
    env_file: Path | None
    config_file: Path | None
    file_values: Mapping[str, object]
    flags: Mapping[str, str] = field(default_factory=dict)  # setting -> its command-line flag

    def of(self, name: str) -> str:
        """The layer that supplied setting `name` (the highest one that set it), with the flag,
        variable or file line."""
        names = env_names(name)
        if name in self.cli:
            flag = self.flags.get(name)
            return f"the command line ({flag})" if flag else "the command line"
        found = next((n for n in names if n in {k.upper() for k in os.environ}), None)
        if found:
            return f"the environment ({found})"
        line = self.env_file is not None and self.env_file.is_file() and \
            dotenv_line(self.env_file, names)
        if line:
            return f"{self.env_file}:{line}"
        if name in self.file_values and self.config_file is not None:
            found_line = setting_line(self.config_file, name)
            return f"{self.config_file}:{found_line}" if found_line else f"{self.config_file}"
        return "the defaults"


def env_names(field: str) -> list[str]:
    """The environment variable names of a setting."""
    names = [f"TESSIAN_{field.upper()}"]
    if field.startswith(("okta_", "entra_")):
        names.append(field.upper())
    return names


def describe_errors(exc: ValidationError, model: type[BaseModel], origins: Origins) -> str:
    """One readable clause per bad setting, joined into one message."""
    secrets = {n for n, f in model.model_fields.items() if "SecretStr" in str(f.annotation)}
    parts = []
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "?"
        if error["type"] == "extra_forbidden":
            parts.append(f"unknown setting '{name}' (check its spelling in the .env or TOML file)")
            continue
        setting = name.removeprefix("tessian_")
        parts.append(f"setting '{setting}' from {origins.of(setting)} "
                     f"({where_to_set(setting, origins.flags.get(setting))}): "
                     f"{_message(error, show_value=setting not in secrets)}")
    return "; ".join(parts)


def where_to_set(setting: str, flag: str | None = None) -> str:
    """Where a setting can be given (its flag when it has one), for error messages."""
    return f"{flag or 'flag'}, {' or '.join(env_names(setting))}, or '{setting}' in the TOML file"


def _message(error: Mapping[str, Any], *, show_value: bool) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if show_value and isinstance(value, str | int | float) and not has_credentials(value):
        message += f" (got {value!r})"
    return message
