"""Which items may say the same thing as an open item: suggested duplicates for its merge.

The measure works the same for Chinese and English without a word segmenter: the Jaccard overlap of
the two texts' character n-grams (after NFKC, lower case, Traditional Chinese as Simplified, and
punctuation as spaces): bigrams of
each run of Han characters (a run of one is itself), trigrams of everything else, space included,
so "search" and "searches" share most of theirs. 1 is the same text, 0 nothing in common. An item
is suggested when its similarity is at least SIMILAR, or at least SAME_MEMBER when the same member
wrote both (members repeat themselves in other words). docs/feedback.md gives the precision on the
labelled pairs in tests/data/duplicate_pairs.csv, which tests/test_feedback_duplicates.py holds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from functools import lru_cache

import pandas as pd
import sqlalchemy as sa

from feedback.hanzi import simplified
from store import tables

SIMILAR = 0.4  # suggested whoever wrote it
SAME_MEMBER = 0.25  # suggested when the same member wrote both
SUGGESTED = 5  # at most, most similar first
CANDIDATES = 2000  # the newest items that are not duplicates: suggestions are found among them
# How many of them an item's merge menu lists after its suggested duplicates (any other is named by
# its #number): every option is sent to the browser on each item's run; 2,000 made the Next 0.17 s slower
MENU = 200

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_NOT_WORD = re.compile(r"[\W_]+")

feedback = tables.feedback


@lru_cache(maxsize=8192)
def grams(text: str) -> frozenset[str]:
    """The text's character n-grams: Han bigrams, trigrams of the rest (see the module)."""
    cleaned = _NOT_WORD.sub(" ", simplified(unicodedata.normalize("NFKC", text)).lower())
    found: set[str] = set()
    for run in _HAN.findall(cleaned):
        found.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    rest = " " + " ".join(_HAN.sub(" ", cleaned).split()) + " "
    if rest.strip():
        found.update(rest[i : i + 3] for i in range(len(rest) - 2))
    return frozenset(found)


def similarity(first: str, second: str) -> float:
    """Jaccard overlap of the two texts' n-grams, 0 to 1."""
    a, b = grams(first), grams(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def is_suggested(score: float, *, same_member: bool) -> bool:
    return score >= (SAME_MEMBER if same_member else SIMILAR)


def candidates_query(*, limit: int = CANDIDATES) -> sa.Select:
    """Items an item can be merged into: any but merged duplicates, newest first."""
    return (
        sa.select(feedback.c.id, feedback.c.member_id, feedback.c.text, feedback.c.status, feedback.c.created_at)
        .where(feedback.c.status != "duplicate")
        .order_by(feedback.c.created_at.desc(), feedback.c.id.desc())
        .limit(limit)
    )


def suggestions(
    item_id: int,
    text: str,
    member_id: str | None,
    candidates: pd.DataFrame,
    *,
    person: Collection[str] = (),
    limit: int = SUGGESTED,
) -> pd.DataFrame:
    """The candidates (candidates_query's rows) that may say the same as this item, most similar
    first: id, text, status, created_at, similarity, same_member. `person` is every id of the item's
    member (metrics.profile.person_ids_query): an item filed under another account of the same
    person, merged across platforms, is the same member's."""
    others = candidates[candidates["id"] != item_id]
    scores = [similarity(text, str(other)) for other in others["text"]]
    ids = {member_id, *person} if isinstance(member_id, str) else set()
    same = [isinstance(member, str) and member in ids for member in others["member_id"]]
    found = others.assign(similarity=scores, same_member=same)
    kept = [is_suggested(s, same_member=m) for s, m in zip(found["similarity"], found["same_member"], strict=True)]
    found = found[kept] if len(found) else found.assign(similarity=[], same_member=[])
    columns = ["id", "text", "status", "created_at", "similarity", "same_member"]
    return found.sort_values(["similarity", "id"], ascending=[False, False])[columns].head(limit)
