"""The guard against data that would empty a table or cut it deeply.

A table that would become empty, or lose more than half of its rows (and more than MIN_LOST of
them), is refused until a person confirms it. Half, because what a community's tables do between
two syncs is grow or lose a few rows (people leave, old activities age out of an export's window),
while the exports that go wrong lose most of a table at once: a header-only file, one sheet of
several, a filtered view, an export capped at its first page. MIN_LOST keeps a hand-kept table of
a few dozen rows, whose change anyone sees at a glance, free of a question nobody needs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd

from data_sources.errors import Shrink, ShrinkRefused

SHARE_LOST = 0.5
MIN_LOST = 20


def _refused(before: int, after: int) -> bool:
    lost = before - after
    return before > 0 and (after == 0 or (lost > before * SHARE_LOST and lost > MIN_LOST))


def shrinks(before: Mapping[str, int], frames: Mapping[str, pd.DataFrame], *, origin: str) -> list[Shrink]:
    """Tables the new frames would empty or cut deeply, with the file each came from where known."""
    return [
        Shrink(table=name, before=before[name], after=len(frame), origin=frame.attrs.get("file", origin))
        for name, frame in frames.items()
        if name in before and _refused(before[name], len(frame))
    ]


def check_shrinks(
    before: Mapping[str, int],
    frames: Mapping[str, pd.DataFrame],
    *,
    origin: str,
    allowed: bool | Collection[Shrink] = False,
) -> None:
    """Raise ShrinkRefused for the deep cuts not confirmed: `allowed` is True for all (--allow-shrink)
    or the very shrinks a person confirmed (same table, same counts, same file)."""
    if allowed is True:
        return
    confirmed = set(allowed) if allowed else set()
    refused = [shrink for shrink in shrinks(before, frames, origin=origin) if shrink not in confirmed]
    if refused:
        raise ShrinkRefused(refused)
