"""The sender as it runs without a person: `cli.py deliver` killed mid-batch leaves no message sent
twice, two senders at once send each message once (the store's lease, and the claim of each row),
on SQLite and PostgreSQL; `cli.py channel list` and `channel test` print no secret."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

import cli
import clock
from delivery import outbox
from delivery.channels import parse_channels
from delivery.message import Figure, Message
from store import tables
from store.database import AppStore
from tests.chat_server import chat_server

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "XkillTestSlackToken5678"
WECOM_KEY = "wecom-cli-key-not-for-output"


def environment(data_dir: Path, secrets: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULSE_")}
    return env | {"PULSE_DATA_DIR": str(data_dir), "PULSE_SECRETS_FILE": str(secrets), "PYTHONPATH": str(ROOT)}


def setup(tmp_path: Path, url: str, messages: int) -> tuple[AppStore, dict[str, str]]:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[pulse.channels.team-slack]\nkind = "slack"\nwebhook = "{url}/services/T000/B000/{TOKEN}"\n',
        encoding="utf-8",
    )
    store = AppStore(f"sqlite:///{tmp_path / 'data' / 'app.db'}")
    store.migrate()
    channel = parse_channels({"team-slack": {"kind": "slack", "webhook": f"{url}/services/T000/B000/{TOKEN}"}})
    for n in range(messages):
        message = Message(title=f"Alert {n}", figures=(Figure("n", str(n)),))
        outbox.queue(store, channel=channel["team-slack"], message=message, key=f"alert:{n}", now=clock.now())
    return store, environment(tmp_path / "data", secrets)


def deliver(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "deliver"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def statuses(store: AppStore) -> dict[str, str]:
    found = store.run(sa.select(tables.delivery_outbox.c.idempotency_key, tables.delivery_outbox.c.status))
    return dict(zip(found["idempotency_key"], found["status"], strict=True))


def arrivals(server) -> Counter:
    return Counter(item.body["text"] for item in server.of("slack"))


def test_a_sender_killed_mid_batch_sends_nothing_twice(tmp_path):
    """Killed while the service holds its third message (taken, not yet answered): the next sender
    marks that one unknown, does not send it again, and sends the rest once."""
    with chat_server(slack_tokens={TOKEN}, hold=15.0, hold_after=2) as server:
        store, env = setup(tmp_path, server.url, 8)
        process = deliver(env)
        deadline = time.monotonic() + 60
        while len(server.of("slack")) < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert len(server.of("slack")) == 3
        assert Counter(statuses(store).values()) == {"sent": 2, "sending": 1, "pending": 5}
        server.hold = 0.0
        second = deliver(env)
        assert "Another process is sending" in second.communicate(timeout=60)[0]  # the dead sender's lease holds
        with store.begin() as connection:  # ... until it runs out (outbox.LEASE)
            connection.execute(tables.leases.update().values(until=clock.now() - timedelta(seconds=1)))
        third = deliver(env)
        out, _ = third.communicate(timeout=60)
        assert third.returncode == 0, out
        assert (
            out.strip()
            == "Messages sent: 5; waiting for a retry: 0; failed: 0; left unknown by a sender that stopped: 1."
        )
    final = statuses(store)
    assert Counter(final.values()) == {"sent": 7, "unknown": 1}
    arrived = arrivals(server)
    assert sorted(arrived.values()) == [1] * 8  # every message once: the unknown one arrived before the kill
    unknown = next(key for key, state in final.items() if state == "unknown")
    assert arrived[f"Alert {unknown.split(':')[1]}"] == 1
    store.dispose()


def test_two_cli_senders_at_once_send_each_message_once(tmp_path):
    with chat_server(slack_tokens={TOKEN}, hold=0.02) as server:
        store, env = setup(tmp_path, server.url, 30)
        first, second = deliver(env), deliver(env)
        outputs = [process.communicate(timeout=120)[0] for process in (first, second)]
    assert first.returncode == second.returncode == 0, outputs
    assert set(statuses(store).values()) == {"sent"}
    assert sorted(arrivals(server).values()) == [1] * 30
    store.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path, new_postgres_database) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}" if request.param == "sqlite" else new_postgres_database("delivery")


@pytest.mark.parametrize("leased", [True, False], ids=["with-lease", "claims-alone"])
def test_senders_racing_in_threads_send_each_message_once(store_url, leased, monkeypatch):
    """Four senders (each its own store, as processes have) at once; and again with the lease
    granted to all of them, so the claim of each row alone must keep every message single."""
    if not leased:
        from contextlib import contextmanager

        @contextmanager
        def everyone(app_store, now, *, name=outbox.LEASE_NAME):
            """Every sender is told it holds the lease (its row exists; each claim names its holder)."""
            dialect = sqlite if app_store.engine.dialect.name == "sqlite" else postgresql
            with app_store.begin() as connection:
                row = {"name": name, "holder": "anyone", "until": now + outbox.LEASE}
                connection.execute(dialect.insert(tables.leases).values(**row).on_conflict_do_nothing())
            yield os.urandom(8).hex()

        monkeypatch.setattr(outbox, "lease", everyone)
        monkeypatch.setattr(outbox, "_claim", _claim_without_lease_check)
    with chat_server(slack_tokens={TOKEN}, hold=0.01) as server:
        channels = parse_channels(
            {"team-slack": {"kind": "slack", "webhook": f"{server.url}/services/T000/B000/{TOKEN}"}}
        )
        first = AppStore(store_url)
        first.migrate()
        for n in range(40):
            outbox.queue(
                first, channel=channels["team-slack"], message=Message(title=f"Alert {n}"), key=f"a{n}", now=clock.now()
            )
        stores = [AppStore(store_url) for _ in range(4)]
        runs: list[outbox.DeliveryRun] = []
        threads = [threading.Thread(target=lambda s=s: runs.append(outbox.deliver_due(s, channels))) for s in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        for other in stores:
            other.dispose()
    assert sum(run.sent for run in runs) == 40
    assert sorted(arrivals(server).values()) == [1] * 40
    assert set(statuses(first).values()) == {"sent"}
    first.dispose()


_real_claim = outbox._claim


def _claim_without_lease_check(app_store, row_id, holder, now):
    """The claim with every sender holding a lease of its own (the lease test replaced it)."""
    with app_store.begin() as connection:
        connection.execute(tables.leases.update().values(holder=holder))
    return _real_claim(app_store, row_id, holder, now)


def test_channel_list_and_test_print_no_secret(tmp_path, monkeypatch, capsys):
    with chat_server(slack_tokens={TOKEN}, wecom_keys=set()) as server:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(
            f'[pulse.channels.team-slack]\nkind = "slack"\nwebhook = "{server.url}/services/T000/B000/{TOKEN}"\n'
            f'[pulse.channels.ops-wecom]\nkind = "wecom"\n'
            f'webhook = "{server.url}/cgi-bin/webhook/send?key={WECOM_KEY}"\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
        assert cli.main(["channel", "list"]) == 0
        listed = capsys.readouterr().out
        assert cli.main(["channel", "test", "team-slack"]) == 0
        tested = capsys.readouterr().out
        assert cli.main(["channel", "test", "ops-wecom"]) == 1  # the key is not the robot's: WeCom says 93000
        refused = capsys.readouterr().out
        assert cli.main(["channel", "test", "nowhere"]) == 1
        unknown = capsys.readouterr().err
    assert listed.splitlines() == [
        "channel                 kind        pending   sent  failed  unknown  where",
        "ops-wecom               wecom             0      0       0        0  127.0.0.1 (address hidden)",
        "team-slack              slack             0      0       0        0  127.0.0.1 (address hidden)",
    ]
    assert tested == "team-slack (slack, 127.0.0.1 (address hidden)): sent: HTTP 200\n"
    assert refused.startswith("ops-wecom (wecom, 127.0.0.1 (address hidden)): failed: WeCom errcode 93000")
    assert (
        unknown == "cli.py channel: No channel 'nowhere' in [pulse.channels] of secrets.toml (ops-wecom, team-slack).\n"
    )
    assert server.of("slack")[0].body["blocks"][0]["text"]["text"] == "Community Pulse: test message"
    for output in (listed, tested, refused, unknown):
        assert TOKEN not in output and WECOM_KEY not in output


def test_the_app_servers_sender_sends_what_is_due_every_minute(tmp_path, monkeypatch):
    """ui.background's sender (started by the first page run) sends now, then on every round."""
    from settings import load_settings
    from ui import background

    running = background._sender["thread"]
    if isinstance(running, threading.Thread) and running.is_alive():  # an earlier app test's: stop it
        background.stop_sending.set()
        running.join(timeout=120)
    background.stop_sending.clear()
    monkeypatch.setattr(background, "SEND_EVERY_S", 0.2)
    with chat_server(slack_tokens={TOKEN}) as server:
        store, env = setup(tmp_path, server.url, 1)
        for key in ("PULSE_DATA_DIR", "PULSE_SECRETS_FILE"):
            monkeypatch.setenv(key, env[key])
        settings = load_settings()
        channels = parse_channels(
            {"team-slack": {"kind": "slack", "webhook": f"{server.url}/services/T000/B000/{TOKEN}"}}
        )
        thread = background.start_sender(settings)
        try:
            assert thread is not None and background.start_sender(settings) is None  # one per process
            deadline = time.monotonic() + 30
            while len(server.of("slack")) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            outbox.queue(
                store, channel=channels["team-slack"], message=Message(title="Later"), key="later", now=clock.now()
            )
            while len(server.of("slack")) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            background.stop_sending.set()
            thread.join(timeout=30)
            background.stop_sending.clear()
    assert [item.body["text"] for item in server.of("slack")] == ["Alert 0", "Later"]
    assert set(statuses(store).values()) == {"sent"}
    store.dispose()


def test_deliver_lists_requeues_and_says_when_it_gave_up(tmp_path, monkeypatch, capsys):
    with chat_server(slack_tokens={TOKEN}) as server:
        store, env = setup(tmp_path, server.url, 1)
        for key in ("PULSE_DATA_DIR", "PULSE_SECRETS_FILE"):
            monkeypatch.setenv(key, env[key])
        server.fail_next("slack", 400, "invalid_blocks")
        assert cli.main(["deliver"]) == 1  # a message given up in this run
        out, err = capsys.readouterr()
        assert out == "Messages sent: 0; waiting for a retry: 0; failed: 1; left unknown by a sender that stopped: 0.\n"
        assert err == "cli.py deliver: `python cli.py channel list` shows the failures per channel.\n"
        assert cli.main(["deliver", "--recent", "5"]) == 0
        listed = capsys.readouterr().out.splitlines()
        assert listed[0].split() == [
            "id",
            "channel",
            "kind",
            "status",
            "attempts",
            "created_at",
            "sent_at",
            "title",
            "last_error",
        ]
        assert listed[1].split()[:5] == ["1", "team-slack", "slack", "failed", "1"]
        assert listed[1].endswith("Alert 0 HTTP 400: invalid_blocks.")
        assert cli.main(["deliver", "--requeue", "1"]) == 0
        assert capsys.readouterr().out.startswith("Messages sent: 1;")
        assert cli.main(["deliver", "--requeue", "1"]) == 1  # sent: nothing to requeue
        assert capsys.readouterr().err == "cli.py deliver: no failed or unknown message 1.\n"
    assert len(server.of("slack")) == 1
    store.dispose()
