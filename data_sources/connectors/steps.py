"""What a connector is to the source that runs it: `fetch(cursor)` yields Steps."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from data_sources.connectors.archive import Row


@dataclass(frozen=True)
class Step:
    """What one step of a fetch brought, and the cursor and progress after it."""

    members: Sequence[Row]
    activities: Sequence[Row]
    cursor: dict[str, Any]
    done: int
    total: int
    unit: str = "connector.unit.items"  # a catalog key: posts, users, pages
    tables: Mapping[str, Sequence[Row]] = field(default_factory=dict)  # a platform's own (archive.TABLE_KEYS)
    # messages of the channels chosen for feedback: message_id, channel, channel_name, member_id, sent_at, text
    # (kept in the app store's connector_messages until feedback/messages.py takes them; never archived)
    messages: Sequence[Row] = ()


class Connector(Protocol):
    name: str

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Step]: ...
