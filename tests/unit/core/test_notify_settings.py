"""The notify_* settings: apprise URLs are secrets, split sensibly, and refused by name only."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from connector.config import load_settings
from connector.errors import ConfigError
from connector.notify import url_secrets


def _load(**cli: object):  # noqa: ANN202
    return load_settings(cli, config_file=None, env_file=None, tenant=None)


def test_urls_split_on_spaces_and_commas_but_not_inside_a_url() -> None:
    """Two URLs separated by a comma; the comma in the mailto query stays part of its URL."""
    urls = _load(notify_urls="json://hooks.example/a, mailto://u:p@mail.example?to=a@x.com,b@x.com"
                 ).notify_urls
    assert [u.get_secret_value() for u in urls] == [
        "json://hooks.example/a", "mailto://u:p@mail.example?to=a@x.com,b@x.com"]
    assert all(isinstance(u, SecretStr) for u in urls)


def test_unknown_url_is_refused_without_repeating_it(tmp_path) -> None:  # noqa: ANN001
    """A URL apprise does not know: one ConfigError naming the setting and scheme, not the URL."""
    with pytest.raises(ConfigError) as caught:
        _load(notify_urls="json://ok.example/x bogus://s3cret-t0ken-value")
    text = str(caught.value)
    assert "notify_urls" in text and "URL #2 (bogus)" in text
    assert "s3cret-t0ken-value" not in text


def test_token_parts_of_a_url_are_registered_for_redaction() -> None:
    """Slack-style tokens in the host and path, and a password, are redacted on their own too."""
    parts = url_secrets(SecretStr("slack://T0KENAAAA/B0KENBBBB/C0KENCCCC"))
    assert {"T0KENAAAA", "B0KENBBBB", "C0KENCCCC"} <= set(parts)
    assert "hooks" not in url_secrets(SecretStr("json://host.example/hooks/abcdefgh123"))
