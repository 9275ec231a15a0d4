"""Small helpers both provider readers share: aliases, timestamps, the guarded read, the source."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from connector.errors import ProviderError
from connector.idp._http import HttpSeam
from connector.models import Identity, IdentitySource, IdentitySourceKind


def clean_aliases(primary: str, candidates: Iterable[object]) -> tuple[str, ...]:
    """Distinct addresses other than `primary`, `smtp:`/`SMTP:` prefixes stripped, order kept."""
    seen = {primary.strip().casefold()}
    found: list[str] = []
    for raw in candidates:
        for value in raw if isinstance(raw, list | tuple) else [raw]:
            if not isinstance(value, str):
                continue
            address = value.split(":", 1)[1] if value.lower().startswith("smtp:") else value
            address = address.strip()
            if "@" in address and address.casefold() not in seen:
                seen.add(address.casefold())
                found.append(address)
    return tuple(found)


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 timestamp with a zone (`...Z` or offset) as an aware datetime, else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def newest(*values: datetime | None) -> datetime | None:
    """The latest of the given times, ignoring missing ones."""
    present = [v for v in values if v is not None]
    return max(present) if present else None


def describe(exc: ProviderError) -> str:
    """An error line for IdentitySource.errors: class, message and remedy (never a secret)."""
    return f"{type(exc).__name__}: {exc} -- {exc.remedy}"


def guarded_read(seam: HttpSeam, read: Callable[[], None]) -> list[str]:
    """Run `read`, then close the seam; a provider failure becomes an error line, never a raise."""
    try:
        read()
    except ProviderError as exc:
        return [describe(exc)]
    except (KeyError, TypeError, AttributeError) as exc:  # a response not shaped as documented
        return [describe(ProviderError(f"unexpected response shape: {type(exc).__name__} {exc}"))]
    finally:
        seam.close()
    return []


def source(
    kind: IdentitySourceKind,
    location: str,
    identities: Iterable[Identity],
    *,
    errors: list[str],
    warnings: list[str],
    read_at: datetime,
) -> IdentitySource:
    """The IdentitySource; complete only when no step failed."""
    ordered = tuple(sorted(identities, key=lambda i: (i.email.casefold(), i.id)))
    return IdentitySource(
        kind=kind,
        location=location,
        complete=not errors,
        identities=ordered,
        errors=tuple(errors),
        warnings=tuple(warnings),
        read_at=read_at,
    )
