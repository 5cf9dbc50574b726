"""Every page of the app, once: its address, file, icon, who may open it and whether a share link may.

app.py registers pages from this table, `auth.access.may_see` decides with its permissions, share
links accept its shareable pages, and the catalog names each page `nav.<name>` (and titles a
dashboard `<name>.title`); tests/test_pages.py checks the files and the catalog against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from auth.access import Permission


class Audience(StrEnum):
    """Who a page is for, which decides how app.py registers it."""

    SIGNED_IN = "signed_in"  # a dashboard in the navigation, for the roles its permission allows
    MEMBER = "member"  # the member's survey: public, registered alone with no navigation
    VISITOR = "visitor"  # the sign-in page: the only page for someone not signed in


@dataclass(frozen=True)
class PageSpec:
    url: str  # its url path, and (with "_" for "-") its name in the catalog and in share links
    file: str
    icon: str | None = None
    permission: Permission | None = None  # None: every signed-in role
    shareable: bool = False  # a share link may open it
    audience: Audience = Audience.SIGNED_IN
    home: bool = False  # the default page, served at "/"
    # Its group in the navigation: "" for a link of its own, else a menu's catalog key under
    # nav.section (the team's tools, so the figures' pages stay one click away on one line).
    section: str = ""
    heading: str | None = ""  # its title's catalog key: "" for <name>.title, None for none of its own

    @property
    def name(self) -> str:
        return self.url.replace("-", "_")

    @property
    def nav(self) -> str:
        """The catalog key of its name in the navigation and the browser's tab."""
        return f"nav.{self.name}"

    @property
    def title(self) -> str | None:
        """The catalog key of the title the page shows (None: the survey shows its own)."""
        return f"{self.name}.title" if self.heading == "" else self.heading


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/overview.py", ":material/monitoring:", shareable=True, home=True),
    PageSpec("members", "pages/members.py", ":material/group:", shareable=True),
    PageSpec("engagement", "pages/engagement.py", ":material/forum:", shareable=True),
    PageSpec("campaigns", "pages/campaigns.py", ":material/campaign:", shareable=True),
    PageSpec("lookup", "pages/lookup.py", ":material/person_search:", Permission.PERSONAL_DATA),
    # written answers, personal links, closing a survey
    PageSpec("surveys", "pages/surveys.py", ":material/ballot:", Permission.FREE_TEXT, shareable=True),
    # _feedback.py: to Python (and mypy) the module `_feedback`, not the feedback/ package; to
    # Streamlit's pages-folder mode, which serves the first request after a start, the page "feedback".
    PageSpec("feedback", "pages/_feedback.py", ":material/inbox:", Permission.TRIAGE),
    PageSpec("data", "pages/data.py", ":material/database:", Permission.MANAGE_DATA, section="manage"),
    # one member across platforms: suggested matches, merges and unmerges (take effect at the next sync)
    PageSpec("people", "pages/people.py", ":material/merge:", Permission.MANAGE_DATA, section="manage"),
    PageSpec("sharing", "pages/sharing.py", ":material/share:", Permission.SHARE, section="manage"),
    PageSpec("goals", "pages/goals.py", ":material/flag:", Permission.GOALS, section="manage"),
    # _digests.py, as _feedback.py: the page and the digests/ package are not both the module `digests`.
    PageSpec("digests", "pages/_digests.py", ":material/schedule_send:", Permission.DIGESTS, section="manage"),
    # _alerts.py, like _feedback.py: not the module `alerts`, which is the alerts/ package.
    PageSpec("alerts", "pages/_alerts.py", ":material/notifications:", Permission.ALERTS, section="manage"),
    # Special pages: the member's survey (its heading is the survey's own title), unsubscribing, signing in.
    PageSpec("survey", "pages/survey.py", audience=Audience.MEMBER, heading=None),
    # Reached from the foot of every member email: stop a kind of message, see what is still sent.
    PageSpec("unsubscribe", "pages/unsubscribe.py", audience=Audience.MEMBER),
    PageSpec("sign-in", "pages/sign_in.py", audience=Audience.VISITOR, heading="app.title"),
)
DASHBOARDS = tuple(page for page in PAGES if page.audience is Audience.SIGNED_IN)
SHAREABLE = tuple(page.url for page in PAGES if page.shareable)  # pages a share link may open


def page(url: str) -> PageSpec:
    """The page at a url path."""
    found = [spec for spec in PAGES if spec.url == url]
    if not found:
        raise KeyError(f"no page at {url!r}: pages are {', '.join(spec.url for spec in PAGES)}")
    return found[0]


SURVEY, SIGN_IN, UNSUBSCRIBE = page("survey"), page("sign-in"), page("unsubscribe")
