"""Readable configuration errors: which setting, which layer gave the bad value, what is wrong.

A pydantic ValidationError becomes one line per bad setting, e.g.
`setting 'grace_period' from the environment (TESSIAN_GRACE_PERIOD): cannot read '3x' as a
duration; use e.g. 24h, 3d, 90m or 1d12h`. Secret values are never echoed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Origins:
    """What each layer set, so an error can say where a bad value came from."""

    cli: Mapping[str, object]
    env_file: Path | None
    config_file: Path | None
    file_values: Mapping[str, object]

    def of(self, field: str) -> str:
        """The layer that supplied `field` (the highest one that set it)."""
        names = env_names(field)
        if field in self.cli:
            return "the command line"
        found = next((n for n in names if n in {k.upper() for k in os.environ}), None)
        if found:
            return f"the environment ({found})"
        if self.env_file is not None and _dotenv_sets(self.env_file, names):
            return f"{self.env_file}"
        if field in self.file_values:
            return f"{self.config_file}"
        return "the defaults"


def env_names(field: str) -> list[str]:
    """The environment variable names of a setting."""
    names = [f"TESSIAN_{field.upper()}"]
    if field.startswith(("okta_", "entra_")):
        names.append(field.upper())
    return names


def _dotenv_sets(path: Path, names: list[str]) -> bool:
    from dotenv import dotenv_values

    try:
        keys = {k.upper() for k in dotenv_values(path)}
    except OSError:
        return False
    return any(n in keys for n in names)


def describe_errors(exc: ValidationError, model: type[BaseModel], origins: Origins) -> str:
    """One readable clause per bad setting, joined into one message."""
    secrets = {n for n, f in model.model_fields.items() if "SecretStr" in str(f.annotation)}
    parts = []
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "?"
        if error["type"] == "extra_forbidden":
            parts.append(f"unknown setting '{name}' (check its spelling in the .env or TOML file)")
            continue
        field = name.removeprefix("tessian_")
        parts.append(f"setting '{field}' from {origins.of(field)} ({where_to_set(field)}): "
                     f"{_message(error, show_value=field not in secrets)}")
    return "; ".join(parts)


def where_to_set(field: str) -> str:
    """Where a setting can be given, for error messages."""
    return f"flag, {' or '.join(env_names(field))}, or '{field}' in the TOML file"


def _message(error: Mapping[str, Any], *, show_value: bool) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if show_value and isinstance(value, str | int | float):
        message += f" (got {value!r})"
    return message
