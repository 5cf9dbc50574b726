"""An event's registration and attendance sheet as campaign_members rows of one campaign.

A row per person: an email (or member id) column; a "registered" column and an "attended" column,
or one attended column per day ("Day 1 attended", "第1天签到"): attended on any day is attended.
Cells read as yes: yes, y, true, 1, x, ✓, √, 是, 已报名, 已签到, 出席. Without a registered column
everyone listed registered. Members are matched by email (case aside) or id; those matching no
member are listed, not stored. The rows replace the campaign's registered and attended rows (its
invitations stay) and go through the usual import (data_sources.sync.import_files): all or nothing.
"""

from __future__ import annotations

import pandas as pd

from data_sources.errors import InvalidData, Problem
from data_sources.validate import RawTable
from errors import Listed, Said

YES = {"yes", "y", "true", "1", "x", "✓", "✔", "√", "是", "已报名", "已報名", "已签到", "已簽到", "出席", "attended"}
WHO = ("email", "email address", "e-mail", "邮箱", "電子郵件", "电子邮件", "member_id", "member id")
REGISTERED = ("regist", "报名", "報名", "sign-up", "signed up")
ATTENDED = ("attend", "签到", "簽到", "出席", "check-in", "checked in", "present")


def _has(header: str, words: tuple[str, ...]) -> bool:
    folded = header.strip().casefold()
    return any(word in folded for word in words)


def _yes(value: object) -> bool:
    return str(value).strip().casefold() in YES


def attendance_frame(raw: RawTable, *, campaign_id: str, members: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """campaign_members rows (campaign_id, member_id, status, at) and the people no member matched
    (as written); raises InvalidData naming the file when the columns are not there."""
    columns = list(raw.frame.columns)
    who = next((column for column in columns if column.strip().casefold() in WHO), None)
    attended = [column for column in columns if _has(column, ATTENDED)]
    registered = [column for column in columns if _has(column, REGISTERED) and column not in attended]
    if who is None or not attended:
        said = Said("attendance.columns", columns=Listed(columns))
        raise InvalidData([Problem(raw.file, None, None, said)])
    by_email = dict(zip(members["email"].fillna("").str.casefold(), members["member_id"], strict=True))
    ids = set(members["member_id"])
    rows, unmatched = [], []
    for _, cells in raw.frame.iterrows():
        person = str(cells[who]).strip()
        if not person:
            continue
        member = by_email.get(person.casefold()) or (person if person in ids else None)
        if member is None:
            unmatched.append(person)
            continue
        came = any(_yes(cells[column]) for column in attended)
        signed = came or not registered or any(_yes(cells[column]) for column in registered)
        rows += [(campaign_id, member, status) for status, flag in (("registered", signed), ("attended", came)) if flag]
    frame = pd.DataFrame(rows, columns=["campaign_id", "member_id", "status"]).drop_duplicates()
    frame["at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")  # the sheet says not when
    return frame, unmatched


def merged(existing: pd.DataFrame, new: pd.DataFrame, *, campaign_id: str) -> pd.DataFrame:
    """The campaign_members table with this campaign's registered and attended rows replaced."""
    replaced = (existing["campaign_id"] == campaign_id) & existing["status"].isin(["registered", "attended"])
    return pd.concat([existing[~replaced], new], ignore_index=True)
