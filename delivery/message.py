"""A message as the product means it, before any channel's format: a title, lines of figures with
their change, a paragraph, a link, an optional attachment. Every string is already in the reader's
language and formatted (digests and alerts format through the catalog); channels only lay it out,
and treat every string as text (never as markup)."""

from __future__ import annotations

from dataclasses import dataclass

from catalog import translate


@dataclass(frozen=True)
class Figure:
    """One line of a message: a KPI's label, its value and its change, e.g. ("MAU", "6,120", "+4.2%"),
    as a person reads them; and where the line is a figure, what a program reads instead of parsing
    those words in the reader's language (the generic webhook carries them): the figure's `key` (a
    KPI's, metrics/kpis.py, or an alert's kind) with its `current` and `previous` values as computed
    (a rate as a fraction: 0.219, not "21.9%")."""

    label: str
    value: str
    change: str = ""
    key: str = ""
    current: float | None = None
    previous: float | None = None


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email (chat channels carry the link instead)."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Message:
    title: str
    figures: tuple[Figure, ...] = ()
    text: str = ""
    link: str = ""
    link_label: str = "Open"
    attachment: Attachment | None = None
    language: str = "en"  # the reader's: how a figure's label, value and change are joined
    # Email only. Recipients of this message instead of the channel's `to` (a member message), and
    # the one-click unsubscribe address for its List-Unsubscribe headers (RFC 8058).
    recipients: tuple[str, ...] = ()
    unsubscribe: str = ""

    def lines(self) -> list[str]:
        """The figures as plain lines in the reader's way: "MAU: 6,120 (+4.2%)", "月活：6,120（+4.2%）"."""
        return [
            self.labelled(f.label, f.value)
            + (translate("delivery.change", self.language, change=f.change) if f.change else "")
            for f in self.figures
        ]

    def labelled(self, label: str, value: str) -> str:
        return translate("label_value", self.language, label=label, value=value)
