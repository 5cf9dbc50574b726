"""Alert rules (docs/alerts.md): each kind read on the fixture community (tests/community.py) with
figures worked by hand, on DuckDB, SQLite and PostgreSQL; a rule fires once when it starts holding
and once when it stops; snoozing records without sending; the messages land at a loopback Slack and
WeCom (tests/chat_server.py); rules are refused with the field named; the YAML file's problems name
the file, the rule and the field.

The fixture's period P is 1-7 March 2025: a rule over the last 7 days evaluated on 8 March reads P
against Q (22-28 February).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from alerts import rules_file
from alerts.evaluation import evaluate_due, evaluations, messages
from alerts.messages import FIRED, change_text
from alerts.messages import link as alert_link
from alerts.messages import message as alert_message
from alerts.readings import Reading, Sources, noise_reading, read
from alerts.rules import AlertRefused, Definition, add_rule, check, delete_rule, get_rule, list_rules, snooze
from delivery import outbox
from delivery.channels import parse_channels
from delivery.formats import webhook
from metrics import levels
from metrics.kpi import Kpi
from settings import Settings
from store import tables
from store.database import AppStore
from tests.chat_server import chat_server
from tests.conftest import fill_app_store
from tests.test_metrics_members import SMALL

MARCH_8 = datetime(2025, 3, 8, 10, 0)  # UTC: "last 7 days" is P
SLACK_TOKEN = "XslackTokenForAlerts1234"
WECOM_KEY = "wecom-key-for-alerts"


@pytest.fixture
def store(tmp_path) -> Iterator[AppStore]:
    kept = AppStore(f"sqlite:///{tmp_path / 'app.db'}")
    kept.migrate()
    yield kept
    kept.dispose()


def settings_for(tmp_path: Path, store: AppStore, **values: object) -> Settings:
    return Settings(
        data_dir=tmp_path,
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        app_db_url=store.url,
        timezone="UTC",
        community_source="demo",
        public_url="https://pulse.example.org",
        alerts_file=tmp_path / "alerts.yaml",
        **values,  # type: ignore[arg-type]
    )


def reading(tmp_path, store, warehouse, now: datetime = MARCH_8, **rule: object):
    sources = Sources(settings=settings_for(tmp_path, store), app_store=store, now=now, warehouse=warehouse)
    return read(check(Definition(name="r", recipients=("x",), **rule)), sources)  # type: ignore[arg-type]


def test_a_threshold_holds_strictly_beyond_it(tmp_path, store, warehouse):
    # MAU(7 March), 30 days from 6 February: alice bob carol dave erin hank = 6; MAU(28 February): alice bob dave = 3.
    below = reading(tmp_path, store, warehouse, kind="threshold", subject="mau", comparison="below", threshold=7)
    assert (below.holding, below.value, below.previous, below.change) == (True, 6, 3, 3)
    at = reading(tmp_path, store, warehouse, kind="threshold", subject="mau", comparison="above", threshold=6)
    assert at.holding is False  # 6 is not above 6
    # A percentage threshold is a share: the growth rate 2/5 = 40% is above 39%.
    rate = reading(
        tmp_path, store, warehouse, kind="threshold", subject="growth_rate", comparison="above", threshold=0.39
    )
    assert (rate.holding, rate.value) == (True, pytest.approx(0.4))


def test_a_change_in_percent_or_points_against_the_previous_period(tmp_path, store, warehouse):
    # New members: 2 in P (carol, erin) against 1 in Q (bob): +100%.
    doubled = reading(
        tmp_path,
        store,
        warehouse,
        kind="change",
        subject="new_members",
        comparison="rise",
        unit="percent",
        threshold=50,
    )
    assert (doubled.holding, doubled.change) == (True, pytest.approx(100.0))
    # Growth rate 2/5 = 40% against 1/4 = 25%: +15 percentage points.
    points = {"kind": "change", "subject": "growth_rate", "unit": "points"}
    assert reading(tmp_path, store, warehouse, comparison="rise", threshold=10, **points).change == pytest.approx(15.0)
    assert reading(tmp_path, store, warehouse, comparison="rise", threshold=10, **points).holding is True
    assert reading(tmp_path, store, warehouse, comparison="rise", threshold=20, **points).holding is False
    assert reading(tmp_path, store, warehouse, comparison="fall", threshold=10, **points).holding is False
    assert reading(tmp_path, store, warehouse, comparison="either", threshold=15, **points).holding is True
    # Churn in Q has no value (nobody was active before it): no judgement.
    churn = reading(
        tmp_path, store, warehouse, comparison="rise", threshold=1, kind="change", subject="churn_rate", unit="points"
    )
    assert (churn.holding, churn.note) == (None, "no_value")


def test_a_change_within_noise_or_on_too_few_members_does_not_hold(tmp_path, store, warehouse):
    rule = {"kind": "noise", "subject": "growth_rate", "comparison": "either"}
    # 5 members before P and 4 before Q: fewer than the default 30, so not judged.
    few = reading(tmp_path, store, warehouse, **rule)
    assert (few.holding, few.note, few.sample) == (None, "few", 4)
    # With 4 allowed: margin 1.96·√(0.4·0.6/5 + 0.25·0.75/4) = 1.96·√0.094875 = 0.6037; +0.15 is within it.
    judged = reading(tmp_path, store, warehouse, min_members=4, **rule)
    assert (judged.holding, judged.change, judged.margin) == (
        False,
        pytest.approx(0.15),
        pytest.approx(0.6037, abs=1e-4),
    )


def test_a_change_beyond_its_margin_holds_in_its_direction():
    # 60% of 100 against 30% of 100: margin 1.96·√(0.24/100 + 0.21/100) = 0.1315 < 0.30.
    kpi = Kpi(current=0.6, previous=0.3, sample=100, previous_sample=100)
    rise = check(Definition(name="r", kind="noise", subject="active_rate", comparison="rise", recipients=("x",)))
    assert noise_reading(rise, kpi).holding is True
    assert noise_reading(check(Definition(**{**rise.__dict__, "comparison": "fall"})), kpi).holding is False
    assert noise_reading(rise, kpi).margin == pytest.approx(0.13148, abs=1e-5)
    # NPS 25 ± 20 against 0 ± 15: margin √(20² + 15²) = 25, and a change of 25 is not beyond it.
    nps = check(
        Definition(name="n", kind="noise", subject="nps", comparison="either", min_members=1, recipients=("x",))
    )
    assert noise_reading(nps, Kpi(25, 0, margin=20, previous_margin=15, sample=40, previous_sample=40)).holding is False
    assert noise_reading(nps, Kpi(26, 0, margin=20, previous_margin=15, sample=40, previous_sample=40)).holding is True


def insert_feedback(store: AppStore, items: list[tuple[datetime, float]]) -> None:
    with store.begin() as connection:
        for n, (created, sentiment) in enumerate(items):
            connection.execute(
                tables.feedback.insert().values(
                    source="test",
                    member_id=None,
                    created_at=created,
                    text=f"item {n}",
                    status="new",
                    sentiment=sentiment,
                    updated_at=created,
                    version=1,
                    first_response_at=created,
                )
            )


def test_negative_feedback_jumps_as_the_overview_warns(tmp_path, store, warehouse):
    # Baseline (the 8 weeks before 2-8 March): 10 rated items, 1 negative (10%). Latest week: 6 items,
    # 3 negative (50%): 40 points above and 5 times the baseline, with 5+ items on both sides.
    base = [(datetime(2025, 2, 1) + timedelta(days=n), -0.5 if n == 0 else 0.5) for n in range(10)]
    insert_feedback(store, [*base, *[(datetime(2025, 3, 3, 9), -0.6 if n < 3 else 0.4) for n in range(6)]])
    jump = reading(tmp_path, store, warehouse, kind="negative_feedback")
    assert (jump.holding, jump.value, jump.previous, jump.sample) == (True, 0.5, 0.1, 6)
    assert jump.change == pytest.approx(0.4)


def test_too_few_rated_items_are_no_jump(tmp_path, store, warehouse):
    insert_feedback(store, [(datetime(2025, 3, 3, 9), -0.6)] * 4)  # 4 in the week, none before
    quiet = reading(tmp_path, store, warehouse, kind="negative_feedback")
    assert (quiet.holding, quiet.note) == (False, "few_feedback")


def test_feedback_past_its_response_target(tmp_path, store, warehouse):
    # Open on 8 March 10:00 with no first response: f1 (alice, 1 March 09:00) and f3 (anonymous, 3 March),
    # both past normal's 24 hours; f4 is the team's, f5 arrives on 9 March, f2 and f6 are closed, f7 merged.
    fill_app_store(store)
    two = reading(tmp_path, store, warehouse, kind="overdue_feedback", threshold=2)
    assert (two.holding, two.value, two.threshold) == (True, 2, 2)
    assert reading(tmp_path, store, warehouse, kind="overdue_feedback", threshold=3).holding is False
    # The EU's members: alice's f1 alone (an anonymous item belongs to no region).
    assert reading(tmp_path, store, warehouse, kind="overdue_feedback", region="EU").value == 1


def test_champions_slipping_away(tmp_path, store, warehouse, monkeypatch):
    # With the members tests' small level rules: to 1 April, dave was a champion and is silent since
    # 28 February (tests/test_metrics_members.py); nobody in the EU.
    monkeypatch.setattr(
        levels, "slipping_champions_query", functools.partial(levels.slipping_champions_query, rules=SMALL)
    )
    april = datetime(2025, 4, 1, 10, 0)
    found = reading(tmp_path, store, warehouse, now=april, kind="slipping_champions")
    assert (found.holding, found.value, found.threshold) == (True, 1, 1)
    assert reading(tmp_path, store, warehouse, now=april, kind="slipping_champions", region="EU").holding is False


def record_sync(store: AppStore, status: str, finished: datetime) -> None:
    with store.begin() as connection:
        connection.execute(
            tables.sync_runs.insert().values(
                source="demo", started_at=finished - timedelta(minutes=1), finished_at=finished, status=status
            )
        )


def test_a_failed_or_stale_sync(tmp_path, store):
    assert reading(tmp_path, store, None, kind="sync").note == "never_synced"
    record_sync(store, "succeeded", MARCH_8 - timedelta(hours=24))
    fresh = reading(tmp_path, store, None, kind="sync", threshold=24)
    assert (fresh.holding, fresh.value) == (False, 24.0)  # 24 hours is not more than 24
    assert reading(tmp_path, store, None, kind="sync", threshold=23).holding is True
    record_sync(store, "failed", MARCH_8 - timedelta(hours=1))
    failed = reading(tmp_path, store, None, kind="sync", threshold=48)
    assert (failed.holding, failed.note) == (True, "sync_failed")


@pytest.mark.parametrize(
    ("definition", "field", "key"),
    [
        ({"name": " "}, "name", "alerts.refused.name"),
        ({"kind": "weather"}, "kind", "alerts.refused.kind"),
        ({"subject": "happiness"}, "kpi", "alerts.refused.kpi"),
        ({"comparison": "around"}, "comparison", "alerts.refused.level"),
        ({"subject": "churn_rate", "threshold": 12}, "threshold", "alerts.refused.percent"),  # 1200%
        ({"kind": "noise", "subject": "mau", "comparison": "rise"}, "kpi", "alerts.refused.noise_kpi"),
        (
            {"kind": "change", "comparison": "fall", "unit": "percent", "threshold": 0},
            "threshold",
            "alerts.refused.change",
        ),
        ({"kind": "change", "comparison": "fall", "unit": "members", "threshold": 5}, "unit", "alerts.refused.unit"),
        ({"kind": "sync", "threshold": 0.5}, "threshold", "alerts.refused.sync"),
        ({"period": "forever"}, "period", "alerts.refused.period"),
        ({"schedule": "weekly"}, "schedule", "alerts.refused.schedule"),
        ({"at": "25:00"}, "at", "alerts.refused.at"),
        ({"recipients": ()}, "recipients", "alerts.refused.no_recipients"),
        ({"recipients": ("nowhere",)}, "recipients", "alerts.refused.recipient"),
    ],
)
def test_a_rule_that_cannot_be_kept_is_refused_naming_the_field(store, definition, field, key):
    wanted = {"name": "MAU low", "kind": "threshold", "subject": "mau", "comparison": "below", "threshold": 10}
    wanted |= {"recipients": ("team-slack",)} | definition
    with pytest.raises(AlertRefused) as refused:
        add_rule(store, Definition(**wanted), by="ana@example.org", now=MARCH_8, channels={"team-slack"})  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.key) == (field, key)
    assert list_rules(store) == []


@pytest.mark.parametrize(
    ("definition", "reading", "figure"),
    [
        (
            Definition(name="MAU low", kind="threshold", subject="mau", comparison="below", threshold=10),
            Reading(holding=True, value=6, previous=3),
            {"key": "mau", "current": 6, "previous": 3, "value": "6"},
        ),
        (
            Definition(name="Churn up", kind="change", subject="churn_rate", comparison="above", threshold=5),
            Reading(holding=True, value=0.25, previous=0.2, change=5.0),
            {"key": "churn_rate", "current": 0.25, "previous": 0.2, "value": "25.0%"},  # a rate as a fraction
        ),
        (
            Definition(name="Data is stale", kind="sync", threshold=2, schedule="hourly"),
            Reading(holding=True, value=3.0),
            {"key": "sync", "current": 3.0, "previous": None},
        ),
    ],
)
def test_an_alert_to_a_webhook_carries_its_figures_key_and_values(definition, reading, figure):
    """Besides the words in the reader's language (here Chinese), what a program reads."""
    sent = alert_message(
        definition, reading, transition=FIRED, at=MARCH_8, timezone="UTC", language="zh-CN", public_url=""
    )
    first = webhook(sent, key="alert:1")["figures"][0]
    assert {name: first[name] for name in figure} == figure
    assert [set(line) for line in webhook(sent, key="alert:1")["figures"][1:]] == [{"label", "value", "change"}] * 2


def channels_at(url: str):
    return parse_channels(
        {
            "team-slack": {"kind": "slack", "webhook": f"{url}/services/T000/B000/{SLACK_TOKEN}"},
            "ops-wecom": {"kind": "wecom", "webhook": f"{url}/cgi-bin/webhook/send?key={WECOM_KEY}"},
        }
    )


def outbox_keys(store: AppStore) -> list[str]:
    return store.run(sa.select(tables.delivery_outbox.c.idempotency_key).order_by(tables.delivery_outbox.c.id))[
        "idempotency_key"
    ].tolist()


def test_a_rule_fires_once_when_it_starts_holding_and_once_when_it_stops(tmp_path, store):
    """An hourly sync rule (more than 2 hours without a good sync) through a day of evaluations."""
    settings = settings_for(tmp_path, store)
    with chat_server(slack_tokens={SLACK_TOKEN}, wecom_keys={WECOM_KEY}) as services:
        channels = channels_at(services.url)
        rule_id = add_rule(
            store,
            Definition(
                name="Data is stale",
                kind="sync",
                threshold=2,
                schedule="hourly",
                recipients=("team-slack", "ops-wecom"),
            ),
            by="ana@example.org",
            now=MARCH_8,
        )
        record_sync(store, "succeeded", MARCH_8)

        def at(hours: float):
            return evaluate_due(settings, store, MARCH_8 + timedelta(hours=hours), channels=channels)

        assert [e.outcome for e in at(0.5).evaluated] == ["clear"]  # 0.5 h old: no message on a first clear
        assert at(0.9).evaluated == ()  # the same hour: not due again
        assert [e.outcome for e in at(3).evaluated] == ["fired"]  # 3 h old
        assert [e.outcome for e in at(4).evaluated] == ["holding"]
        assert [e.outcome for e in at(5).evaluated] == ["holding"]  # no storm
        record_sync(store, "succeeded", MARCH_8 + timedelta(hours=5, minutes=30))
        assert [e.outcome for e in at(6).evaluated] == ["recovered"]
        assert [e.outcome for e in at(7).evaluated] == ["clear"]
        assert outbox_keys(store) == [
            f"alert:{rule_id}:fired:2025-03-08T13:team-slack",
            f"alert:{rule_id}:fired:2025-03-08T13:ops-wecom",
            f"alert:{rule_id}:recovered:2025-03-08T16:team-slack",
            f"alert:{rule_id}:recovered:2025-03-08T16:ops-wecom",
        ]
        history = evaluations(store, rule_id)
        assert history["outcome"].tolist() == ["clear", "recovered", "holding", "holding", "fired", "clear"]
        assert history["value"].tolist()[:2] == [pytest.approx(1.5), pytest.approx(0.5)]  # hours since the good sync
        # Checked again by hand in a period whose transition was sent: the key sends it once.
        assert evaluate_due(settings, store, MARCH_8 + timedelta(hours=7, minutes=5), channels=channels, only=rule_id)
        assert len(outbox_keys(store)) == 4

        sent = outbox.deliver_due(store, channels)
        assert (sent.sent, sent.failed) == (4, 0)
        slack = [r.body for r in services.of("slack")]
        assert [body["text"] for body in slack] == ["Alert: Data is stale", "Recovered: Data is stale"]
        fields = [field["text"] for field in slack[0]["blocks"][1]["fields"]]
        assert fields[0] == "*Hours since the last good sync*\n3.0 h"
        assert slack[0]["blocks"][-1]["elements"][0]["url"] == "https://pulse.example.org/data"
        wecom = services.of("wecom")[0].body["markdown"]["content"]
        assert (
            wecom.startswith("## Alert: Data is stale")
            and "A sync failed, or the data is more than 2 hours old" in wecom
        )
        shown = messages(store, rule_id)
        assert sorted(zip(shown["outcome"], shown["channel"], shown["status"], strict=True)) == [
            ("fired", "ops-wecom", "sent"),
            ("fired", "team-slack", "sent"),
            ("recovered", "ops-wecom", "sent"),
            ("recovered", "team-slack", "sent"),
        ]


def test_a_snoozed_rule_is_recorded_but_sends_nothing(tmp_path, store):
    settings = settings_for(tmp_path, store, language="zh-CN")
    channels = channels_at("http://127.0.0.1:9")  # nothing is sent: only queued
    rule_id = add_rule(
        store,
        Definition(name="同步过旧", kind="sync", threshold=2, schedule="after_sync", recipients=("team-slack",)),
        by="ana@example.org",
        now=MARCH_8,
    )
    record_sync(store, "failed", MARCH_8)
    snooze(store, rule_id, MARCH_8 + timedelta(days=1), by="ana@example.org", now=MARCH_8)
    (done,) = evaluate_due(settings, store, MARCH_8 + timedelta(minutes=1), channels=channels).evaluated
    assert (done.outcome, done.snoozed, done.queued, done.period) == ("fired", True, (), "sync-1")
    assert outbox_keys(store) == []
    assert get_rule(store, rule_id).holding is True  # its state moved: waking it sends nothing for this
    assert evaluations(store, rule_id)["snoozed"].tolist() == [True]
    # Woken, it sends the next transition, in the community's language.
    snooze(store, rule_id, None, by="ana@example.org", now=MARCH_8)
    record_sync(store, "succeeded", MARCH_8 + timedelta(minutes=5))
    (done,) = evaluate_due(settings, store, MARCH_8 + timedelta(minutes=6), channels=channels).evaluated
    assert (done.outcome, done.queued) == ("recovered", ("team-slack",))
    payload = store.run(sa.select(tables.delivery_outbox.c.payload))["payload"].iloc[0]
    assert payload["text"] == "已恢复：同步过旧"


def test_a_dry_run_records_and_queues_nothing(tmp_path, store):
    settings = settings_for(tmp_path, store)
    rule_id = add_rule(
        store,
        Definition(name="stale", kind="sync", threshold=1, schedule="hourly", recipients=("team-slack",)),
        by="a@example.org",
        now=MARCH_8,
    )
    record_sync(store, "failed", MARCH_8)
    run = evaluate_due(settings, store, MARCH_8, dry_run=True, channels=channels_at("http://127.0.0.1:9"))
    assert [e.outcome for e in run.evaluated] == ["fired"]
    assert evaluations(store, rule_id).empty and outbox_keys(store) == [] and get_rule(store, rule_id).holding is None


GOOD_FILE = """
rules:
  - name: Churn above 10%
    kind: threshold
    kpi: churn_rate
    comparison: above
    threshold: 10
    filter: {region: EU}
    recipients: [team-slack]
  - name: Stale data
    kind: sync
    schedule: after_sync
    recipients: team-slack
"""


def test_the_yaml_files_rules_are_mirrored_read_only(tmp_path, store):
    path = tmp_path / "alerts.yaml"
    path.write_text(GOOD_FILE, encoding="utf-8")
    assert rules_file.mirror(store, path, now=MARCH_8, channels={"team-slack"}) == 2
    churn, stale = list_rules(store)
    assert (churn.origin, churn.definition.threshold, churn.definition.region, churn.definition.at) == (
        "file",
        0.1,
        "EU",
        "09:00",
    )
    assert (stale.definition.threshold, stale.definition.recipients, stale.created_by) == (
        24.0,
        ("team-slack",),
        "file:alerts.yaml",
    )
    with pytest.raises(AlertRefused):  # the app does not change a file's rule
        delete_rule(store, churn.id)
    path.write_text(GOOD_FILE.split("  - name: Stale")[0], encoding="utf-8")
    rules_file.mirror(store, path, now=MARCH_8)
    assert [rule.name for rule in list_rules(store)] == ["Churn above 10%"]
    assert list_rules(store)[0].id == churn.id  # unchanged, so kept with its state


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("rules: [", "is not valid YAML"),
        ("- name: x", "holds one key, “rules”"),
        (
            "rules:\n  - name: A\n    kind: sync\n    recipient: [team-slack]\n",
            "rule 1 (“A”), field “recipient”: this field is unknown",
        ),
        (
            "rules:\n  - name: A\n    kind: threshold\n    kpi: mauu\n    comparison: below\n"
            "    threshold: 5\n    recipients: [team-slack]\n",
            "rule 1 (“A”), field “kpi”: There is no KPI called “mauu”",
        ),
        (
            "rules:\n  - name: A\n    kind: sync\n    threshold: lots\n    recipients: [team-slack]\n",
            "field “threshold”: this field is a number",
        ),
        (
            "rules:\n  - name: A\n    kind: sync\n    recipients: [team-slack]\n"
            "  - name: B\n    kind: sync\n    filter: {city: Oslo}\n    recipients: [team-slack]\n",
            "rule 2 (“B”), field “filter”: the filter names only channel, region, segment",
        ),
        (
            "rules:\n  - name: A\n    kind: sync\n    recipients: [nowhere]\n",
            "field “recipients”: There is no delivery channel called “nowhere”",
        ),
        (
            "rules:\n  - name: A\n    kind: sync\n    recipients: [team-slack]\n"
            "  - name: A\n    kind: sync\n    recipients: [team-slack]\n",
            "rule 2 (“A”), field “name”: a rule above has the same name",
        ),
        (
            "rules:\n  - name: A\n    kind: sync\n    schedule: daily\n    at: '9am'\n    recipients: [team-slack]\n",
            "field “at”: A daily rule’s time is HH:MM",
        ),
    ],
)
def test_the_yaml_files_problems_name_the_file_the_rule_and_the_field(tmp_path, store, text, said):
    path = tmp_path / "alerts.yaml"
    path.write_text(GOOD_FILE, encoding="utf-8")
    rules_file.mirror(store, path, now=MARCH_8, channels={"team-slack"})
    path.write_text(text, encoding="utf-8")
    with pytest.raises(rules_file.AlertFileError) as problem:
        rules_file.mirror(store, path, now=MARCH_8, channels={"team-slack"})
    assert str(path) in str(problem.value) and said in str(problem.value)
    assert problem.value.key in ("alerts.file.yaml", "alerts.file.shape", "alerts.file.rule")
    assert len(list_rules(store)) == 2  # a bad file changes nothing


def test_evaluate_due_reports_the_files_problem_and_still_evaluates_the_apps_rules(tmp_path, store):
    settings = settings_for(tmp_path, store)
    settings.alerts_file.write_text("rules: [", encoding="utf-8")
    add_rule(
        store, Definition(name="stale", kind="sync", schedule="hourly", recipients=("team-slack",)), by="a", now=MARCH_8
    )
    record_sync(store, "succeeded", MARCH_8)
    run = evaluate_due(settings, store, MARCH_8, channels=channels_at("http://127.0.0.1:9"))
    assert [e.outcome for e in run.evaluated] == ["clear"]
    assert run.file_problem is not None and run.file_problem.key == "alerts.file.yaml"


@pytest.mark.parametrize(
    ("subject", "value", "previous", "shown"),
    [("nps", 31.4, 11.6, "+19"), ("active_rate", 0.0654, 0.0546, "+1.0 pts"), ("members", 120, 100, "+20")],
)
def test_a_change_rule_in_points_says_the_change_its_kpis_tile_says(subject, value, previous, shown):
    """A tile writes "+31" against "+12" as "+19" (visuals.formats.shown_change): the alert about it
    said "+20" (the unrounded 19.8), and 6.5% against 5.5% "+1.1 pts"."""
    rule = Definition(name="r", kind="change", subject=subject, comparison="rise", threshold=1, unit="points")
    reading = Reading(
        holding=True,
        value=value,
        previous=previous,
        change=(value - previous) * (100 if subject == "active_rate" else 1),
    )
    assert change_text(rule, reading) == shown


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [
        ("https://pulse.example.org", "https://pulse.example.org/overview?period=last_7_days&channel=forum"),
        ("http://localhost:8501", ""),  # left at this computer's: no reader elsewhere could open it
        ("http://127.0.0.1:8611", ""),
    ],
)
def test_an_alerts_link_opens_its_view_unless_it_would_lead_to_this_computer(public_url, expected):
    rule = check(
        Definition(
            name="r",
            recipients=("x",),
            kind="threshold",
            subject="mau",
            comparison="below",
            threshold=7,
            period="last_7_days",
            channel="forum",
        )
    )
    assert alert_link(rule, public_url) == expected
