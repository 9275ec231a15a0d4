"""The `.env` layer of the settings, checked line by line before pydantic-settings reads it.

python-dotenv skips a line it cannot parse (with a log message nobody sees) and pydantic-settings
ignores a misspelt variable: a `.env` with `TESSIAN_GRACE_PERIODE=3h` or a stray sentence would
run with defaults. Here each is a `ConfigError` naming `file:line`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from connector.errors import ConfigError

PREFIX = "tessian_"


def _bindings(path: Path) -> list[Any]:
    """python-dotenv's parse of the file (each binding knows its line)."""
    from dotenv.parser import parse_stream

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the .env file as "
                          "UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the .env file ({exc.strerror})") from None
    return list(parse_stream(io.StringIO(text)))


def check_dotenv(path: Path | None, fields: set[str]) -> None:
    """Refuse a `.env` file with a line that is not NAME=value or an unknown TESSIAN_ name."""
    if path is None or not path.is_file():
        return
    known = {PREFIX + f.casefold() for f in fields}
    for binding in _bindings(path):
        line = binding.original.line
        if binding.error:
            raise ConfigError(f"{path}:{line}: cannot read this line as NAME=value (quote values "
                              "with spaces; start comments with #)")
        key = (binding.key or "").casefold()
        if key.startswith(PREFIX) and key not in known:
            raise ConfigError(f"{path}:{line}: unknown setting '{binding.key}' (check its "
                              "spelling; 'tessian-connector --help' lists the settings)")


def dotenv_line(path: Path, names: list[str]) -> int | None:
    """The last line of `path` that sets one of `names` (the value that wins), or None."""
    wanted = {n.casefold() for n in names}
    try:
        lines = [b.original.line for b in _bindings(path) if (b.key or "").casefold() in wanted]
    except ConfigError:
        return None
    return lines[-1] if lines else None


class OwnKeysOnly(PydanticBaseSettingsSource):
    """A `.env` view ignoring other tools' variables but rejecting misspelt TESSIAN_ ones."""

    def __init__(self, settings_cls: type[BaseSettings], inner: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self.inner = inner

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        """Unused: values come from the wrapped source in `__call__`."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        known = {n.casefold() for n in self.settings_cls.model_fields}
        known |= {f"{PREFIX}{n}" for n in known}
        return {k: v for k, v in self.inner().items()
                if k.casefold() in known or k.casefold().startswith(PREFIX)}
