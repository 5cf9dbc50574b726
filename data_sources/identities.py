"""One member across platforms: a source's member ids (identities) gathered into people.

A person is the identities joined by a platform-verified email (trimmed, case aside) or by a
manager's merge (kept in the app store: data_sources/merges.py), transitively. At each sync, after
the source's canonical frames are read and before the warehouse is built, every person keeps one
members row under a canonical id (the identity that joined first, then the smallest id): its
earliest joined_at, the canonical identity's values (blanks filled from the others), team when any
identity is. Activities and campaign members are re-pointed to it, so every metric counts the
person once. Nothing of this is stored but the manager's merges: the links are derived again at
each sync, so an unmerge or a changed email takes effect at the next one.

The build keeps, beside members, `member_identities` (every identity and the person it belongs to,
with its platform, handle, joined time and activity count) and `member_suggestions` (pairs of people
likely to be one: the same email unverified, the same handle or the same name on two platforms).
Anything that names an identity (a feedback item's member_id, a survey response, a lookup by an old
id) finds its person through `person_of`, which reads member_identities where the build has it and
takes every id as its own person elsewhere (a database queried in place).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import TableClause

import sa_internals
import schema

Frames = dict[str, pd.DataFrame]
LINKS_KEY = "sync_links"  # pulse_info: the fingerprint of the links the build was made with
DIALECT_ATTRIBUTE = "pulse_member_identities"  # set on a warehouse engine whose build has the tables
COMMON = 5  # a name or handle shared by more people than this says nothing about who is who
REASONS = ("email", "handle", "name")  # a suggestion's reason, the strongest first
SELF, EMAIL, MERGE = "self", "email", "merge"  # how an identity is linked to its person

tables = sa.MetaData()
member_identities = sa.Table(
    "member_identities",
    tables,
    sa.Column("identity_id", sa.String, primary_key=True),  # the source's member id
    sa.Column("member_id", sa.String, nullable=False),  # the person's canonical id (members.member_id)
    sa.Column("platform", sa.String),  # the identity's own channel (a connector's platform)
    sa.Column("handle", sa.String),
    sa.Column("name", sa.String),
    sa.Column("joined_at", sa.DateTime),
    sa.Column("email_verified", sa.Boolean),
    sa.Column("activities", sa.Integer),
    sa.Column("linked_by", sa.String),  # self, email or merge
)
member_suggestions = sa.Table(
    "member_suggestions",
    tables,
    sa.Column("identity_a", sa.String, primary_key=True),
    sa.Column("identity_b", sa.String, primary_key=True),
    sa.Column("reason", sa.String),  # email, handle or name
)
IDENTITY_COLUMNS = [column.name for column in member_identities.columns]
SUGGESTION_COLUMNS = [column.name for column in member_suggestions.columns]


@dataclass(frozen=True)
class People:
    """A source's frames with each person once, and what the build keeps of the links."""

    frames: Frames
    identities: pd.DataFrame  # IDENTITY_COLUMNS
    suggestions: pd.DataFrame  # SUGGESTION_COLUMNS
    links: dict[str, str]  # alias -> canonical id, the aliases only

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.links)

    @property
    def tables(self) -> dict[sa.Table, pd.DataFrame]:
        """What the build writes beside the canonical tables."""
        return {member_identities: self.identities, member_suggestions: self.suggestions}


def fingerprint(links: dict[str, str]) -> str:
    """A digest of the links: another one means members were joined or parted since."""
    text = "\n".join(f"{alias}\t{links[alias]}" for alias in sorted(links))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


NO_LINKS = fingerprint({})


def email_key(email: object) -> str | None:
    """An address as compared: trimmed, case aside; None when there is none."""
    if not isinstance(email, str) or not email.strip():
        return None
    return email.strip().casefold()


def _text_key(value: object, *, strip: str = "") -> str | None:
    if not isinstance(value, str):
        return None
    key = re.sub(r"\s+", " ", value.strip().lstrip(strip)).casefold()
    return key or None


def gather(frames: Frames, *, merges: Iterable[tuple[str, str]] = (), details: pd.DataFrame | None = None) -> People:
    """The frames with each person once. `merges` are the manager's (pairs of member ids; a pair
    naming an id the source lacks waits for it); `details` a connector's member_id, platform, handle
    and email_verified (other sources' addresses are not known to be verified: only merges join
    them)."""
    members = frames["members"]
    ids = members["member_id"].astype(str).tolist()
    known = set(ids)
    extra = _details(members, details)
    parent = {member_id: member_id for member_id in ids}

    def root(member_id: str) -> str:
        while parent[member_id] != member_id:
            parent[member_id] = parent[parent[member_id]]
            member_id = parent[member_id]
        return member_id

    def join(a: str, b: str) -> None:
        parent[root(a)] = root(b)

    verified = extra["email_verified"].to_numpy(dtype=bool)
    first_with: dict[str, str] = {}
    for member_id, email, is_verified in zip(ids, members["email"], verified, strict=True):
        key = email_key(email) if is_verified else None
        if key is not None:
            if key in first_with:
                join(member_id, first_with[key])
            else:
                first_with[key] = member_id
    merged: set[str] = set()
    for a, b in merges:
        if a in known and b in known and a != b:
            join(a, b)
            merged.update((a, b))
    groups: dict[str, list[str]] = {}
    for member_id in ids:
        groups.setdefault(root(member_id), []).append(member_id)
    joined = dict(zip(ids, members["joined_at"], strict=True))
    links: dict[str, str] = {}
    for group in groups.values():
        if len(group) > 1:
            canonical = min(group, key=lambda member_id: (joined[member_id], member_id))
            links.update({member_id: canonical for member_id in group if member_id != canonical})
    counts = frames["activities"]["member_id"].value_counts() if "activities" in frames else pd.Series(dtype=int)
    identities = pd.DataFrame(
        {
            "identity_id": ids,
            "member_id": [links.get(member_id, member_id) for member_id in ids],
            "platform": members["channel"].to_numpy(),
            "handle": extra["handle"].to_numpy(),
            "name": members["name"].to_numpy(),
            "joined_at": members["joined_at"].to_numpy(),
            "email_verified": verified,
            "activities": [int(counts.get(member_id, 0)) for member_id in ids],
            "linked_by": [
                SELF if member_id not in links else MERGE if member_id in merged else EMAIL for member_id in ids
            ],
        }
    )
    suggestions = suggest(identities, emails=members["email"].tolist())
    return People(frames=_one_row_a_person(frames, links), identities=identities, suggestions=suggestions, links=links)


def _details(members: pd.DataFrame, details: pd.DataFrame | None) -> pd.DataFrame:
    """handle and email_verified per member row (none and False where no connector said)."""
    if details is None or details.empty:
        return pd.DataFrame({"handle": [None] * len(members), "email_verified": [False] * len(members)})
    found = details.drop_duplicates("member_id", keep="last").set_index("member_id")
    ids = members["member_id"]
    return pd.DataFrame(
        {
            "handle": ids.map(found["handle"]).astype(object).where(ids.isin(found.index), None).to_numpy(),
            "email_verified": ids.map(found["email_verified"]).fillna(False).astype(bool).to_numpy(),
        }
    )


def suggest(identities: pd.DataFrame, *, emails: Sequence[object]) -> pd.DataFrame:
    """Pairs of identities of different people likely to be one: the same address (one of them not
    verified), the same handle or the same name on two platforms. A name or handle more than COMMON
    people share is left out; each pair once, with its strongest reason."""
    keys = {
        "email": [email_key(email) for email in emails],
        "handle": [_text_key(handle, strip="@") for handle in identities["handle"]],
        "name": [_text_key(name) for name in identities["name"]],
    }
    rows = list(zip(identities["identity_id"], identities["member_id"], identities["platform"], strict=True))
    found: dict[tuple[str, str], str] = {}
    for reason in REASONS:
        sharing: dict[str, list[tuple[str, str, object]]] = {}
        for row, key in zip(rows, keys[reason], strict=True):
            if key is not None:
                sharing.setdefault(key, []).append(row)
        for group in sharing.values():
            if len({person for _, person, _ in group}) < 2 or len({person for _, person, _ in group}) > COMMON:
                continue
            for (a, person_a, platform_a), (b, person_b, platform_b) in itertools.combinations(group, 2):
                if person_a == person_b or (reason != "email" and platform_a == platform_b):
                    continue
                pair = (min(a, b), max(a, b))
                found.setdefault(pair, reason)
    return pd.DataFrame(
        [(a, b, reason) for (a, b), reason in sorted(found.items())], columns=SUGGESTION_COLUMNS
    ).astype(object)


def _one_row_a_person(frames: Frames, links: dict[str, str]) -> Frames:
    """Members gathered per person, activities and campaign members re-pointed to the canonical id."""
    if not links:
        return frames
    result = dict(frames)
    members = frames["members"]
    linked = members["member_id"].isin(links.keys()) | members["member_id"].isin(set(links.values()))
    group = members[linked].assign(
        _person=lambda frame: frame["member_id"].map(links).fillna(frame["member_id"]),
        _alias=lambda frame: frame["member_id"].isin(links.keys()),
    )
    group = group.sort_values(["_person", "_alias", "joined_at", "member_id"], kind="stable")
    grouped = group.groupby("_person", sort=True)
    people = grouped.first()  # the canonical identity's values, blanks filled from the others
    people["member_id"] = people.index
    people["joined_at"] = grouped["joined_at"].min()
    people["is_team"] = grouped["is_team"].any()
    people = people.reset_index(drop=True)[list(members.columns)].astype(members.dtypes.to_dict())
    result["members"] = pd.concat([members[~linked], people], ignore_index=True)
    for name in ("activities", "campaign_members"):
        if name in frames:
            frame = frames[name]
            repointed = frame.assign(member_id=frame["member_id"].map(links).fillna(frame["member_id"]))
            if name == "campaign_members":
                repointed = repointed.sort_values("at", kind="stable", na_position="last").drop_duplicates(
                    ["campaign_id", "member_id", "status"], keep="first"
                )
                repointed = repointed.sort_index()
            result[name] = repointed.astype(frame.dtypes.to_dict())
    return result


def mark_identities(engine: Engine, state: dict[str, str]) -> None:
    """Record on the engine's dialect whether its build has member_identities (`state` is its
    pulse_info): `person_of` reads it there, and takes each id as its own person elsewhere."""
    setattr(engine.dialect, DIALECT_ATTRIBUTE, LINKS_KEY in state)


@sa_internals.cache_key_includes()
class PersonOf(TableClause):
    """A FROM item of (identity_id, member_id): which person each id of the source is; every
    member's own id too. Reads member_identities where the build has it, else members."""

    __visit_name__ = "pulse_person_of"
    inherit_cache = True

    def __init__(self, name: str = "person_of") -> None:
        super().__init__(name, sa.column("identity_id", sa.String), sa.column("member_id", sa.String))


@compiles(PersonOf)
def _compile_person_of(element: PersonOf, compiler: SQLCompiler, **kw: object) -> str:
    if not sa_internals.in_from_list(kw):
        return ""
    if getattr(compiler.dialect, DIALECT_ATTRIBUTE, False):
        chosen = sa.select(member_identities.c.identity_id, member_identities.c.member_id)
    else:
        members = schema.members
        chosen = sa.select(members.c.member_id.label("identity_id"), members.c.member_id)
    return sa_internals.render_in_place(element, element.name, chosen.subquery(element.name), compiler, kw)


def person_of() -> PersonOf:
    return PersonOf()
