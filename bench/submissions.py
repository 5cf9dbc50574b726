"""Survey submissions under load: concurrent members submitting to the app store at once, each
also pressing Submit a second time (a retry), then a count that every response is stored once."""

from __future__ import annotations

import threading
import time

import numpy as np
import sqlalchemy as sa

import clock
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.demo import _answer  # the demo's plausible answer per question type
from surveys.submission import Outcome, submit

SLUG = "quarterly-nps"


def measure(store: AppStore, *, submitters: int = 50, each: int = 4) -> dict[str, object]:
    stored = registry.load_survey(store, SLUG)
    if stored is None:
        raise RuntimeError(f"The survey {SLUG!r} is not published in the bench's app store.")
    rng = np.random.default_rng(7)
    answers = []
    for n in range(submitters * each):
        given = {q.id: _answer(q, float(n % 11), rng) for q in stored.survey.questions}
        given |= {q.id: "The forum search is slow" for q in stored.survey.questions if q.type == "long_text"}
        answers.append(given)
    # One submission first, as on a server that has been running: lexicons loaded, connections open.
    submit(
        store,
        stored=stored,
        answers=answers[0],
        key=f"bench-warm-{time.time()}",
        now=clock.now(),
    )
    latencies: list[float] = []
    outcomes: list[Outcome] = []
    lock, barrier = threading.Lock(), threading.Barrier(submitters)
    run = clock.now().strftime("%H%M%S%f")

    def member(number: int) -> None:
        barrier.wait()
        for turn in range(each):
            key = f"bench-{run}-{number}-{turn}"
            given = answers[number * each + turn]
            started = time.perf_counter()
            first = submit(store, stored=stored, answers=given, key=key, now=clock.now())
            took = time.perf_counter() - started
            again = submit(store, stored=stored, answers=given, key=key, now=clock.now())
            with lock:
                latencies.append(took)
                outcomes.extend([first.outcome, again.outcome])

    threads = [threading.Thread(target=member, args=(n,)) for n in range(submitters)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    stored_rows = store.run(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(tables.responses.c.idempotency_key))).where(
            tables.responses.c.idempotency_key.like(f"bench-{run}-%")
        )
    ).iloc[0]
    expected = submitters * each
    return {
        "submitters": submitters,
        "submissions": expected,
        "p50_ms": float(np.percentile(latencies, 50) * 1000),
        "p95_ms": float(np.percentile(latencies, 95) * 1000),
        "max_ms": float(max(latencies) * 1000),
        "per_second": expected / wall,
        "stored": int(stored_rows.iloc[0]),
        "exactly_once": int(stored_rows.iloc[0]) == expected == int(stored_rows.iloc[1])
        and outcomes.count(Outcome.STORED) == expected,
    }
