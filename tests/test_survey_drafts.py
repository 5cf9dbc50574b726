"""Surveys built in the app (surveys/drafts.py): drafts that save whole with optimistic
concurrency, publishing under the versioning rules checked against hand-made answers, closing,
archiving and deleting, who changed what, the folder's file hashes, and YAML in and out."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from store import tables
from store.database import AppStore
from surveys import drafts, registry
from surveys.definition import DefinitionError, parse_definition
from surveys.drafts import DraftConflict, DraftGone, PublishRefused
from surveys.submission import Outcome, submit
from tests.conftest import migrated_store, new_migrated_store

NOW = datetime(2026, 3, 10, 12)
SURVEYS_DIR = Path(__file__).resolve().parent.parent / "surveys"
DEFINITION = {
    "slug": "pulse",
    "title": {"en": "Pulse", "zh-CN": "脉搏"},
    "languages": ["en", "zh-CN"],
    "pages": [
        {
            "questions": [
                {"id": "nps", "type": "nps", "text": "Recommend?", "required": True},
                {"id": "pick", "type": "choice", "text": "Pick", "options": ["red", "blue", "green"], "other": True},
                {"id": "tools", "type": "multi", "text": "Tools?", "options": ["git", "svn", "hg"]},
                {"id": "grid", "type": "matrix", "text": "Agree?", "rows": ["fast", "clear"]},
            ]
        },
        {
            "questions": [
                {"id": "why", "type": "long_text", "text": "Why?", "show_if": {"question": "nps", "at_most": 6}}
            ]
        },
    ],
}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, new_postgres_database):
    app_store = new_migrated_store(request.param, tmp_path, new_postgres_database, "drafts")
    yield app_store
    app_store.dispose()


@pytest.fixture
def sqlite_store(tmp_path):
    app_store = migrated_store(tmp_path / "app.db")
    yield app_store
    app_store.dispose()


def published(store: AppStore, definition: dict | None = None) -> registry.StoredSurvey:
    draft = drafts.create_draft(store, definition or DEFINITION, actor="ana@example.org", now=NOW)
    drafts.publish(store, draft, actor="ana@example.org", timezone="UTC", now=NOW)
    return registry.load_survey(store, "pulse")


def answered(store: AppStore, answers: dict, key: str = "k1") -> None:
    stored = registry.load_survey(store, "pulse")
    assert submit(store, stored=stored, answers=answers, key=key, now=NOW).outcome is Outcome.STORED


def edited(change) -> dict:
    definition = copy.deepcopy(DEFINITION)
    change(definition)
    return definition


def question(definition: dict, question_id: str) -> dict:
    return next(q for page in definition["pages"] for q in page["questions"] if q["id"] == question_id)


def republish(store: AppStore, definition: dict) -> int:
    draft = drafts.edit_survey(store, "pulse", actor="bo@example.org", now=NOW)
    draft = drafts.save_draft(store, draft, definition, actor="bo@example.org", now=NOW)
    return drafts.publish(store, draft, actor="bo@example.org", timezone="UTC", now=NOW)


def test_a_draft_is_invisible_to_members_until_published(store):
    draft = drafts.create_draft(store, DEFINITION, actor="ana@example.org", now=NOW)
    assert registry.load_survey(store, "pulse") is None and registry.survey_slugs(store) == []
    assert drafts.publish(store, draft, actor="ana@example.org", timezone="UTC", now=NOW) == 1
    assert registry.load_survey(store, "pulse").survey == parse_definition(DEFINITION, where="x")
    assert drafts.list_drafts(store) == []  # publishing removes the draft


def test_a_draft_saved_in_local_mode_is_said_to_be_so_not_by_its_stored_name(store):
    published(store)
    first = drafts.edit_survey(store, "pulse", actor="local", now=NOW)
    second = drafts.edit_survey(store, "pulse", actor="local", now=NOW)  # another tab of the same computer
    drafts.save_draft(store, first, edited(lambda d: d.update(title="First tab")), actor="local", now=NOW)
    with pytest.raises(DraftConflict) as conflict:
        drafts.save_draft(store, second, edited(lambda d: d.update(title="Second tab")), actor="local", now=NOW)
    assert conflict.value.user_message.startswith("This draft was saved by local user at")
    assert conflict.value.text("zh-CN").startswith("你编辑期间，本机用户 已在")
    assert "本機使用者" in conflict.value.text("zh-TW") and "local" not in conflict.value.text("zh-TW")


def test_two_managers_editing_one_draft_do_not_overwrite_each_other(store):
    published(store)
    ana = drafts.edit_survey(store, "pulse", actor="ana@example.org", now=NOW)
    bo = drafts.edit_survey(store, "pulse", actor="bo@example.org", now=NOW)
    assert ana.id == bo.id and ana.revision == bo.revision == 1  # one shared draft
    saved = drafts.save_draft(store, ana, edited(lambda d: d.update(title="Ana's")), actor="ana@example.org", now=NOW)
    assert saved.revision == 2
    later = NOW + timedelta(minutes=3)
    with pytest.raises(DraftConflict) as conflict:
        drafts.save_draft(store, bo, edited(lambda d: d.update(title="Bo's")), actor="bo@example.org", now=later)
    assert conflict.value.by == "ana@example.org"
    assert conflict.value.text("zh-CN").startswith("你编辑期间，ana@example.org 已在 2026-03-10 12:00 UTC 保存了此草稿")
    assert drafts.load_draft(store, ana.id).definition["title"] == "Ana's"  # Bo's save wrote nothing
    with pytest.raises(DraftConflict):  # publishing from the stale revision is refused too
        drafts.publish(store, bo, actor="bo@example.org", timezone="UTC", now=later)
    assert drafts.publish(store, saved, actor="ana@example.org", timezone="UTC", now=later) == 2
    with pytest.raises(DraftGone):
        drafts.save_draft(store, saved, DEFINITION, actor="ana@example.org", now=later)


def test_a_draft_saves_whole_even_when_not_yet_valid_and_publishing_says_what_to_fix(store):
    broken = edited(lambda d: question(d, "pick").update(options=["red", ""]))
    draft = drafts.create_draft(store, broken, actor="ana@example.org", now=NOW)
    assert drafts.load_draft(store, draft.id).definition == broken
    problems = drafts.check_draft(store, draft)
    assert [problem.field for problem in problems] == [("questions", "pick", "options", 1)]
    with pytest.raises(DefinitionError):
        drafts.publish(store, draft, actor="ana@example.org", timezone="UTC", now=NOW)
    assert registry.load_survey(store, "pulse") is None


def test_unchanged_questions_keep_their_answers_under_their_ids(store):
    published(store)
    answered(store, {"nps": 3, "pick": "red", "tools": ["git"], "grid": {"fast": 4}, "why": "Slow"})
    reworded = edited(lambda d: question(d, "nps").update(text={"en": "Would you recommend us?", "zh-CN": "推荐吗？"}))
    reworded["pages"][1]["questions"].append({"id": "city", "type": "short_text", "text": "City?"})
    assert republish(store, reworded) == 2
    versions = registry.load_versions(store, "pulse")
    assert [stored.version for stored in versions] == [2, 1]
    ids = store.run(sa.select(tables.answers.c.question_id))["question_id"].tolist()
    assert sorted(ids) == ["grid.fast", "nps", "pick", "tools", "why"]  # still under their ids, version 1's
    history = drafts.history(store, "pulse")
    assert [(row["action"], row["version"], row["actor"]) for row in history][:2] == [
        ("published", 2, "bo@example.org"),
        ("drafted", None, "bo@example.org"),
    ]


@pytest.mark.parametrize(
    "change, field, reason",
    [
        (
            lambda d: question(d, "nps").update(type="rating"),
            ("questions", "nps", "type"),
            "'nps' was answered as nps; its type cannot become rating. Give it a new id to ask it as a new question.",
        ),
        (
            lambda d: question(d, "pick").update(options=["blue", "green"]),
            ("questions", "pick", "options"),
            "option 'red' of 'pick' has answers and cannot be removed; keep it, or give the question a new id.",
        ),
        (
            lambda d: question(d, "tools").update(options=["svn", "hg"]),
            ("questions", "tools", "options"),
            "option 'git' of 'tools' has answers and cannot be removed; keep it, or give the question a new id.",
        ),
        (
            lambda d: question(d, "pick").update(other=False),
            ("questions", "pick", "other"),
            "'pick' has answers under “Other” and must keep offering it; or give the question a new id.",
        ),
        (
            lambda d: question(d, "grid").update(rows=["clear", "kind"]),
            ("questions", "grid", "rows"),
            "row 'fast' of 'grid' has answers and cannot be removed; keep it, or give the question a new id.",
        ),
    ],
)
def test_a_change_that_would_corrupt_answers_is_refused_with_the_reason(store, change, field, reason):
    published(store)
    answered(store, {"nps": 3, "pick": "red", "tools": ["git", "hg"], "grid": {"fast": 4}}, key="k1")
    answered(store, {"nps": 9, "pick": "__other__", "pick.other": "Teal"}, key="k2")
    with pytest.raises(PublishRefused) as refused:
        republish(store, edited(change))
    (problem,) = refused.value.problems
    assert (problem.field, str(problem.message)) == (field, reason)
    assert registry.load_survey(store, "pulse").version == 1  # nothing published
    assert drafts.list_drafts(store)[0].definition == edited(change)  # the draft keeps the edit


def renamed_nps(definition: dict) -> None:
    """The NPS asked as a new question (new id and type), its follow-up pointing at it."""
    question(definition, "nps").update(id="score", type="rating")
    question(definition, "why")["show_if"]["question"] = "score"


@pytest.mark.parametrize(
    "change",
    [
        renamed_nps,
        lambda d: question(d, "pick").update(options=["red", "blue"]),  # 'green' was never chosen
        lambda d: d["pages"][0]["questions"].remove(question(d, "tools")),  # removed: its answers stay with v1
        lambda d: question(d, "grid").update(rows=["fast", "clear", "kind"]),
    ],
)
def test_a_change_that_keeps_the_answers_meaning_is_published(store, change):
    published(store)
    answered(store, {"nps": 3, "pick": "red", "tools": ["git"], "grid": {"fast": 4}})
    assert republish(store, edited(change)) == 2


def test_a_survey_without_answers_may_change_anything(store):
    published(store)
    assert republish(store, edited(lambda d: question(d, "nps").update(type="rating"))) == 2


def test_a_new_survey_may_not_take_a_published_slug_and_a_published_one_keeps_its_slug(store):
    published(store)
    draft = drafts.create_draft(store, DEFINITION, actor="ana@example.org", now=NOW)
    assert [(p.field, p.message.key) for p in drafts.check_draft(store, draft)] == [
        (("slug",), "survey.publish.slug_taken")
    ]
    renamed = drafts.edit_survey(store, "pulse", actor="ana@example.org", now=NOW)
    renamed = drafts.save_draft(store, renamed, {**DEFINITION, "slug": "other"}, actor="ana@example.org", now=NOW)
    with pytest.raises(PublishRefused) as refused:
        drafts.publish(store, renamed, actor="ana@example.org", timezone="UTC", now=NOW)
    assert refused.value.problems[0].message.key == "survey.publish.slug_fixed"
    copied = drafts.create_draft(store, drafts.duplicate(DEFINITION, "pulse-copy"), actor="ana@example.org", now=NOW)
    assert drafts.publish(store, copied, actor="ana@example.org", timezone="UTC", now=NOW) == 1


def test_delete_removes_an_unanswered_survey_and_archives_an_answered_one(store):
    published(store)
    assert drafts.delete_survey(store, "pulse", actor="ana@example.org", now=NOW) == "deleted"
    assert registry.load_survey(store, "pulse") is None
    published(store)
    answered(store, {"nps": 9})
    assert drafts.delete_survey(store, "pulse", actor="ana@example.org", now=NOW) == "archived"
    stored = registry.load_survey(store, "pulse")
    assert stored.status == "archived"
    assert registry.current_availability(store, stored, now=NOW) is registry.Availability.CLOSED
    registry.set_status(store, "pulse", "open", actor="bo@example.org", now=NOW)
    actions = [row["action"] for row in drafts.history(store, "pulse")]
    assert actions[:3] == ["reopened", "archived", "published"] and "deleted" in actions


def test_a_file_is_registered_only_when_it_changed(sqlite_store, tmp_path):
    folder = tmp_path / "surveys"
    folder.mkdir()
    path = folder / "pulse.yaml"
    path.write_text(drafts.to_yaml(DEFINITION), encoding="utf-8")
    assert registry.register_folder(sqlite_store, folder, timezone="UTC", now=NOW)[0] == {"pulse": 1}
    assert republish(sqlite_store, edited(lambda d: d.update(title="Edited in the app"))) == 2
    # The next start: the file is unchanged, so the app's edit stays.
    assert registry.register_folder(sqlite_store, folder, timezone="UTC", now=NOW)[0] == {}
    assert registry.load_survey(sqlite_store, "pulse").survey.title == {"en": "Edited in the app"}
    # The file changes: it becomes the next version (the app's stays in the history).
    path.write_text(drafts.to_yaml(edited(lambda d: d.update(title="Edited in git"))), encoding="utf-8")
    assert registry.register_folder(sqlite_store, folder, timezone="UTC", now=NOW)[0] == {"pulse": 3}
    assert registry.load_survey(sqlite_store, "pulse").survey.title == {"en": "Edited in git"}


def test_a_draft_begun_before_a_file_changed_the_survey_is_refused(sqlite_store, tmp_path):
    published(sqlite_store)
    draft = drafts.edit_survey(sqlite_store, "pulse", actor="ana@example.org", now=NOW)
    registry.register(
        sqlite_store, parse_definition({**DEFINITION, "title": "From git"}, where="f"), timezone="UTC", now=NOW
    )
    with pytest.raises(PublishRefused) as refused:
        drafts.publish(sqlite_store, draft, actor="ana@example.org", timezone="UTC", now=NOW)
    assert refused.value.problems[0].message.key == "survey.publish.changed_since"


@pytest.mark.parametrize("path", sorted(SURVEYS_DIR.glob("*.yaml")), ids=lambda path: path.name)
def test_a_yaml_round_trip_changes_nothing(sqlite_store, path):
    """Export a published survey, import the file into a draft, export again: the same text and
    the same parsed definition."""
    survey = registry.load_survey(sqlite_store, path.stem)
    if survey is None:
        registry.register(
            sqlite_store,
            parse_definition(yaml.safe_load(path.read_text("utf-8")), where=path.name),
            timezone="UTC",
            now=NOW,
        )
        survey = registry.load_survey(sqlite_store, path.stem)
    exported = drafts.to_yaml(survey.survey.source)
    draft = drafts.import_yaml(sqlite_store, exported, where=path.name, actor="ana@example.org", now=NOW)
    again = drafts.to_yaml(drafts.load_draft(sqlite_store, draft.id).definition)
    assert again == exported
    assert parse_definition(yaml.safe_load(again), where="again") == survey.survey
    assert drafts.check_draft(sqlite_store, drafts.load_draft(sqlite_store, draft.id)) == []


def test_an_imported_file_that_is_not_yaml_names_its_line():
    with pytest.raises(DefinitionError) as error:
        drafts.from_yaml("slug: x\ntitle: [unclosed\n", where="upload.yaml")
    assert error.value.problems[0].field == ("line", 3)
