"""GitHub through its REST API with a token, for the repositories chosen in secrets.toml, or an
organisation's (`GET /orgs/{org}/repos`, forks and archived repositories left out):

- issues and pull requests: `GET /repos/{owner}/{repo}/issues?state=all&sort=updated&direction=asc
  &since=T&per_page=100` (a pull request is an issue with a `pull_request` key): one activity each,
  when it was opened (kind issue or pull_request), by its `user`.
- reviews: `GET /repos/{owner}/{repo}/pulls/{number}/reviews` for each pull request updated since
  the last run; a review counts when it was submitted (`submitted_at`; a pending one is skipped).
- comments: `GET /repos/{owner}/{repo}/issues/comments?sort=updated&direction=asc&since=T` (on
  issues and pull requests) and `GET /repos/{owner}/{repo}/pulls/comments?…` (on a pull request's
  code): kind comment.
- stars: `GET /repos/{owner}/{repo}/stargazers` with `Accept: application/vnd.github.star+json`
  (each with `starred_at`), oldest first: kind star.
- discussions: GraphQL (`POST /graphql`; REST has none) `repository.discussions` by update, oldest
  first, 50 a page with each one's first 100 comments: a discussion is kind post, a comment kind
  comment. The cursor keeps the last page's `endCursor`; a discussion updated later comes again at
  the end and is taken once. Comments past a discussion's first 100 are not read.
Every list is paged by its `Link` header (`rel="next"`, `rel="last"`, 100 a page). The cursor
keeps, per repository, the latest `updated_at` seen of each list (GitHub's `since` includes it, so
the item is read again and the archive takes it once) and the stargazers' last page that was not full.

Members are the users seen (`user.id`, `user.login`); GitHub gives no email or join date here, so a
member joins at their first activity seen, and bots (`type: Bot`) are left out. A member whose
`author_association` is OWNER or MEMBER (of the repository's organisation) is team. Rate limits:
`x-ratelimit-remaining` 0 with `x-ratelimit-reset`, and secondary limits (403 or 429 with
`retry-after`), are waited out by the client; 401 "Bad credentials" is a refused token. No issue,
comment or review text is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from data_sources.connectors.archive import Archive, Row, activity_row
from data_sources.connectors.client import Answer, PoliteClient
from data_sources.connectors.config import GithubConfig
from data_sources.connectors.errors import PlatformFailed, RateLimited, named
from data_sources.connectors.shapes import image_address, items, malformed, moment, need
from data_sources.connectors.steps import Step
from errors import Said

PLATFORM = "github"
PER_PAGE = 100
TEAM = {"OWNER", "MEMBER"}
STAR_JSON = "application/vnd.github.star+json"
DISCUSSIONS = """
query($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    discussions(first: 50, after: $after, orderBy: {field: UPDATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId createdAt updatedAt authorAssociation
        author { __typename login avatarUrl ... on User { databaseId } }
        comments(first: 100) {
          nodes {
            databaseId createdAt authorAssociation
            author { __typename login avatarUrl ... on User { databaseId } }
          }
        }
      }
    }
  }
}
"""


class Github:
    """Fetches the chosen repositories into canonical rows (see the module's docstring)."""

    def __init__(
        self,
        config: GithubConfig,
        *,
        archive: Archive,
        sleep: Callable[[float], None] | None = None,
        attempts: int = 6,
    ) -> None:
        self.name = config.name
        self.api = config.api_url
        self.repositories = config.repositories
        self.organization = config.organization
        self.archive = archive
        headers = {
            "Authorization": f"Bearer {config.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        self.client = PoliteClient(self.name, headers=headers, attempts=attempts)
        if sleep is not None:
            self.client.sleep = sleep

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Step]:
        cursor = {"repositories": dict(cursor.get("repositories", {}))}
        for repository in self._repositories():
            mark = dict(cursor["repositories"].get(repository, {}))
            yield from self._issues(repository, mark, cursor)
            yield from self._comments(repository, mark, cursor, "issues/comments", "issue_comments_since")
            yield from self._comments(repository, mark, cursor, "pulls/comments", "review_comments_since")
            yield from self._stars(repository, mark, cursor)
            yield from self._discussions(repository, mark, cursor)

    def _repositories(self) -> list[str]:
        """Those listed, and the organisation's (`GET /orgs/{org}/repos`; forks and archived left out)."""
        chosen = list(self.repositories)
        if self.organization:
            url = f"{self.api}/orgs/{self.organization}/repos"
            for answer, _, _ in self._pages(url, {"type": "all", "sort": "full_name"}):
                for repository in items(answer.document, None, connector=self.name, where=url):
                    name = need(repository, "full_name", str, connector=self.name, where=url)
                    if (
                        repository.get("fork") is not True
                        and repository.get("archived") is not True
                        and name not in chosen
                    ):
                        chosen.append(name)
        return chosen

    @staticmethod
    def _step(
        repository: str,
        mark: dict[str, Any],
        cursor: dict[str, Any],
        rows: tuple[list[Row], list[Row]],
        done: int,
        total: int,
        unit: str,
    ) -> Step:
        """A step of `rows` (members, activities), the repository's marks saved into the cursor."""
        cursor["repositories"][repository] = dict(mark)
        members, activities = rows
        return Step(members, activities, {"repositories": dict(cursor["repositories"])}, done, total, unit)

    def _pages(self, url: str, params: dict[str, str | int]) -> Iterator[tuple[Answer, int, int]]:
        """Each page with its number and the number of the last page (from `rel="last"`)."""
        number = 1
        for answer in self.client.pages(url, {**params, "per_page": PER_PAGE}):
            last = answer.links.get("last", "")
            total = int(last.rsplit("page=", 1)[-1].split("&")[0]) if "page=" in last else number
            yield answer, number, max(total, number)
            number += 1

    def _issues(self, repository: str, mark: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Step]:
        url = f"{self.api}/repos/{repository}/issues"
        params: dict[str, str | int] = {"state": "all", "sort": "updated", "direction": "asc"}
        if mark.get("issues_since"):
            params["since"] = mark["issues_since"]
        for answer, number, total in self._pages(url, params):
            members: list[Row] = []
            activities: list[Row] = []
            for issue in items(answer.document, None, connector=self.name, where=url):
                person = self._member(issue, url, "created_at")
                updated = need(issue, "updated_at", str, connector=self.name, where=url)
                mark["issues_since"] = max(mark.get("issues_since") or "", updated)
                if person is None:
                    continue
                pull = isinstance(issue.get("pull_request"), dict)
                members.append(person)
                activities.append(
                    activity_row(
                        PLATFORM,
                        f"issue:{need(issue, 'id', int, connector=self.name, where=url)}",
                        person,
                        person["joined_at"],
                        "pull_request" if pull else "issue",
                    )
                )
                if pull:
                    reviews = self._reviews(repository, need(issue, "number", int, connector=self.name, where=url))
                    members.extend(reviews[0])
                    activities.extend(reviews[1])
            yield self._step(repository, mark, cursor, (members, activities), number, total, "connector.unit.issues")

    def _reviews(self, repository: str, number: int) -> tuple[list[Row], list[Row]]:
        url = f"{self.api}/repos/{repository}/pulls/{number}/reviews"
        members: list[Row] = []
        activities: list[Row] = []
        for answer, _, _ in self._pages(url, {}):
            for review in items(answer.document, None, connector=self.name, where=url):
                if review.get("submitted_at") is None:  # a pending review: not yet given
                    continue
                person = self._member(review, url, "submitted_at")
                if person is not None:
                    members.append(person)
                    key = f"review:{need(review, 'id', int, connector=self.name, where=url)}"
                    activities.append(activity_row(PLATFORM, key, person, person["joined_at"], "review"))
        return members, activities

    def _comments(
        self, repository: str, mark: dict[str, Any], cursor: dict[str, Any], path: str, since_key: str
    ) -> Iterator[Step]:
        url = f"{self.api}/repos/{repository}/{path}"
        params: dict[str, str | int] = {"sort": "updated", "direction": "asc"}
        if mark.get(since_key):
            params["since"] = mark[since_key]
        prefix = "comment" if path == "issues/comments" else "review_comment"
        for answer, number, total in self._pages(url, params):
            members: list[Row] = []
            activities: list[Row] = []
            for comment in items(answer.document, None, connector=self.name, where=url):
                updated = need(comment, "updated_at", str, connector=self.name, where=url)
                mark[since_key] = max(mark.get(since_key) or "", updated)
                person = self._member(comment, url, "created_at")
                if person is not None:
                    members.append(person)
                    key = f"{prefix}:{need(comment, 'id', int, connector=self.name, where=url)}"
                    activities.append(activity_row(PLATFORM, key, person, person["joined_at"], "comment"))
            yield self._step(repository, mark, cursor, (members, activities), number, total, "connector.unit.comments")

    def _stars(self, repository: str, mark: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Step]:
        url = f"{self.api}/repos/{repository}/stargazers"
        page = int(mark.get("stars_page", 1))
        while True:
            answer = self.client.get(url, {"per_page": PER_PAGE, "page": page}, accept=STAR_JSON)
            stars = items(answer.document, None, connector=self.name, where=url)
            members: list[Row] = []
            activities: list[Row] = []
            for star in stars:
                person = self._member(star, url, "starred_at")
                if person is not None:
                    members.append(person)
                    key = f"star:{repository}:{str(person['member_id']).split(':', 1)[1]}"
                    activities.append(activity_row(PLATFORM, key, person, person["joined_at"], "star"))
            full = len(stars) >= PER_PAGE
            mark["stars_page"] = page + 1 if full else page
            last = answer.links.get("last", "")
            total = int(last.rsplit("page=", 1)[-1].split("&")[0]) if "page=" in last else page
            yield self._step(
                repository, mark, cursor, (members, activities), page, max(total, page), "connector.unit.stars"
            )
            if not full:
                return
            page += 1

    def _discussions(self, repository: str, mark: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Step]:
        """Discussions and their comments (GraphQL: the REST API has none), oldest update first, from
        the page after the last one read (`discussions_after`, GraphQL's endCursor)."""
        url = f"{self.api}/graphql"
        owner, name = repository.split("/")
        number = 0
        while True:
            variables = {"owner": owner, "name": name, "after": mark.get("discussions_after")}
            document = self.client.post(url, {"query": DISCUSSIONS, "variables": variables}).document
            if isinstance(document, dict) and document.get("errors"):
                self._graphql_failed(document, url)
            repo = need(
                need(document, "data", dict, connector=self.name, where=url),
                "repository",
                dict,
                connector=self.name,
                where=url,
            )
            found = need(repo, "discussions", dict, connector=self.name, where=url)
            page = need(found, "pageInfo", dict, connector=self.name, where=url)
            members: list[Row] = []
            activities: list[Row] = []
            for discussion in items(found, "nodes", connector=self.name, where=url):
                rows = [("discussion", discussion)] + [
                    ("discussion_comment", comment)
                    for comment in items(
                        need(discussion, "comments", dict, connector=self.name, where=url),
                        "nodes",
                        connector=self.name,
                        where=url,
                    )
                ]
                for kind, node in rows:
                    person = self._graphql_member(node, url)
                    if person is not None:
                        members.append(person)
                        key = f"{kind}:{need(node, 'databaseId', int, connector=self.name, where=url)}"
                        activities.append(
                            activity_row(
                                PLATFORM,
                                key,
                                person,
                                person["joined_at"],
                                "post" if kind == "discussion" else "comment",
                            )
                        )
            number += 1
            if page.get("endCursor"):
                mark["discussions_after"] = page["endCursor"]
            yield self._step(
                repository, mark, cursor, (members, activities), number, number, "connector.unit.discussions"
            )
            if page.get("hasNextPage") is not True:
                return

    def _graphql_failed(self, document: dict[str, Any], where: str) -> None:
        """GraphQL answers 200 with `errors`: a rate limit (type RATE_LIMITED) or anything else, named."""
        first = document["errors"][0] if isinstance(document["errors"], list) and document["errors"] else {}
        said = str(first.get("message", "")) if isinstance(first, dict) else ""
        if isinstance(first, dict) and first.get("type") == "RATE_LIMITED":
            raise RateLimited(
                Said("error.connector.rate_limited", **named(self.name), status=200, tries=1, where=where)
            )
        raise PlatformFailed(Said("error.connector.http", **named(self.name), status=200, where=where, said=said[:300]))

    def _graphql_member(self, node: dict[str, Any], where: str) -> Row | None:
        """A GraphQL author (login, avatarUrl, and databaseId for a User) as a member; a bot or a
        deleted one: None."""
        author = node.get("author")
        if not isinstance(author, dict) or author.get("__typename") != "User":
            return None
        return self._member(
            {
                "user": {
                    "id": author.get("databaseId"),
                    "login": author.get("login"),
                    "type": "User",
                    "avatar_url": author.get("avatarUrl"),
                },
                "created_at": node.get("createdAt"),
                "author_association": node.get("authorAssociation"),
            },
            where,
            "created_at",
        )

    def _member(self, item: dict[str, Any], where: str, when: str) -> Row | None:
        """The item's user as a member joining at the item's time (the earliest seen wins), or None
        for a bot or a deleted account (`user: null`)."""
        user = item.get("user")
        if user is None:
            return None
        if not isinstance(user, dict):
            raise malformed(self.name, where, "user", "object")
        if user.get("type") == "Bot":
            return None
        number = need(user, "id", int, connector=self.name, where=where)
        association = item.get("author_association")
        return {
            "member_id": f"{PLATFORM}:{number}",
            "platform": PLATFORM,
            "handle": need(user, "login", str, connector=self.name, where=where),
            "name": None,
            "email": None,
            "email_verified": False,
            "joined_at": moment(item.get(when), connector=self.name, where=where, field=when),
            "is_team": association in TEAM if isinstance(association, str) else None,
            "avatar": image_address(user.get("avatar_url"), platform="github", own=self.api),
        }
