"""The pages are one table (auth/pages.py): every file in pages/ is in it, every row's file exists and
shows the title the row names, the catalog names each page in every language, and access follows
each row's permission."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.source_util import page_icon_and_name

from auth.access import Role, may_see
from auth.pages import DASHBOARDS, PAGES, SHAREABLE, SIGN_IN, SURVEY, Audience, page
from catalog import CATALOGS, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_file_is_in_the_table_and_every_row_names_a_file():
    files = {f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py")}
    assert sorted(spec.file for spec in PAGES) == sorted(files)
    assert len({spec.url for spec in PAGES}) == len(PAGES)


def test_no_page_module_shares_its_name_with_a_package():
    """pages/feedback.py and the feedback/ package were both the module `feedback` to mypy (now
    pages/_feedback.py). pages/surveys.py and surveys/ still share one: renamed when mypy covers pages/."""
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert {path.stem for path in (ROOT / "pages").glob("*.py")} & packages == {"surveys"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_its_name_and_title_in_every_language(language):
    catalog = CATALOGS[language]
    assert [spec.nav for spec in PAGES if spec.nav not in catalog] == []
    assert [spec.title for spec in PAGES if spec.title is not None and spec.title not in catalog] == []
    assert [spec.section for spec in PAGES if spec.section and f"nav.section.{spec.section}" not in catalog] == []


def test_the_pages_of_figures_are_links_of_their_own_and_the_teams_tools_one_menu():
    """Eight links and a menu fit a desk's top line; more would spill into Streamlit's English "more"."""
    assert {spec.url for spec in DASHBOARDS if spec.section == "manage"} == {
        "data",
        "people",
        "sharing",
        "goals",
        "digests",
        "alerts",
    }
    assert all(spec.section == "" for spec in DASHBOARDS if spec.shareable)


@pytest.mark.parametrize("spec", [spec for spec in PAGES if spec.title is not None], ids=lambda spec: spec.url)
def test_each_page_shows_the_title_its_row_names(spec):
    """start_page/open_page("<name>") titles a dashboard <name>.title; other pages ask t() for it."""
    text = (ROOT / spec.file).read_text(encoding="utf-8")
    asked = (f'start_page("{spec.name}"', f'open_page("{spec.name}"', f't("{spec.title}")')
    assert any(call in text for call in asked)


def test_the_special_pages_are_marked():
    assert (SURVEY.file, SURVEY.audience, SURVEY.title) == ("pages/survey.py", Audience.MEMBER, None)
    assert (SIGN_IN.url, SIGN_IN.audience, SIGN_IN.nav, SIGN_IN.title) == (
        "sign-in",
        Audience.VISITOR,
        "nav.sign_in",
        "app.title",
    )
    assert SURVEY not in DASHBOARDS and SIGN_IN not in DASHBOARDS
    assert [spec.url for spec in DASHBOARDS if spec.home] == ["overview"]


def test_the_pages_folder_mode_names_each_dashboard_file_by_its_address():
    """The first request after a start is served by Streamlit's pages-folder mode, which knows a
    page by its file's name: a dashboard whose file it names otherwise opens under "page not found"."""
    assert [spec.url for spec in DASHBOARDS if page_icon_and_name(Path(spec.file))[1] != spec.url] == []


def test_the_inbox_keeps_its_address_and_title():
    inbox = page("feedback")
    assert (inbox.file, inbox.nav, inbox.title) == ("pages/_feedback.py", "nav.feedback", "feedback.title")
    with pytest.raises(KeyError) as unknown:
        page("inbox")
    assert unknown.value.args[0] == (
        "no page at 'inbox': pages are overview, members, engagement, campaigns, lookup, surveys, feedback, data, "
        "people, sharing, goals, digests, alerts, survey, unsubscribe, sign-in"
    )


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        (Role.VIEWER, ["overview", "members", "engagement", "campaigns"]),
        (
            Role.MANAGER,
            [
                "overview",
                "members",
                "engagement",
                "campaigns",
                "lookup",
                "surveys",
                "feedback",
                "sharing",
                "goals",
                "digests",
                "alerts",
            ],
        ),
        (
            Role.ADMIN,
            [
                "overview",
                "members",
                "engagement",
                "campaigns",
                "lookup",
                "surveys",
                "feedback",
                "data",
                "people",
                "sharing",
                "goals",
                "digests",
                "alerts",
            ],
        ),
    ],
)
def test_each_role_sees_the_pages_its_permissions_allow(role, seen):
    assert [spec.url for spec in DASHBOARDS if may_see(role, spec)] == seen


def test_share_links_open_the_shareable_dashboards():
    assert SHAREABLE == ("overview", "members", "engagement", "campaigns", "surveys")
