"""The workers' heartbeat on a real PostgreSQL: a worker that stops beating is claimed by a live
one, which hands its id to the recovery once; a worker that leaves is claimable at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from agenticraft.durable.liveness import Liveness, postgres_dsn


class Recorder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.called = threading.Event()

    def __call__(self, executor_ids: Sequence[str]) -> object:
        self.calls.append(list(executor_ids))
        self.called.set()
        return None


@pytest.fixture
def make(postgres_database: str) -> Iterator[Callable[..., Liveness]]:
    started: list[Liveness] = []

    def make(executor_id: str, recover: Recorder, **options: float) -> Liveness:
        live = Liveness(
            postgres_database.replace("postgresql://", "postgresql+psycopg://"),
            executor_id=executor_id,
            application_name="app",
            app_version="v1",
            queue="q",
            recover=recover,
            **options,
        )
        started.append(live)
        return live

    yield make
    for live in started:
        live.stop(leaving=False)


def test_a_silent_worker_is_claimed_by_a_live_one_and_recovered_once(make: Callable[..., Liveness]) -> None:
    quiet, watcher = Recorder(), Recorder()
    dead = make("dead", quiet, dead_after=0.5)
    dead.start()
    dead.stop(leaving=False)  # stops beating, as a SIGKILLed worker does
    live = make("live", watcher, dead_after=60, interval=0.05)
    live.start()
    assert watcher.called.wait(10), "the live worker never recovered the silent one"
    time.sleep(0.3)  # more beats: the row is gone, so the recovery is not asked again
    assert watcher.calls == [["dead"]] and live.recovered == ["dead"]
    assert quiet.calls == []
    assert [w.executor_id for w in live.workers()] == ["live"]


def test_a_leaving_worker_is_recovered_at_once_and_a_beating_one_never(make: Callable[..., Liveness]) -> None:
    watcher = Recorder()
    beating = make("beating", Recorder(), dead_after=0.5, interval=0.05)
    leaving = make("leaving", Recorder(), dead_after=3600)
    beating.start()
    leaving.start()
    live = make("live", watcher, dead_after=60, interval=60)
    live.start()
    with live._connect() as conn:
        assert live.recover_dead(conn) == []  # everyone beats
        leaving.stop(leaving=True)
        assert live.recover_dead(conn) == ["leaving"]
    rows = {w.executor_id: w for w in live.workers()}
    assert sorted(rows) == ["beating", "live"]
    assert rows["beating"].queue == "q" and rows["beating"].seconds_since_beat < 0.5
    assert watcher.calls == [["leaving"]]


def test_other_applications_and_versions_are_not_claimed(make: Callable[..., Liveness]) -> None:
    watcher = Recorder()
    other = make("other", Recorder(), dead_after=0.01)
    other.application_name = "another-app"
    other.start()
    other.stop(leaving=True)
    old = make("old", Recorder(), dead_after=0.01)
    old.app_version = "v0"  # its runs need the old code: a worker of v1 cannot resume them
    old.start()
    old.stop(leaving=True)
    live = make("live", watcher, dead_after=60, interval=60)
    live.start()
    with live._connect() as conn:
        assert live.recover_dead(conn) == []
    assert watcher.calls == []


def test_the_libpq_dsn_drops_the_driver_tag() -> None:
    assert postgres_dsn("postgresql+psycopg://u@h/db") == "postgresql://u@h/db"
    assert postgres_dsn("postgresql://u@h/db") == "postgresql://u@h/db"
    assert postgres_dsn("host=h dbname=db") == "host=h dbname=db"
    with pytest.raises(ValueError, match="dead_after"):
        Liveness(
            "postgresql://h/db",
            executor_id="x",
            application_name="a",
            app_version="v",
            queue="q",
            recover=Recorder(),
            dead_after=0,
        )


def test_a_worker_taken_for_dead_writes_its_row_again(
    make: Callable[..., Liveness], caplog: pytest.LogCaptureFixture
) -> None:
    live = make("paused", Recorder(), dead_after=60, interval=60)
    live.start()
    with live._connect() as conn:
        conn.execute("DELETE FROM agenticraft.workers WHERE executor_id = 'paused'")  # claimed, recovered
        assert live.workers() == []
        live.beat(conn)
    assert [w.executor_id for w in live.workers()] == ["paused"]
    assert "worker paused was taken for dead" in caplog.text
