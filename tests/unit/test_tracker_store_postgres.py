"""bot.tracker_store.RetryingSQLTrackerStore on a real PostgreSQL (Debian's, a throwaway cluster
on loopback): its batched save (two round trips) stores and tallies exactly what the usual
save does, and a save that fails midway leaves nothing behind."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from typing import Iterator

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.insights import figures_store
from bot.tracker_store import RetryingSQLTrackerStore
from tests.unit.test_tracker_store import (  # noqa: F401 - run here again, on PostgreSQL
    DOMAIN,
    LONG_DOMAIN,
    dicts,
    session,
    test_a_long_session_loads_as_its_recent_turns_with_the_state_before_them,
    test_a_restart_in_a_long_session_clears_the_state_before_it,
)

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1:] or [""]
pytestmark = pytest.mark.skipif(
    not os.path.exists(os.path.join(PG_BIN[0], "initdb")) or shutil.which("runuser") is None or os.geteuid() != 0,
    reason="PostgreSQL (Debian's postgresql package) and root (to run it as postgres) needed",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def pg_port() -> Iterator[int]:
    home = tempfile.mkdtemp(prefix="tracker-pg-")  # pytest's own tmp dirs are closed to postgres
    shutil.chown(home, "postgres", "postgres")
    data = os.path.join(home, "data")
    port = _free_port()
    _as_postgres(os.path.join(PG_BIN[0], "initdb"), "-D", data, "-U", "rasa", "-A", "trust")
    _as_postgres(
        os.path.join(PG_BIN[0], "pg_ctl"), "-D", data, "-w", "-l", os.path.join(home, "log"),
        "-o", f"-p {port} -k /tmp -c listen_addresses=127.0.0.1", "start",
    )  # fmt: skip
    try:
        yield port
    finally:
        _as_postgres(os.path.join(PG_BIN[0], "pg_ctl"), "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def long_store(pg_port):
    """The long-session tests of test_tracker_store on PostgreSQL (its prepared lookups)."""
    store = _store(pg_port, f"long_{uuid.uuid4().hex[:8]}")
    store.domain = LONG_DOMAIN
    return store


def _store(port: int, db: str) -> RetryingSQLTrackerStore:
    admin = sa.create_engine(f"postgresql://rasa@127.0.0.1:{port}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {db}"))
        connection.execute(sa.text(f"CREATE DATABASE {db}"))
    admin.dispose()
    return RetryingSQLTrackerStore(
        domain=DOMAIN, dialect="postgresql", host="127.0.0.1", port=port, db=db, username="rasa"
    )


def _turns(store: RetryingSQLTrackerStore, sender: str) -> None:
    """As Rasa uses the store: a new conversation saved, then turns retrieved, extended, saved."""
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, session(1000.0, ["天河"]), DOMAIN.slots)))
    for i, text in enumerate(["为什么暂停开票", "50% 的发票怎么办", "谢谢"]):
        tracker = asyncio.run(store.retrieve(sender))
        for event in (UserUttered(text, timestamp=1100.0 + i), BotUttered(f"答 {text}", timestamp=1100.1 + i)):
            tracker.update(event)
        asyncio.run(store.save(tracker))


def _tally(store: RetryingSQLTrackerStore) -> dict:
    with store.engine.connect() as connection:
        totals = dict(connection.execute(sa.select(figures_store.figure_totals)).all())
        states = dict(connection.execute(sa.select(figures_store.figure_conversations)).all())
    return {"totals": totals, "states": states}


def test_a_batched_save_stores_and_tallies_what_the_usual_save_does(pg_port, tmp_path):
    batched = _store(pg_port, "batched")
    usual = RetryingSQLTrackerStore(domain=DOMAIN, db=str(tmp_path / "tracker.db"))  # SQLite: never batched
    calls = []
    original = batched._write_batched
    batched._write_batched = lambda *a: calls.append(1) or original(*a)
    for store in (batched, usual):
        _turns(store, "a")
    assert len(calls) == 3  # every save of a retrieved tracker went batched
    assert dicts(asyncio.run(batched.retrieve_full_tracker("a"))) == dicts(
        asyncio.run(usual.retrieve_full_tracker("a"))
    )
    assert _tally(batched) == _tally(usual) and _tally(batched)["totals"]


def test_a_save_that_fails_midway_leaves_nothing_and_the_next_one_works(pg_port, monkeypatch):
    store = _store(pg_port, "failing")
    _turns(store, "b")
    before, tally = dicts(asyncio.run(store.retrieve_full_tracker("b"))), _tally(store)
    tracker = asyncio.run(store.retrieve("b"))
    tracker.update(UserUttered("还在吗", timestamp=2000.0))

    def broken(*_args, **_kwargs):
        raise RuntimeError("the tally broke after the INSERT was sent")

    monkeypatch.setattr(figures_store, "record", broken)
    with pytest.raises(RuntimeError):
        asyncio.run(store.save(tracker))
    assert dicts(asyncio.run(store.retrieve_full_tracker("b"))) == before and _tally(store) == tally
    monkeypatch.undo()
    asyncio.run(store.save(tracker))
    assert dicts(asyncio.run(store.retrieve_full_tracker("b"))) == before + [tracker.events[-1].as_dict()]


def test_a_save_waits_out_a_database_restart(pg_port):
    store = _store(pg_port, "restarting")
    _turns(store, "c")
    data = subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "rasa", "-d", "postgres",
         "-tAc", "SHOW data_directory"], capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    tracker = asyncio.run(store.retrieve("c"))
    tracker.update(UserUttered("重启以后", timestamp=3000.0))
    _as_postgres(os.path.join(PG_BIN[0], "pg_ctl"), "-D", data, "-m", "fast", "-w", "restart", "-l", os.path.join(os.path.dirname(data), "log"),
                 "-o", f"-p {pg_port} -k /tmp -c listen_addresses=127.0.0.1")  # fmt: skip
    time.sleep(0.2)
    asyncio.run(store.save(tracker))  # its pooled connection died with the restart: retried on a new one
    assert dicts(asyncio.run(store.retrieve_full_tracker("c")))[-1]["text"] == "重启以后"


def test_a_new_conversation_is_saved_batched_without_a_count(pg_port):
    """As Rasa's get_or_create_tracker: a read finds nothing, the tracker is created with its
    action_listen and saved: no count query, its event stored once."""
    store = _store(pg_port, "created")
    calls = []
    original = store._write_batched
    store._write_batched = lambda *a: calls.append(a[1]) or original(*a)
    tracker = asyncio.run(store.get_or_create_tracker("new"))
    assert calls == [0] and [e.as_dict() for e in tracker.events] == dicts(
        asyncio.run(store.retrieve_full_tracker("new"))
    )
    assert asyncio.run(store.retrieve("new")) is not None and store._found_none == {}
