"""run-all's pure parts: shard parsing and partition, tenant selection, statuses, aggregate code."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.commands.run_all_plan import (
    Shard,
    TenantStatus,
    aggregate_exit,
    in_shard,
    parse_shard,
    select,
    shard_from_env,
    status_table,
    summary_doc,
    verdict_for,
)
from connector.config import Settings
from connector.config_file import list_tenants
from connector.errors import ConfigError

NAMES = st.lists(st.text("abcdefghij-_0123456789", min_size=1, max_size=8), unique=True,
                 max_size=40)


@given(NAMES, st.integers(min_value=1, max_value=12))
def test_every_tenant_is_in_exactly_one_shard(names: list[str], count: int) -> None:
    """The shards of any count partition the tenants: each in exactly one, sizes within one."""
    shards = [in_shard(names, Shard(i, count)) for i in range(count)]
    placed = [name for shard in shards for name in shard]
    assert sorted(placed) == sorted(names)
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


@given(NAMES, st.integers(min_value=1, max_value=6))
def test_the_partition_ignores_the_order_of_the_file(names: list[str], count: int) -> None:
    """Every pod computes the same split: the order tenants appear in does not matter."""
    for i in range(count):
        assert in_shard(names, Shard(i, count)) == in_shard(list(reversed(names)), Shard(i, count))


def test_shard_k_takes_every_nth_sorted_tenant() -> None:
    """Tenant k of the sorted names goes to shard k % n (the documented rule)."""
    names = ["e", "a", "d", "c", "b"]
    assert in_shard(names, Shard(0, 2)) == ["a", "c", "e"]
    assert in_shard(names, Shard(1, 2)) == ["b", "d"]
    assert in_shard(names, Shard(4, 6)) == ["e"] and in_shard(names, Shard(5, 6)) == []
    assert in_shard(names, None) == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("text", ["1/4", " 0 / 1 ", "3/4"])
def test_good_shards_parse(text: str) -> None:
    """INDEX/COUNT with a 0-based index below the count is accepted (spaces tolerated)."""
    shard = parse_shard(text)
    assert f"{shard.index}/{shard.count}" == text.replace(" ", "")


@pytest.mark.parametrize("text", ["4/4", "1/0", "-1/4", "1", "a/b", "1/4/2", "", "1.0/4"])
def test_bad_shards_are_refused(text: str) -> None:
    """An index at or past the count, a zero count or anything but INDEX/COUNT is refused."""
    with pytest.raises(ValueError):
        parse_shard(text)


def test_shard_from_the_environment_names_the_variable() -> None:
    """TESSIAN_SHARD gives the shard when --shard is not given; a bad value names the variable."""
    assert shard_from_env({"TESSIAN_SHARD": "2/3"}) == Shard(2, 3)
    assert shard_from_env({}) is None
    with pytest.raises(ConfigError, match="TESSIAN_SHARD"):
        shard_from_env({"TESSIAN_SHARD": "3/3"})


def test_tenants_selection_refuses_unknown_names() -> None:
    """--tenants picks tenants of the file; a name the file lacks is refused with the list."""
    assert select(["a", "b", "c"], "c, a,c", "f.toml") == ["a", "c"]
    assert select(["a", "b"], None, "f.toml") == ["a", "b"]
    with pytest.raises(ConfigError, match=r"no tenant 'x'; f.toml lists: a, b"):
        select(["a", "b"], "a,x", "f.toml")
    with pytest.raises(ConfigError, match="--tenants"):
        select(["a"], " , ", "f.toml")


@pytest.mark.parametrize(("codes", "expected"), [
    ([0, 0], 0), ([], 0), ([0, 1], 1), ([1, 3, 0], 3), ([3, 2, 1], 2), ([0, 143], 3),
    ([1, -9], 3), ([0, None], 3), ([1, 130], 3), ([2, None], 2),
])
def test_the_worst_tenant_decides_the_exit_code(codes: list[int | None], expected: int) -> None:
    """2 beats 3 beats 1 beats 0; a crash, a signal or a tenant never run counts as 3."""
    assert aggregate_exit(codes) == expected


def test_a_verdict_comes_from_the_report_only_when_the_exit_code_agrees() -> None:
    """The report's verdict is used when the code agrees; otherwise what the code means."""
    assert verdict_for(1, "drift") == "drift"
    assert verdict_for(143, "drift") == "terminated"
    assert verdict_for(3, None) == "inconclusive"
    assert verdict_for(2, None) == "config_error"
    assert verdict_for(-9, None) == "failed"
    assert verdict_for(None, None) == "not_run"


def test_summary_and_table_show_every_tenant() -> None:
    """The document counts verdicts and carries the aggregate; the table has one row a tenant."""
    statuses = [TenantStatus("a", "verified", 0, 0, 1.25, "r/a/1"),
                TenantStatus("bb", "config_error", 2, None, 0.5, None, "no portal_url")]
    doc = summary_doc(statuses, {"shard": None})
    assert doc["exit_code"] == 2 and doc["counts"] == {"config_error": 1, "verified": 1}
    assert [t["tenant"] for t in doc["tenants"]] == ["a", "bb"]
    table = status_table(statuses)
    assert table[0].split() == ["TENANT", "VERDICT", "EXIT", "FINDINGS", "DURATION", "BUNDLE"]
    assert table[1].split() == ["a", "verified", "0", "0", "1.2s", "r/a/1"]
    assert table[2].endswith("no portal_url") and table[2].split()[:4] == [
        "bb", "config_error", "2", "-"]


def test_list_tenants_checks_the_file_but_not_each_tenant(tmp_path: Path) -> None:
    """Sorted names and the shared settings; a tenant's own bad setting is left to its run."""
    path = tmp_path / "t.toml"
    path.write_text('reports_dir = "out"\n[tenants.zed]\nnot_a_setting = 1\n[tenants.abe]\n')
    names, shared = list_tenants(path, set(Settings.model_fields))
    assert names == ["abe", "zed"] and shared == {"reports_dir": str(tmp_path / "out")}
    path.write_text('shared_typo = 1\n[tenants.a]\n')
    with pytest.raises(ConfigError, match="t.toml:1: 'shared_typo': unknown setting"):
        list_tenants(path, set(Settings.model_fields))
