"""The rows-moved proof without a browser: a live in-memory list that churns after every page
load (seeded joiners and removals on either side of the boundary) drives `read_list`. Whatever
the placement, a complete read is exactly the list as it was at one instant, so it holds every
row present throughout; otherwise the read is incomplete and says rows_moved."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from connector.models import CollectionErrorKind as K
from flows.pages.paging import ListRead, Retry, read_list
from flows.table import StatusLine

NO_WAIT = Retry(attempts=2, backoff_s=0.0)


@dataclass
class _Session:
    sign_in_count: int = 0


@dataclass
class LiveList:
    """A list served by offset; after each of its first `churn_loads` loads, `churn` rows are
    removed and as many synced in, each anywhere (so on either side of the page boundary)."""

    rows: list[str]
    churn: int = 0  # joiners and removals after each of the first `churn_loads` loads
    churn_loads: int = 10**9
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    session: _Session = field(default_factory=_Session)
    ROWS_MAY_REPEAT: bool = False
    loads: int = 0
    removed: set[str] = field(default_factory=set)
    snapshots: list[frozenset[str]] = field(default_factory=list)  # the list at each load
    _current: list[str] = field(default_factory=list)
    _joined: int = 0

    def load_page(self, page_no: int, size: int, query: object, shown: int | None = None
                  ) -> StatusLine:
        first = (page_no - 1) * size
        self._current = self.rows[first:first + size]
        self.snapshots.append(frozenset(self.rows))
        status = StatusLine(first + 1 if self._current else 0, first + len(self._current),
                            len(self.rows))
        self.loads += 1
        if self.loads <= self.churn_loads:
            for _ in range(self.churn):
                self._move()
        return status

    def _move(self) -> None:
        """Remove one row and sync one in, each anywhere in the list (the dice decide)."""
        gone = self.rows.pop(self.rng.randrange(len(self.rows)))
        self.removed.add(gone)
        self._joined += 1
        self.rows.insert(self.rng.randrange(len(self.rows) + 1), f"joiner{self._joined}")

    def check_fingerprint(self) -> None:
        """Live lists always match."""

    def read_rows(self, status: StatusLine) -> list[str]:
        return list(self._current)

    def record_key(self, record: str) -> str:
        return record


def _sound(read: ListRead[str], live: LiveList, start: set[str]) -> bool:
    """Complete reads are one instant's list and hold every row present throughout."""
    got = set(read.records)
    throughout = start - live.removed
    return (len(got) == len(read.records) and throughout <= got
            and any(got == snap for snap in live.snapshots))


def _users(count: int) -> list[str]:
    return [f"user{i:04d}@example.com" for i in range(count)]


@pytest.mark.parametrize("seed", range(200))
def test_churn_never_gives_a_false_complete(seed: int) -> None:
    """200 seeded placements (1-2 moves per load, 3-4 pages): complete means exact, else rows_moved."""
    rng = random.Random(seed)
    start = _users(rng.randint(21, 40))
    live = LiveList(list(start), churn=rng.randint(1, 2), churn_loads=rng.randint(1, 12),
                    rng=random.Random(seed))
    read = read_list(live, "user_monitoring", page_size=10, retry=NO_WAIT)  # type: ignore[arg-type]
    if read.collection.complete:
        assert _sound(read, live, set(start)), (seed, read.collection.errors)
    else:
        kinds = {e.kind for e in read.collection.errors if e.fatal}
        assert kinds & {K.ROWS_MOVED, K.TOTAL_CHANGED}, read.collection.errors


def test_a_skip_that_adds_up_is_caught() -> None:
    """A removal on page 1 and a joiner at the end after page 1's load: 30 distinct rows for a
    total of 30, yet user0010 was never read; the second look says rows_moved."""
    start = _users(30)
    live = LiveList(list(start))
    original = live.load_page

    def shifted(page_no: int, size: int, query: object, shown: int | None = None) -> StatusLine:
        status = original(page_no, size, query, shown)
        live.rows.remove(live.rows[0])
        live.rows.append(f"zz-joiner{live.loads}")
        return status

    live.load_page = shifted  # type: ignore[method-assign]
    read = read_list(live, "user_monitoring", page_size=10, retry=NO_WAIT)  # type: ignore[arg-type]
    assert not read.collection.complete
    assert [e.fatal for e in read.collection.errors if e.kind == K.ROWS_MOVED] == [False, True]


def test_churn_that_stops_is_read_again_completely() -> None:
    """Churn during the first pass only: the restart reads a still list, complete and exact."""
    start = _users(35)
    live = LiveList(list(start), churn=1, churn_loads=2, rng=random.Random(3))
    read = read_list(live, "user_monitoring", page_size=10, retry=NO_WAIT)  # type: ignore[arg-type]
    assert read.collection.complete, read.collection.errors
    assert set(read.records) == set(live.rows)
    assert {e.kind for e in read.collection.errors} <= {K.ROWS_MOVED}


def test_a_still_list_costs_one_extra_load_per_page_but_the_last() -> None:
    """Four pages and no churn: pages 1-4, then 1-3 again; complete, no error."""
    live = LiveList(_users(35))
    read = read_list(live, "user_monitoring", page_size=10, retry=NO_WAIT)  # type: ignore[arg-type]
    assert read.collection.complete and not read.collection.errors
    assert live.loads == 4 + 3 and read.collection.pages_read == 4


def test_a_single_page_is_read_once() -> None:
    """One page is one atomic load: no second look."""
    live = LiveList(_users(10), churn=1)
    read = read_list(live, "user_monitoring", page_size=10, retry=NO_WAIT)  # type: ignore[arg-type]
    assert read.collection.complete and live.loads == 1
