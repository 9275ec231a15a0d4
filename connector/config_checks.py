"""Value checks for settings that name something outside the program: a URL, an address, a TOTP
seed, a key or certificate file, a folder to write to, a browser to start.

Each is an `Annotated` type used on a `Settings` field, so a bad value fails while the settings
load, before anything is read or written, and `describe_errors` names the flag, the variable or
the file line it came from. The messages never quote a secret (the caller shows no secret value).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import SplitResult, urlsplit

from pydantic import AfterValidator, BeforeValidator, SecretStr

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_BASE32 = re.compile(r"^[A-Z2-7]+$")
MIN_SEED_CHARS = 16  # 80 bits, the shortest seed authenticator set-ups issue
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_PEM_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")


def normalise_seed(value: Any) -> Any:
    """A TOTP seed as authenticator apps show it ('jbsw y3dp …', '=' padding) made canonical:
    no spaces, upper case, no padding; anything that is not then base32 is refused."""
    if value is None:
        return None
    raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    seed = re.sub(r"\s+", "", raw).upper().rstrip("=")
    if not seed:
        return None
    if not _BASE32.match(seed):
        raise ValueError("not a base32 TOTP seed: use the letters A-Z and the digits 2-7 that "
                         "the authenticator set-up shows (spaces and lower case are fine)")
    if len(seed) % 8 in (1, 3, 6) or not _decodes(seed):
        raise ValueError(f"not a whole base32 TOTP seed ({len(seed)} characters is no whole "
                         "number of bytes): copy the complete seed")
    if len(seed) < MIN_SEED_CHARS:
        raise ValueError(f"too short for a TOTP seed ({len(seed)} characters; set-ups show at "
                         f"least {MIN_SEED_CHARS}): copy the complete seed")
    return SecretStr(seed)


def _decodes(seed: str) -> bool:
    try:
        base64.b32decode(seed + "=" * (-len(seed) % 8))
    except (binascii.Error, ValueError):
        return False
    return True


def web_url(value: str | None) -> str | None:
    """An http(s) URL with a host name."""
    if value is None:
        return None
    text = value.strip()
    parts = _split(text)
    if parts is None or parts.scheme.casefold() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be a web address such as https://acme.tessian-platform.com "
                         "(http or https, with a host name)")
    if any(c.isspace() for c in text):
        raise ValueError("must be a web address without spaces")
    return text


def _split(text: str) -> SplitResult | None:
    """The URL's parts, or None when it does not parse (its host is parsed lazily, and may raise)."""
    try:
        parts = urlsplit(text)
        _ = parts.hostname, parts.password
    except ValueError:
        return None
    return parts


_PASSWORD_PARAM = re.compile(r"(?:^|&)(?:ssl)?password=", re.IGNORECASE)


def postgres_url(value: str | None) -> str | None:
    """A PostgreSQL URL (postgresql://user@host:port/db) for the history store, with no password:
    a password in a URL reaches every log line and message that shows the URL."""
    if value is None:
        return None
    text = value.strip()
    parts = _split(text)
    if parts is None or parts.scheme.casefold() not in ("postgresql", "postgres") or any(
            c.isspace() for c in text):
        raise ValueError("must be a PostgreSQL URL such as postgresql://tessian@db.example/"
                         "tessian (leave it unset for the SQLite file in the state folder)")
    if parts.password is not None or _PASSWORD_PARAM.search(parts.query):
        raise ValueError("must not carry a password; use TESSIAN_HISTORY_PASSWORD, PGPASSWORD "
                         "or ~/.pgpass")
    return text


def email(value: str | None) -> str | None:
    """An email address (local@domain.tld), trimmed."""
    if value is None:
        return None
    if not _EMAIL.match(value.strip()):
        raise ValueError("not an email address (expected name@domain.example)")
    return value.strip()


def domains(value: tuple[str, ...]) -> tuple[str, ...]:
    """Domain names, each case-folded and without a leading '@'."""
    cleaned = tuple(d.strip().casefold().lstrip("@") for d in value)
    bad = [d for d in cleaned if not _DOMAIN.match(d)]
    if bad:
        raise ValueError(f"not a domain name: {bad[0]!r} (expected e.g. acme.example)")
    return cleaned


def writable_dir(value: Path) -> Path:
    """A folder that exists and is writable, or can be created (its nearest existing parent is
    a writable folder)."""
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file, not a folder")
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise ValueError(f"{path} cannot be created: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{existing} is not writable (permission denied)")
    return path


def readable_file(value: Path | None) -> Path | None:
    """A file that exists and can be read."""
    if value is None:
        return None
    path = Path(value)
    if path.is_dir():
        raise ValueError(f"{path} is a directory, not a file")
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    if not os.access(path, os.R_OK):
        raise ValueError(f"{path} is not readable (permission denied)")
    return path


def private_key_file(value: Path | None) -> Path | None:
    """A readable file holding an unencrypted PEM private key."""
    path = readable_file(value)
    if path is not None:
        check_private_key(_text_of(path), f"{path} ")
    return path


def private_key(value: SecretStr | None) -> SecretStr | None:
    """An unencrypted PEM private key given as text (never quoted back)."""
    if value is not None:
        check_private_key(value.get_secret_value(), "")
    return value


def check_private_key(pem: str, where: str) -> None:
    """Refuse text that is not an unencrypted RSA or EC PEM private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, binascii.Error):
        raise ValueError(f"{where}is not an unencrypted PEM private key (a 'BEGIN PRIVATE KEY' "
                         "block)") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(f"{where}holds a private key that is neither RSA nor EC")


def certificate_file(value: Path | None) -> Path | None:
    """A .pfx/.p12 bundle, or a PEM file with the private key and the certificate."""
    path = readable_file(value)
    if path is None or path.suffix.casefold() in (".pfx", ".p12"):
        return path
    from cryptography import x509

    text = _text_of(path)
    if not _PEM_KEY.search(text):
        raise ValueError(f"{path} holds no PEM private key (the certificate's key is needed too)")
    check_private_key(text, f"{path} ")
    try:
        x509.load_pem_x509_certificate(text.encode())
    except ValueError:
        raise ValueError(f"{path} holds no valid PEM certificate (a 'BEGIN CERTIFICATE' "
                         "block)") from None
    return path


def _text_of(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a PEM text file") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror})") from None


def executable(value: str | None) -> str | None:
    """A browser to start: a path to an executable file, or a program name found on PATH."""
    if value is None:
        return None
    if os.sep not in value and shutil.which(value):
        return value
    path = Path(value)
    if path.is_dir():
        raise ValueError(f"{value} is a directory, not a browser executable")
    if not path.is_file():
        raise ValueError(f"{value}: no such file (and no program of that name on PATH)")
    if not os.access(path, os.X_OK):
        raise ValueError(f"{value} is not executable")
    return value


def parse_duration(text: str) -> timedelta:
    """'24h', '3d', '90m', '1d12h', '2w', '45s' (or ISO-8601 'PT24H', left to pydantic)."""
    value = text.strip().casefold()
    if value.startswith("p"):
        return text.strip().upper()  # type: ignore[return-value] - pydantic reads ISO-8601
    parts = _DURATION.findall(value)
    if not parts or _DURATION.sub("", value).strip():
        raise ValueError(f"cannot read {text!r} as a duration; use e.g. 24h, 3d, 90m or 1d12h")
    return sum((timedelta(**{_UNITS[unit]: float(n)}) for n, unit in parts), timedelta(0))


def parse_mapping(text: str) -> dict[str, str]:
    """'a=b,c=d' (or a JSON object) as a dict, for environment variables and flags."""
    import json

    stripped = text.strip()
    if stripped.startswith("{"):
        return json.loads(stripped)  # type: ignore[no-any-return]
    pairs = [p for p in re.split(r"[,\n]+", stripped) if p.strip()]
    if not all("=" in p for p in pairs):
        raise ValueError("use key=value pairs separated by commas, or a JSON object")
    return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in pairs)}


# Each accepts None (the setting is not given) and checks the value otherwise.
TotpSeed = Annotated[SecretStr | None, BeforeValidator(normalise_seed)]
WebUrl = Annotated[str | None, AfterValidator(web_url)]
PostgresUrl = Annotated[str | None, AfterValidator(postgres_url)]
Email = Annotated[str | None, AfterValidator(email)]
WritableDir = Annotated[Path, AfterValidator(writable_dir)]
KeyFile = Annotated[Path | None, AfterValidator(private_key_file)]
PrivateKey = Annotated[SecretStr | None, AfterValidator(private_key)]
CertificateFile = Annotated[Path | None, AfterValidator(certificate_file)]
Executable = Annotated[str | None, AfterValidator(executable)]
