"""Sign-in under attack: a burst of wrong passwords for one address checks at most five of them,
across threads and processes, on SQLite and PostgreSQL; a burst over many addresses checks only a
few passwords at once (Argon2id holds 64 MiB per check)."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
import types
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

import auth.accounts
from auth.accounts import HASH_CHECKS, MAX_FAILURES, WRONG, SignInRefused, check_password, hash_password, load_accounts
from store import tables
from store.database import AppStore
from tests.conftest import cheap_hashing, migrated_postgres_url, migrated_store

NOW = datetime(2026, 3, 10, 12)
PASSWORD = "correct horse battery"
LOCKED = "Too many failed attempts for this address. Try again in 15 minutes."
CHECK_SECONDS = 0.1


def _accounts() -> dict:
    return load_accounts({"ana@example.org": {"role": "manager", "password_hash": hash_password(PASSWORD)}})


def _attempt(store: AppStore, accounts: dict, password: str, email: str = "ana@example.org") -> str:
    try:
        return check_password(accounts, email, password, app_store=store, now=NOW, min_seconds=0.0).role.value
    except SignInRefused as refused:
        return refused.user_message


def _burst(url: str, threads: int) -> list[str]:
    """`threads` wrong passwords for one address at the same moment, from one process."""
    cheap_hashing()  # as in the tests' own process: this one is spawned, without pytest
    store, accounts, start = AppStore(url), _accounts(), threading.Barrier(threads)

    def one(_: int) -> str:
        start.wait()
        return _attempt(store, accounts, "wrong")

    try:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(one, range(threads)))
    finally:
        store.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path, new_postgres_database) -> str:
    if request.param == "sqlite":
        migrated_store(tmp_path / "app.db").dispose()
        return f"sqlite:///{tmp_path / 'app.db'}"
    return migrated_postgres_url(new_postgres_database, "lockout")


def test_fifty_simultaneous_wrong_passwords_check_five_across_threads_and_processes(store_url, monkeypatch):
    # Streamlit's AppTest leaves the last script it ran as sys.modules["__main__"]; a spawned child
    # would run that script again on start. A bare __main__ gives the children nothing to re-run.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as processes:  # two processes of 25 threads
        answers = [answer for batch in processes.map(_burst, [store_url] * 2, [25] * 2) for answer in batch]
    assert sorted(set(answers)) == sorted({WRONG, LOCKED})
    assert answers.count(WRONG) == MAX_FAILURES and answers.count(LOCKED) == 50 - MAX_FAILURES
    store = AppStore(store_url)
    try:
        assert _attempt(store, _accounts(), PASSWORD) == LOCKED  # the right password too, until the window ends
    finally:
        store.dispose()


class CountingHasher(PasswordHasher):
    """Argon2id at its least cost (tests/conftest.py) whose every check lasts CHECK_SECONDS, as one at
    the app's parameters does (about 0.1 s and 64 MiB), without its CPU: notes how many run at once."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.running = self.most = 0
        self.lock = threading.Lock()

    def verify(self, hash: str, password: str) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(CHECK_SECONDS)
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


def test_a_burst_over_many_addresses_checks_only_a_few_passwords_at_once(tmp_path, monkeypatch):
    hasher = CountingHasher()
    monkeypatch.setattr(auth.accounts, "HASHER", hasher)
    # Each waits its turn however slow the machine: 24 checks two at a time take longer than the
    # 10 s a person is made to wait before "try again" when the machine is busy (tested apart).
    monkeypatch.setattr(auth.accounts, "SLOT_WAIT_SECONDS", 600.0)
    store = migrated_store(tmp_path / "app.db")
    accounts, start = _accounts(), threading.Barrier(24)

    def one(n: int) -> str:
        start.wait()
        return _attempt(store, accounts, "wrong", email=f"visitor{n}@example.org")

    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(one, range(24)))
    store.dispose()
    assert answers == [WRONG] * 24  # every one checked, in turn
    assert hasher.most == HASH_CHECKS


def test_a_sign_in_that_waits_too_long_for_a_check_is_told_to_try_again(tmp_path, monkeypatch):
    monkeypatch.setattr(auth.accounts, "SLOT_WAIT_SECONDS", 0.05)
    store = migrated_store(tmp_path / "app.db")
    for _ in range(HASH_CHECKS):  # every check slot taken, as by other sign-ins
        auth.accounts.HASH_SLOTS.acquire()
    try:
        assert _attempt(store, _accounts(), PASSWORD) == auth.accounts.BUSY
    finally:
        for _ in range(HASH_CHECKS):
            auth.accounts.HASH_SLOTS.release()
    try:
        assert _attempt(store, _accounts(), PASSWORD) == "manager"  # once a slot is free, it goes through
    finally:
        store.dispose()


@pytest.mark.parametrize("email", ["a" * 321 + "@example.org", "ana\x00@example.org", "ana\n@example.org"])
def test_an_address_no_account_can_have_is_wrong_without_reaching_the_store(store_url, email):
    store = AppStore(store_url)
    try:
        assert _attempt(store, _accounts(), PASSWORD, email=email) == WRONG
    finally:
        store.dispose()


def test_a_sign_in_told_to_try_again_leaves_the_failures_before_it_counted(tmp_path, monkeypatch):
    """Two wrong passwords, then an attempt no check could start for: it is refused as busy (its
    catalog key sign_in.busy) and not counted, and the two failures before it still are."""
    monkeypatch.setattr(auth.accounts, "SLOT_WAIT_SECONDS", 0.05)
    store = migrated_store(tmp_path / "app.db")
    accounts = _accounts()
    try:
        assert [_attempt(store, accounts, "wrong") for _ in range(2)] == [WRONG, WRONG]
        for _ in range(HASH_CHECKS):
            auth.accounts.HASH_SLOTS.acquire()
        try:
            with pytest.raises(auth.accounts.Busy) as busy:
                check_password(accounts, "ana@example.org", PASSWORD, app_store=store, now=NOW, min_seconds=0.0)
        finally:
            for _ in range(HASH_CHECKS):
                auth.accounts.HASH_SLOTS.release()
        assert (busy.value.user_message, busy.value.key) == (auth.accounts.BUSY, "sign_in.busy")
        with store.read() as connection:
            failures = connection.execute(sa.select(tables.sign_in_failures.c.email)).all()
        assert [tuple(row) for row in failures] == [("ana@example.org",), ("ana@example.org",)]
    finally:
        store.dispose()


def test_an_address_of_exactly_the_longest_length_signs_in(tmp_path):
    address = "a" * 308 + "@example.org"
    assert len(address) == auth.accounts.MAX_ADDRESS == 320
    accounts = load_accounts({address: {"role": "viewer", "password_hash": hash_password(PASSWORD)}})
    store = migrated_store(tmp_path / "app.db")
    try:
        assert _attempt(store, accounts, PASSWORD, email=address) == "viewer"
    finally:
        store.dispose()


def test_an_answer_already_slower_than_the_minimum_waits_no_more(tmp_path, monkeypatch):
    """The wait tops the answer up to min_seconds: with a minimum of 0 s, it sleeps 0 s exactly."""
    slept: list[float] = []
    monkeypatch.setattr(auth.accounts, "time", types.SimpleNamespace(monotonic=time.monotonic, sleep=slept.append))
    store = migrated_store(tmp_path / "app.db")
    try:
        assert _attempt(store, _accounts(), "wrong") == WRONG
    finally:
        store.dispose()
    assert slept == [0.0]
