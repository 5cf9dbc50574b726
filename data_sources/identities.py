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
with its platform, handle, joined time, activity count and avatar address) and `member_suggestions`
(pairs of people likely to be one: the same email unverified, the same name and the same avatar, the
same handle or the same name on two platforms). An avatar is compared by its address only (`avatar_key`:
the same image address, or the same Gravatar hash); no image is fetched.
Anything that names an identity (a feedback item's member_id, a survey response, a lookup by an old
id) finds its person through `person_of`, which reads member_identities where the build has it and
takes every id as its own person elsewhere (a database queried in place).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import TableClause

import sa_internals
import schema
from engines import Runner

Frames = dict[str, pd.DataFrame]
LINKS_KEY = "sync_links"  # pulse_info: the fingerprint of the links the build was made with
INPUTS_KEY = "sync_people"  # pulse_info: a digest of what else than the members gather read (inputs_digest)
DIALECT_ATTRIBUTE = "pulse_member_identities"  # set on a warehouse engine whose build has the tables
COMMON = 5  # a name or handle shared by more people than this says nothing about who is who
REASONS = ("email", "avatar", "handle", "name")  # a suggestion's reason, the strongest first ("avatar": the
# same name and the same avatar)
GRAVATAR_HOST = re.compile(r"^(?:[a-z0-9-]+\.)?gravatar\.com$")
GRAVATAR_PATH = re.compile(r"^/avatar/([0-9a-f]{32}|[0-9a-f]{64})(?:\.[a-z]+)?/?$")
# the images a platform shows everyone who chose none: the same one says nothing about who is who
DEFAULT_AVATARS = ("/letter_avatar", "/letter/", "/embed/avatars/", "/img/avatars/ava_")
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
    sa.Column("avatar", sa.String),  # the avatar image's address, where the platform gives one
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


def _keys(values: pd.Series, *, strip: str = "", spaces: bool = True) -> pd.Series:
    """Texts as compared: trimmed (and `strip` taken off the front), runs of spaces as one (unless
    `spaces` is off: an address has none inside), case aside; missing where there is no text.
    Column-wise: a sync reads every member's address through this (a second at a million)."""
    values = values.reset_index(drop=True)
    if values.dtype == "str":  # Arrow text (a file's): every cell is text or missing
        is_text = values.notna().to_numpy(dtype=bool)
    else:
        is_text = values.map(lambda value: isinstance(value, str)).to_numpy(dtype=bool)
    texts = values[is_text].astype("str")
    if spaces:  # every Unicode space, as str.split() reads them (王　小明 is 王 小明)
        texts = texts.str.replace(r"\s+", " ", regex=True)
    texts = texts.str.strip()
    if strip:
        texts = texts.str.lstrip(strip).str.strip()
    keys = _casefolded(texts)
    return keys.where(keys != "").reindex(range(len(values)))


def _casefolded(texts: pd.Series) -> pd.Series:
    """str.casefold of each text (Arrow text): by Arrow for the ASCII ones (there it is lower case),
    by Python for the others only (as Python strings, a file's 3 million addresses held 0.8 GB more)."""
    if texts.empty:
        return texts
    arrow = texts.array.__arrow_array__()  # no copy
    ascii = pc.string_is_ascii(arrow)
    folded = pd.Series(pc.ascii_lower(arrow), index=texts.index, dtype=texts.dtype)
    others = ~ascii.to_numpy(zero_copy_only=False)
    if others.any():
        folded[others] = texts[others].str.casefold()
    return folded


def avatar_key(address: object) -> str | None:
    """What "the same avatar" compares: `gravatar:<hash>` for a Gravatar image (any of its hosts,
    size and default aside: the hash is of the person's address), else the image's host and path
    (scheme, query and case of the host aside: `?v=4`, `?size=512` ask for the same image). None for
    no address, and for a platform's default image (a Discourse letter, Discord's and Slack's
    defaults), which many people share."""
    if not isinstance(address, str) or not address.strip():
        return None
    try:
        parts = urlsplit(address.strip())
        host = (parts.hostname or "").lower()
    except ValueError:  # not an address (an unmatched bracket in the host)
        return None
    if not host:
        return None
    if GRAVATAR_HOST.match(host):
        found = GRAVATAR_PATH.match(parts.path.lower())
        return f"gravatar:{found.group(1)}" if found else None
    if any(marker in parts.path for marker in DEFAULT_AVATARS):
        return None
    return f"{host}{parts.path}"


def repoint(ids: pd.Series, links: dict[str, str]) -> pd.Series:
    """Ids with each alias replaced by its person's canonical id (only the aliases looked up), of
    the ids' own type: Arrow text stays Arrow text (as Python strings, 35 million activities' member
    ids took 2 GB more at a sync's peak)."""
    aliases = ids.isin(list(links))
    if not aliases.any():
        return ids
    return ids.mask(aliases, ids[aliases].map(links))


def gather(frames: Frames, *, merges: Iterable[tuple[str, str]] = (), details: pd.DataFrame | None = None) -> People:
    """The frames with each person once. `merges` are the manager's (pairs of member ids; a pair
    naming an id the source lacks waits for it); `details` a connector's member_id, platform, handle
    and email_verified (other sources' addresses are not known to be verified: only merges join
    them)."""
    members = frames["members"].reset_index(drop=True)  # a source's frame may have lost rows
    # Arrow text throughout: as Python strings, 3 million members' ids, names and addresses held
    # gigabytes at a sync's peak
    ids = members["member_id"].astype("str")
    merges = list(merges)
    known = set(ids[ids.isin([node for pair in merges for node in pair])])
    extra = _details(members, details)
    verified = extra["email_verified"].to_numpy(dtype=bool)
    emails = _keys(members["email"], spaces=False)
    # each verified address joins its members to the first of them: edges, then a union-find over
    # the members they name (a handful of a community's)
    with_address = pd.DataFrame({"member_id": ids, "email": emails})[verified & emails.notna().to_numpy()]
    firsts = with_address.groupby("email")["member_id"].transform("first")
    edges = [(a, b) for a, b in zip(with_address["member_id"], firsts, strict=True) if a != b]
    manual = [(a, b) for a, b in merges if a in known and b in known and a != b]
    parent: dict[str, str] = {}

    def root(member_id: str) -> str:
        while parent.get(member_id, member_id) != member_id:
            parent[member_id] = parent.get(parent[member_id], parent[member_id])
            member_id = parent[member_id]
        return member_id

    for a, b in [*edges, *manual]:
        first, second = root(a), root(b)
        if first != second:
            parent[first] = second
    groups: dict[str, list[str]] = {}
    for member_id in {node for edge in [*edges, *manual] for node in edge}:
        groups.setdefault(root(member_id), []).append(member_id)
    nodes = members[ids.isin([node for group in groups.values() for node in group]).to_numpy()]
    joined = dict(zip(nodes["member_id"], nodes["joined_at"], strict=True))
    links: dict[str, str] = {}
    for group in groups.values():
        canonical = min(group, key=lambda member_id: (joined[member_id], member_id))
        links.update({member_id: canonical for member_id in group if member_id != canonical})
    merged = {node for edge in manual for node in edge}
    aliases = ids.isin(list(links)).to_numpy()
    identities = pd.DataFrame(
        {
            "identity_id": ids.array,
            "member_id": repoint(ids, links).array,
            "platform": members["channel"].astype("str").array,
            "handle": extra["handle"].to_numpy(dtype=object),
            "name": members["name"].astype("str").array,
            "joined_at": members["joined_at"].to_numpy(),
            "email_verified": verified,
            "activities": None,  # counted below, for the identities a manager is shown
            "linked_by": np.where(aliases, np.where(ids.isin(list(merged)).to_numpy(), MERGE, EMAIL), SELF).astype(
                object
            ),
            "avatar": extra["avatar"].to_numpy(dtype=object),
        }
    )
    suggestions = suggest(identities, emails=emails, on_platforms=extra["described"].to_numpy(dtype=bool))
    shown = {*links, *links.values(), *suggestions["identity_a"], *suggestions["identity_b"]}
    identities["activities"] = _activity_counts(frames, ids, shown)
    return People(frames=_one_row_a_person(frames, links), identities=identities, suggestions=suggestions, links=links)


def inputs_digest(merges: Iterable[tuple[str, str]], details: pd.DataFrame | None) -> str:
    """A digest of what gather reads besides the members: the manager's merges and a connector's
    member details. The same members and the same digest give the same people (carry)."""
    digest = hashlib.sha256(json.dumps(sorted([str(a), str(b)] for a, b in merges)).encode())
    if details is not None:
        rows = pd.util.hash_pandas_object(details.sort_values(list(details.columns)), index=False)
        digest.update(rows.to_numpy().tobytes())
    return digest.hexdigest()[:16]


def carry(frames: Frames, identities: pd.DataFrame, suggestions: pd.DataFrame) -> People:
    """What gather gives for `frames` whose members and inputs (inputs_digest) are those the build
    in use was made from, from the identities and suggestions it keeps: the same links and
    suggestions, the activity counts of the identities a manager is shown counted again (new
    activities change them). A sync of a community that only gained activities saves gather's
    seconds (the members' addresses and names compared again) this way."""
    identities = identities[IDENTITY_COLUMNS].reset_index(drop=True)
    suggestions = suggestions[SUGGESTION_COLUMNS].reset_index(drop=True)
    joined = identities["linked_by"] != SELF
    links = dict(zip(identities["identity_id"][joined], identities["member_id"][joined], strict=True))
    shown = {*links, *links.values(), *suggestions["identity_a"], *suggestions["identity_b"]}
    identities["activities"] = _activity_counts(frames, identities["identity_id"], shown)
    return People(frames=_one_row_a_person(frames, links), identities=identities, suggestions=suggestions, links=links)


def _activity_counts(frames: Frames, ids: pd.Series, shown: set[str]) -> pd.Series:
    """The activities of each identity in `shown` (those in a suggestion or a link, which the People
    page lists), in `ids`' order; missing for the others, which are their person's activities in
    the warehouse (counting every member's took seconds at ten million activities, every sync)."""
    counts = pd.Series(pd.NA, index=range(len(ids)), dtype="Int64")
    wanted = ids.isin(list(shown)).to_numpy(dtype=bool)
    if "activities" in frames and wanted.any():
        activities = frames["activities"]["member_id"]
        found = activities[activities.isin(list(shown))].value_counts()
        counts[wanted] = ids[wanted].map(found).fillna(0).astype("int64").to_numpy()
    return counts


def _details(members: pd.DataFrame, details: pd.DataFrame | None) -> pd.DataFrame:
    """handle, email_verified, avatar and described (a connector said) per member row (none and
    False where no connector said)."""
    if details is None or details.empty:
        none = [False] * len(members)
        nothing = [None] * len(members)
        return pd.DataFrame({"handle": nothing, "email_verified": none, "avatar": nothing, "described": none})
    if "avatar" not in details:
        details = details.assign(avatar=None)
    found = details.drop_duplicates("member_id", keep="last")[["member_id", "handle", "email_verified", "avatar"]]
    ids = pd.DataFrame({"member_id": members["member_id"].astype(object).to_numpy()})
    joined = ids.merge(found.astype({"member_id": object}), on="member_id", how="left")  # in the members' order
    return pd.DataFrame(
        {
            "handle": joined["handle"].astype(object).where(joined["handle"].notna(), None).to_numpy(),
            "email_verified": joined["email_verified"].fillna(False).astype(bool).to_numpy(),
            "avatar": joined["avatar"].astype(object).where(joined["avatar"].notna(), None).to_numpy(),
            "described": joined["email_verified"].notna().to_numpy(),
        }
    )


def suggest(identities: pd.DataFrame, *, emails: pd.Series, on_platforms: np.ndarray | None = None) -> pd.DataFrame:
    """Pairs of identities of different people likely to be one: the same address (one of them not
    verified), the same name and the same avatar (`avatar_key`), the same handle or the same name on
    two platforms. Names, avatars and handles are compared among the identities a platform's
    connector described (`on_platforms`; all when None): in a file, a channel is how a member came,
    not an account elsewhere, and the same name there is no clue. A name, handle or name-and-avatar
    more than COMMON people share is left out; each pair once, with its strongest reason."""
    described = np.ones(len(identities), dtype=bool) if on_platforms is None else np.asarray(on_platforms, dtype=bool)
    names = _described_keys(identities["name"], described)
    # an avatar is compared only beside a name someone else has too (most names are nobody else's:
    # reading every address took 1.4 s more at 200,000 accounts)
    named_twice = (names.map(names.value_counts()) >= 2).to_numpy(dtype=bool)
    avatars = pd.Series(
        [
            avatar_key(value) if wanted else None
            for value, wanted in zip(_avatars(identities), named_twice, strict=True)
        ],
        dtype=object,
    )
    keys = {
        "email": emails.reset_index(drop=True),
        "avatar": pd.Series(
            [f"{name}\n{avatar}" if name and avatar else None for name, avatar in zip(names, avatars, strict=True)],
            dtype=object,
        ),
        "handle": _described_keys(identities["handle"], described, strip="@"),
        "name": names,
    }
    base = identities[["identity_id", "member_id", "platform"]].reset_index(drop=True)
    found = []
    for reason in REASONS:
        key = keys[reason].reset_index(drop=True)
        shared = _shared(key)  # a key nobody shares: grouped for nothing, so its row is not copied
        sharing = base[shared].assign(key=key[shared])
        people = sharing.groupby("key")["member_id"].transform("nunique")
        sharing = sharing[(people >= 2) & (people <= COMMON)]
        pairs = sharing.merge(sharing, on="key", suffixes=("_a", "_b")).rename(
            columns={"identity_id_a": "identity_a", "identity_id_b": "identity_b"}
        )
        keep = (pairs["identity_a"] < pairs["identity_b"]) & (pairs["member_id_a"] != pairs["member_id_b"])
        if reason != "email":
            keep &= pairs["platform_a"].fillna("") != pairs["platform_b"].fillna("")
        found.append(pairs.loc[keep, ["identity_a", "identity_b"]].assign(reason=reason))
    result = pd.concat(found, ignore_index=True).drop_duplicates(["identity_a", "identity_b"], keep="first")
    return result.sort_values(["identity_a", "identity_b"]).reset_index(drop=True)[SUGGESTION_COLUMNS].astype(object)


def _shared(keys: pd.Series) -> np.ndarray:
    """Whether each row's key (text, or missing) is another row's too (a missing key never is). Sorted by Arrow and
    compared with the next: pandas' duplicated hashed 3 million addresses as Python strings (0.4 GB
    at a sync's peak, 1.1 s; this 0.2 GB, 0.4 s)."""
    shared = np.zeros(len(keys), dtype=bool)
    if keys.notna().sum() < 2:  # a file's names and handles: none to compare
        return shared
    texts = pa.array(keys, from_pandas=True)  # Arrow text as it is, other keys converted
    order = pc.sort_indices(texts)
    ordered = texts.take(order)
    same = pc.fill_null(pc.equal(ordered[1:], ordered[:-1]), False).to_numpy(zero_copy_only=False)
    repeated = np.zeros(len(keys), dtype=bool)
    repeated[1:] |= same
    repeated[:-1] |= same
    shared[order.to_numpy()] = repeated
    return shared


def _avatars(identities: pd.DataFrame) -> list[object]:
    """The identities' avatar addresses (none for a frame without the column)."""
    if "avatar" not in identities:
        return [None] * len(identities)
    return identities["avatar"].tolist()


def _described_keys(values: pd.Series, described: np.ndarray, *, strip: str = "") -> pd.Series:
    """_keys of the described rows only (a file's million members have no handle to compare)."""
    keys = np.full(len(values), None, dtype=object)
    if described.any():
        found = _keys(values[described], strip=strip).astype(object)
        keys[described] = found.where(found.notna(), None).to_numpy()  # None, not NaN: "if name and avatar"
    return pd.Series(keys, dtype=object)


def _one_row_a_person(frames: Frames, links: dict[str, str]) -> Frames:
    """Members gathered per person, activities and campaign members re-pointed to the canonical id."""
    if not links:
        return frames
    result = dict(frames)
    members = frames["members"]
    linked = members["member_id"].isin([*links, *set(links.values())])
    group = members[linked].assign(
        _person=lambda frame: repoint(frame["member_id"], links),
        _alias=lambda frame: frame["member_id"].isin(list(links)),
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
            repointed = frame.assign(member_id=repoint(frame["member_id"], links))
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


def aliases_query(*, member_ids: list[str]) -> sa.Select:
    """The other ids (identity_id) of the people these canonical ids (member_id) are: what a record
    filed before a merge names them by. No rows in a build without member_identities."""
    person = person_of()
    return sa.select(person.c.identity_id, person.c.member_id).where(
        person.c.member_id.in_(member_ids), person.c.identity_id != person.c.member_id
    )


def aliases_of(warehouse: Runner, member_ids: Iterable[str], *, chunk: int = 1000) -> dict[str, tuple[str, ...]]:
    """{canonical id: its person's other ids} for the given members that have any (an audience is
    read from the warehouse, one row a person, under their canonical ids)."""
    ids = sorted({str(member_id) for member_id in member_ids})
    found: dict[str, list[str]] = {}
    for start in range(0, len(ids), chunk):
        rows = warehouse.run(aliases_query(member_ids=ids[start : start + chunk]))
        for identity, member in zip(rows["identity_id"], rows["member_id"], strict=True):
            found.setdefault(str(member), []).append(str(identity))
    return {member: tuple(sorted(others)) for member, others in found.items()}


def persons_of(
    run: Callable[[sa.Select], pd.DataFrame], member_ids: Iterable[str], *, chunk: int = 1000
) -> dict[str, str]:
    """{id: its person's canonical id} for the given ids that a merge or a verified email joined to
    another; an id not listed is its own person (a build without member_identities lists none)."""
    ids = sorted({str(member_id) for member_id in member_ids})
    person = person_of()
    found: dict[str, str] = {}
    for start in range(0, len(ids), chunk):
        query = sa.select(person.c.identity_id, person.c.member_id).where(
            person.c.identity_id.in_(ids[start : start + chunk]), person.c.identity_id != person.c.member_id
        )
        rows = run(query)
        found.update(zip(rows["identity_id"].astype(str), rows["member_id"].astype(str), strict=True))
    return found
