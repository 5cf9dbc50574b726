"""A digest's message, from the meeting report of its view (reports/meeting.py), in the digest's
language: the title with the period, the Overview's headline KPIs with their change against the
period before (metrics/kpis.py), the view's goals with their progress, a link to the view when the
app has a public address, and for email the report as a PDF or PNG."""

from __future__ import annotations

from urllib.parse import urlencode

from catalog.spoken import speaking, t
from delivery.message import Attachment, Figure, Message
from digests.subscriptions import Digest
from metrics.filters import Filters, view_query
from metrics.kpis import HEADLINE, spec
from reports.image import to_png
from reports.meeting import Report
from reports.pdf import to_pdf
from settings import reaches_others
from visuals.formats import describe_change, describe_goal, format_value
from visuals.text import day, scope

MIME = {"pdf": "application/pdf", "png": "image/png"}


def view_link(public_url: str, filters: Filters) -> str:
    """The Overview of the digest's view with its dates fixed, or "" when the app has no public
    address (public_url left at this computer's, which no reader elsewhere can open)."""
    if not reaches_others(public_url):
        return ""
    return f"{public_url.rstrip('/')}/?{urlencode(view_query(filters, period='custom'))}"


def title(digest: Digest, filters: Filters) -> str:
    """ "Weekly pulse: 1 Mar 2025 – 7 Mar 2025", in the digest's language (inside `speaking`)."""
    period = t("digests.message.period", start=day(filters.start), last=day(filters.last))
    return t("digests.message.title", name=digest.name, period=period)


def figures(report: Report) -> tuple[Figure, ...]:
    """The headline KPIs: label, value and change against the previous period ("" when either is
    missing), with why a change is not to be read as the tiles say it ("+20 · few to go on")."""
    shown = []
    for key in HEADLINE:
        kpi = report.kpis[key]
        change = describe_change(key, kpi, filters=report.filters, today=report.made_at.date(), previous=False)
        text = f"{change.text} · {change.mark}" if change.text and change.mark else change.text or ""
        label, value = t(spec(key).label), format_value(key, kpi.current)
        shown.append(Figure(label, value, text, key=key, current=kpi.current, previous=kpi.previous))
    return tuple(shown)


def paragraph(report: Report) -> str:
    """Whose figures these are, then each goal of the view with its progress."""
    lines = [scope(report.filters)]
    if report.goals:
        lines += ["", t("report.goals")]
        lines += [
            t("label_value", label=t(progress.goal.spec.label), value=describe_goal(progress))
            for progress in report.goals
        ]
    return "\n".join(lines)


def attachment(report: Report, kind: str) -> Attachment | None:
    """The meeting report as a file ("pdf" or "png"), None for "none"."""
    if kind not in MIME:
        return None
    content = to_pdf(report) if kind == "pdf" else to_png(report)
    name = f"community-pulse-{report.filters.start}-{report.filters.last}.{kind}"
    return Attachment(filename=name, content=content, mime_type=MIME[kind])


def compose(digest: Digest, report: Report, *, public_url: str) -> Message:
    """The digest's message as chat channels get it (email adds `attachment`)."""
    with speaking(digest.language):
        link = view_link(public_url, report.filters)
        return Message(
            title=title(digest, report.filters),
            figures=figures(report),
            text=paragraph(report),
            link=link,
            link_label=t("digests.message.open"),
            language=digest.language,
        )
