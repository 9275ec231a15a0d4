"""Correlation of portal rows to identities: primary email, then aliases, then the domain map.

Pure helpers for `connector.reconcile`; like it, this module imports only models and errors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from connector.models import Identity, MatchRule


def normalise(address: str) -> str:
    """Case-fold and trim an address; drop an Exchange `smtp:` prefix (proxyAddresses style)."""
    value = address.strip().casefold()
    return value[5:] if value.startswith("smtp:") else value


def domain_of(address: str) -> str:
    """The domain part of a normalised address ('' when there is none)."""
    return address.rpartition("@")[2] if "@" in address else ""


@dataclass(frozen=True)
class Match:
    """The identities one address matched, and the rule that found them."""

    identities: tuple[Identity, ...]
    rule: MatchRule

    @property
    def unique(self) -> Identity | None:
        """The single matched identity, or None when none or several matched."""
        return self.identities[0] if len(self.identities) == 1 else None


NO_MATCH = Match((), "none")


@dataclass
class IdentityIndex:
    """Lookup tables from normalised addresses to identities, built once per evaluation."""

    by_email: dict[str, list[Identity]] = field(default_factory=lambda: defaultdict(list))
    by_alias: dict[str, list[Identity]] = field(default_factory=lambda: defaultdict(list))
    domain_map: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, identities: Iterable[Identity], domain_map: Mapping[str, str]) -> IdentityIndex:
        """Index identities by primary email and by every alias (minus the primary itself)."""
        index = cls(domain_map={normalise(k): normalise(v) for k, v in domain_map.items()})
        for identity in identities:
            primary = normalise(identity.email)
            index.by_email[primary].append(identity)
            for alias in {normalise(a) for a in identity.aliases} - {primary}:
                index.by_alias[alias].append(identity)
        return index

    def match(self, address: str) -> Match:
        """Match an address: primary email, else alias, else the mapped domain (both again)."""
        value = normalise(address)
        direct = self._direct(value)
        if direct.identities:
            return direct
        mapped = self._mapped(value)
        if mapped is None:
            return NO_MATCH
        found = self._direct(mapped)
        return Match(found.identities, "domain_map") if found.identities else NO_MATCH

    def _direct(self, value: str) -> Match:
        if value in self.by_email:
            return Match(_distinct(self.by_email[value]), "primary_email")
        if value in self.by_alias:
            return Match(_distinct(self.by_alias[value]), "alias")
        return NO_MATCH

    def _mapped(self, value: str) -> str | None:
        local, _, domain = value.rpartition("@")
        target = self.domain_map.get(domain)
        return f"{local}@{target}" if local and target and target != domain else None


def _distinct(identities: list[Identity]) -> tuple[Identity, ...]:
    """Identities in a stable order without repeats (one identity listed twice is one match)."""
    seen: dict[str, Identity] = {}
    for identity in identities:
        seen.setdefault(identity.id, identity)
    return tuple(sorted(seen.values(), key=lambda i: (normalise(i.email), i.id)))


def scope_of(domains: Iterable[str]) -> frozenset[str]:
    """The in-scope domains as `in_scope` compares them (normalised, without a leading '@')."""
    return frozenset(normalise(d).lstrip("@") for d in domains)


def in_scope(address: str, scope: frozenset[str]) -> bool:
    """Whether an address's domain is in scope (an empty scope means every domain)."""
    return not scope or domain_of(normalise(address)) in scope


def identity_in_scope(
    identity: Identity, scope: frozenset[str], domain_map: Mapping[str, str]
) -> bool:
    """An identity is in scope when any of its addresses is, directly or through the domain map."""
    if not scope:
        return True
    domains = {domain_of(normalise(a)) for a in (identity.email, *identity.aliases)}
    mapped_from = {normalise(k) for k, v in domain_map.items() if normalise(v) in domains}
    return bool((domains | mapped_from) & scope)
