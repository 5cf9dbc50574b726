"""AppTest: the survey builder on the Surveys page, as a manager uses it: a draft from a template,
edited (a question added, logic picked, a problem shown beside its field), saved, refused when
another manager saved first (the edits stay), published; a published survey edited, exported,
deleted or archived."""

from __future__ import annotations

from datetime import datetime

import pytest
from streamlit.testing.v1 import AppTest

from catalog.spoken import speaking
from store.database import AppStore
from surveys import drafts, registry
from surveys.definition import parse_definition
from tests.test_app_surveys import APP, QUICK, press, survey_page, texts, write

NOW = datetime(2026, 3, 1)


@pytest.fixture
def builder_env(configured, tmp_path, monkeypatch) -> AppStore:
    folder = tmp_path / "definitions"
    folder.mkdir()
    write(folder, QUICK)
    monkeypatch.setenv("PULSE_SURVEYS_DIR", str(folder))
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    registry.register_folder(store, folder, timezone="UTC", now=NOW)
    yield store
    store.dispose()


def builder(at: AppTest, **params: str) -> AppTest:
    at.run()
    at.switch_page("pages/surveys.py")
    at.query_params.update({"builder": "1", **params})
    return at.run()


def text_input(at: AppTest, key_end: str):
    return next(widget for widget in at.text_input if widget.key and widget.key.endswith(key_end))


def captions(at: AppTest) -> list[str]:
    return [caption.value for caption in at.caption]


def test_a_draft_from_a_template_is_edited_saved_and_published(builder_env):
    at = builder(AppTest.from_file(APP, default_timeout=60))
    assert not at.exception
    at.selectbox(key="builder_template").set_value("post-event-nps")
    at.text_input(key="builder_new_slug").set_value("meetup-may")
    at = press(at.run(), "Create draft")
    assert not at.exception
    (draft,) = drafts.list_drafts(builder_env)
    assert at.query_params["draft"] == str(draft.id)
    assert registry.load_survey(builder_env, "meetup-may") is None  # a draft is no survey yet
    # Add a choice question on page 1: it starts with two empty options, each flagged beside it.
    at.selectbox(key=f"bld{draft.id}g1_new_type_0").set_value("choice")
    at = press(at.run(), "Add question")
    assert not at.exception
    assert ":red[:material/error: is empty\\; write the option or remove it]" in captions(at)
    assert next(button for button in at.button if button.label == "Publish").disabled  # not before it is fixed
    added = "g2_q_0_4"  # the shape's second generation, page 1's fifth question (after the template's four)
    text_input(at, f"{added}_text_en").set_value("Which talk was best?")
    text_input(at, f"{added}_options_0_en").set_value("Keynote")
    text_input(at, f"{added}_options_1_en").set_value("Panel")
    at.run()
    assert not at.exception
    assert ":red[:material/error: is empty\\; write the option or remove it]" not in captions(at)
    at = press(at, "Save draft")
    saved = drafts.load_draft(builder_env, draft.id)
    assert saved.revision == 2
    added = saved.definition["pages"][0]["questions"][-1]
    assert added == {
        "id": "choice",
        "type": "choice",
        "text": {"en": "Which talk was best?"},
        "options": [{"id": "o1", "label": {"en": "Keynote"}}, {"id": "o2", "label": {"en": "Panel"}}],
    }
    at = press(at, "Publish")
    assert not at.exception
    stored = registry.load_survey(builder_env, "meetup-may")
    assert stored.version == 1 and stored.survey.question("choice").options[1].label == {"en": "Panel"}
    assert stored.survey.question("disappointed").show_if.value == 6  # the template's logic
    assert drafts.list_drafts(builder_env) == []
    assert "Published meetup\\-may, version 1." in texts(at, "success")


def test_a_save_after_another_managers_save_is_refused_and_the_edits_stay(builder_env):
    draft = drafts.edit_survey(builder_env, "quick", actor="bo@example.org", now=NOW)
    at = builder(AppTest.from_file(APP, default_timeout=60), draft=str(draft.id))
    assert not at.exception
    title = text_input(at, "g1_title_en")
    title.set_value("Quick poll, mine")
    at.run()
    drafts.save_draft(builder_env, draft, {**QUICK, "title": "Theirs"}, actor="bo@example.org", now=NOW)
    at = press(at, "Save draft")
    assert not at.exception
    # the time of their save on the community's clock (UTC here), as the pages write it
    said = "This draft was saved by bo\\@\u2060example\\.org at 1 Mar 2026, 00:00 while you were editing it."
    assert any(message.startswith(said) for message in texts(at, "error")), texts(at, "error")
    assert text_input(at, "g1_title_en").value == "Quick poll, mine"  # still on screen
    assert drafts.load_draft(builder_env, draft.id).definition["title"] == "Theirs"


def test_a_question_given_another_ones_id_is_flagged_and_nothing_typed_is_lost(builder_env):
    draft = drafts.edit_survey(builder_env, "quick", actor="ana@example.org", now=NOW)
    at = builder(AppTest.from_file(APP, default_timeout=60), draft=str(draft.id))
    text_input(at, "g1_q_1_1_text_en").set_value("Would you come again?")
    text_input(at, "g1_q_1_1_id").set_value("why")  # page 2's second question, given its first one's id
    at.run()
    assert not at.exception
    assert ":red[:material/error: \\'why\\' appears more than once\\; give each question its own id]" in captions(at)
    assert text_input(at, "g1_q_1_0_text_en").value == "Why?"  # each question keeps its own text
    assert text_input(at, "g1_q_1_1_text_en").value == "Would you come again?"
    text_input(at, "g1_q_1_1_id").set_value("again")
    at.run()
    assert not at.exception
    assert not any("appears more than once" in caption for caption in captions(at))
    at = press(at, "Save draft")
    questions = drafts.load_draft(builder_env, draft.id).definition["pages"][1]["questions"]
    assert [(q["id"], q["text"]) for q in questions] == [
        ("why", {"en": "Why?"}),
        ("again", {"en": "Would you come again?"}),
    ]


def test_a_template_made_chinese_only_publishes(builder_env):
    template = drafts.duplicate(drafts.templates()["post-event-nps"], "meetup-zh")
    draft = drafts.create_draft(builder_env, template, actor="ana@example.org", now=NOW)
    at = builder(AppTest.from_file(APP, default_timeout=60), draft=str(draft.id))
    at.multiselect(key=f"bld{draft.id}g1_languages").set_value(["zh-CN"]).run()
    assert not at.exception
    assert not any("not in the survey's languages" in caption for caption in captions(at))
    at = press(at, "Publish")
    assert not at.exception
    stored = registry.load_survey(builder_env, "meetup-zh")
    assert stored.survey.languages == ("zh-CN",) and stored.survey.title == {"zh-CN": "活动体验如何？"}


def test_logic_is_picked_from_earlier_questions_and_their_answers(builder_env):
    draft = drafts.edit_survey(builder_env, "quick", actor="ana@example.org", now=NOW)
    at = builder(AppTest.from_file(APP, default_timeout=60), draft=str(draft.id))
    logic = next(box for box in at.selectbox if box.key.endswith("logic_question") and box.value == "nps")
    assert logic.options == ["Always", "nps · Recommend us?"]  # only the earlier question
    operator = next(box for box in at.selectbox if box.key.endswith("logic_nps_operator"))
    assert operator.value == "at_most" and operator.options == ["is at most", "is at least", "is"]
    next(box for box in at.number_input if box.key.endswith("logic_nps_at_most")).set_value(4)
    at.run()
    at = press(at, "Save draft")
    why = drafts.load_draft(builder_env, draft.id).definition["pages"][1]["questions"][0]
    assert why["show_if"] == {"question": "nps", "at_most": 4}


def test_a_published_survey_is_edited_exported_and_deleted_from_its_settings(builder_env):
    at = survey_page("quick")
    exported = next(button for button in at.get("download_button") if button.proto.label == "Export YAML")
    assert exported.proto.url  # the file is served
    at = press(at, "Edit")
    assert not at.exception
    (draft,) = drafts.list_drafts(builder_env)
    assert (draft.survey_slug, at.query_params["draft"]) == ("quick", str(draft.id))
    assert next(widget for widget in at.text_input if widget.key.endswith("_slug")).disabled  # it keeps its link
    at.query_params.pop("builder")
    at.query_params.pop("draft")
    at.session_state["surveys_mode"] = "results"
    at.query_params["survey"] = "quick"
    at = press(at.run(), "Delete survey")
    at = press(at, "Yes, delete")
    assert not at.exception
    assert registry.load_survey(builder_env, "quick") is None  # nobody had answered it
    assert "quick was deleted." in texts(at, "success")
    actions = [row["action"] for row in drafts.history(builder_env, "quick")]
    assert actions == ["deleted", "drafted", "published"]


def test_the_builder_has_no_share_or_present_buttons_and_the_results_have_them(builder_env):
    at = builder(AppTest.from_file(APP, default_timeout=60))
    assert not at.exception
    assert (len(at.get("popover")), len(at.get("link_button"))) == (0, 0)
    at.session_state["surveys_mode"] = "results"
    at.run()
    assert not at.exception
    assert (len(at.get("popover")), [button.proto.label for button in at.get("link_button")]) == (1, ["Present"])


def test_a_published_survey_is_chosen_by_its_title_in_the_readers_language(builder_env):
    # The menus to edit or copy a published survey listed link names alone (quarterly-nps, post-c028).
    at = builder(AppTest.from_file(APP, default_timeout=60))
    assert not at.exception
    assert "Quick poll (quick)" in at.selectbox(key="builder_edit_slug").options
    chinese = AppTest.from_file(APP, default_timeout=60)
    chinese.query_params["lang"] = "zh-CN"
    with speaking("zh-CN"):  # AppTest writes the widgets' values back in this thread's language
        chinese = builder(chinese, lang="zh-CN")
        assert "快速调查（quick）" in chinese.selectbox(key="builder_edit_slug").options
        chinese.segmented_control(key="builder_source").set_value("duplicate")
        chinese.run()
        assert "快速调查（quick）" in chinese.selectbox(key="builder_duplicate").options


def test_a_surveys_settings_name_their_rows_and_who_published_it(builder_env):
    # The settings' table had an empty header row, and the history named the file that published
    # the survey as if it were a person ("quick.yaml").
    at = survey_page("quick")
    assert not at.exception
    assert facts_of(at)[:3] == [("Version", "1"), ("Opens", "—"), ("Closes", "—")]
    assert dict(facts_of(at))["Campaign"] == "—"
    history = next(frame.value for frame in at.dataframe if "By" in frame.value.columns)
    assert history["By"].tolist() == ["the file quick.yaml"]
    twin = parse_definition({**QUICK, "slug": "twin", "campaign": "meetup"}, where="twin")
    registry.register(builder_env, twin, timezone="UTC", now=NOW, actor="ana@example.org")
    at = survey_page("twin")
    assert dict(facts_of(at))["Campaign"] == "Spring meetup"  # by its name, as the survey list says it
    history = next(frame.value for frame in at.dataframe if "By" in frame.value.columns)
    assert history["By"].tolist() == ["ana@example.org"]
    # Only a survey kept in a file is said to be editable in one: there is no twin.yaml.
    assert "Edit opens this survey in the builder. Each change is published as a new version" in " ".join(captions(at))
    assert not any("surveys/twin" in caption for caption in captions(at))
    assert any("surveys/quick\\.yaml" in caption for caption in captions(survey_page("quick")))


def facts_of(at: AppTest) -> list[tuple[str, str]]:
    """The settings tab's facts, (setting, value) in order."""
    facts = next(frame.value for frame in at.dataframe if "Setting" in frame.value.columns)
    return list(zip(facts["Setting"], facts["Value"], strict=True))


def test_options_worded_alike_are_flagged_as_typed_and_publish_waits(builder_env):
    draft = drafts.edit_survey(builder_env, "quick", actor="ana@example.org", now=NOW)
    at = builder(AppTest.from_file(APP, default_timeout=60), draft=str(draft.id))
    at.selectbox(key=f"bld{draft.id}g1_q_1_1_type").set_value("choice").run()  # "Again?" as a choice
    text_input(at, "_q_1_1_options_0_en").set_value("Forum")
    text_input(at, "_q_1_1_options_1_en").set_value("forum").run()
    assert not at.exception
    assert (
        ":red[:material/error: \\'forum\\' is the words of another option \\(or statement\\) too\\; give each its own]"
        in captions(at)
    )
    assert next(button for button in at.button if button.label == "Publish").disabled


def test_discarding_a_draft_asks_first_and_says_it_is_done(builder_env):
    draft = drafts.edit_survey(builder_env, "quick", actor="ana@example.org", now=NOW)
    at = builder(AppTest.from_file(APP, default_timeout=60), draft=str(draft.id))
    at = press(at, "Discard draft")
    assert not at.exception
    assert any(w.value.startswith("Discard the draft “Quick poll”?") for w in at.warning)
    assert [d.id for d in drafts.list_drafts(builder_env)] == [draft.id]  # nothing thrown away yet
    at.button(key="builder_discard_cancel").click().run()
    assert [d.id for d in drafts.list_drafts(builder_env)] == [draft.id]
    at = press(at, "Discard draft")
    at.button(key="builder_discard_confirm").click().run()
    assert not at.exception
    assert drafts.list_drafts(builder_env) == []
    assert "Draft “Quick poll” discarded." in texts(at, "success")


def test_a_discard_asked_of_one_draft_is_not_asked_over_another(builder_env):
    first = drafts.edit_survey(builder_env, "quick", actor="ana@example.org", now=NOW)
    other = drafts.create_draft(builder_env, {**QUICK, "slug": "other"}, actor="ana@example.org", now=NOW)
    at = builder(AppTest.from_file(APP, default_timeout=60), draft=str(first.id))
    at = press(at, "Discard draft")  # asked, not answered
    at.query_params["draft"] = str(other.id)  # another draft opened by its address
    at.run()
    assert not at.exception
    assert not any(w.value.startswith("Discard the draft") for w in at.warning)
    assert sorted(d.id for d in drafts.list_drafts(builder_env)) == sorted([first.id, other.id])
