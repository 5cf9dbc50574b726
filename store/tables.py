"""The app store's tables. Migrations in store/migrations create them; this module is what code
queries. Change both together (`alembic revision --autogenerate` compares them)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(100), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, default="open"),
    sa.Column("opens_at", sa.DateTime),
    sa.Column("closes_at", sa.DateTime),
    sa.Column("anonymous", sa.Boolean, nullable=False, default=False),
    sa.Column("campaign_id", sa.String(100)),
    sa.Column("response_limit", sa.Integer),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("slug", "version", name="uq_surveys_slug_version"),
)

responses = sa.Table(
    "responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False, index=True),
    sa.Column("member_id", sa.String(100), index=True),
    sa.Column("started_at", sa.DateTime),
    sa.Column("submitted_at", sa.DateTime, index=True),
    sa.Column("completed", sa.Boolean, nullable=False, default=False),
    sa.Column("idempotency_key", sa.String(100), nullable=False, unique=True),
    sa.Column("locale", sa.String(10)),
    sa.Column("source", sa.String(20), nullable=False, default="web"),
    # The import (import_batches.id) that last wrote an imported response; undoing it removes them.
    sa.Column("import_batch", sa.Integer, index=True),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("response_id", sa.Integer, sa.ForeignKey("responses.id"), nullable=False),
    sa.Column("question_id", sa.String(100), nullable=False),
    # The question's type when it was answered, so NPS/CSAT queries need not parse definitions.
    sa.Column("question_type", sa.String(20), nullable=False),
    sa.Column("value_num", sa.Float),
    sa.Column("value_text", sa.Text),
    sa.UniqueConstraint("response_id", "question_id", name="uq_answers_response_question"),
    # NPS and CSAT read a type's answers: found by type with their response and score, not every
    # answer scanned (the Overview's NPS of a period 0.010 -> 0.004 s at the bench's large scale).
    sa.Index("ix_answers_question_type", "question_type", "response_id", "value_num"),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("response_id", sa.Integer, sa.ForeignKey("responses.id")),
    sa.Column("question_id", sa.String(100)),
    sa.Column("member_id", sa.String(100), index=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("score_kind", sa.String(10)),  # "nps" (0-10) or "csat" (1-5): which bands apply
    sa.Column("sentiment", sa.Float),
    sa.Column("language", sa.String(10)),
    sa.Column("status", sa.String(20), nullable=False, default="new", index=True),
    sa.Column("priority", sa.String(10)),
    sa.Column("assignee", sa.String(200)),
    sa.Column("tags", sa.JSON),
    sa.Column("theme", sa.String(100)),  # accepted or named by a manager
    sa.Column("suggested_theme", sa.String(100)),  # computed from the text on arrival (feedback.themes)
    sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("feedback.id"), index=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    # Set when the item enters a closed status and cleared on reopening, so "open at time T" is a
    # plain range test: created_at < T and (closed_at is null or closed_at >= T).
    sa.Column("closed_at", sa.DateTime),
    # When a manager first changed or noted anything on the item: time to first response.
    sa.Column("first_response_at", sa.DateTime),
    # A hash of an imported row (source, created_at, member, text), so re-importing a file adds nothing.
    sa.Column("import_key", sa.String(64), unique=True),
    # Raised by every saved change; a save names the version it was loaded at (feedback.workflow).
    sa.Column("version", sa.Integer, nullable=False, default=1),
    # The feedback import (import_batches.id) that added the item; undoing it removes them.
    sa.Column("import_batch", sa.Integer, index=True),
    sqlite_autoincrement=True,  # a removed item's id (in reply keys, messages, links) is never given to another
)

feedback_events = sa.Table(
    "feedback_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("feedback_id", sa.Integer, sa.ForeignKey("feedback.id"), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),  # the item's version this change produced
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("field", sa.String(30), nullable=False),  # a feedback column, "note" or "created"
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False, index=True),
    # SHA-256 of the personal link's token: the token itself is shown once and never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("member_id", sa.String(100), nullable=False),
    sa.Column("audience", sa.String(300)),  # what the links were made for, e.g. "segment: developers"
    sa.Column("sent_at", sa.DateTime, nullable=False),
    sa.Column("used_at", sa.DateTime),
    # When the personal link was first opened, and when its member first answered something (migration 0021).
    sa.Column("opened_at", sa.DateTime),
    sa.Column("started_at", sa.DateTime),
    # Left empty for anonymous surveys, so an invitation never leads to an answer.
    sa.Column("response_id", sa.Integer, sa.ForeignKey("responses.id")),
)

# Responses to append to the write-back Google Sheet (setting write_back_spreadsheet); a row stays
# unsent, with its last error, until the sheet has taken it (surveys/write_back.py).
sheet_outbox = sa.Table(
    "sheet_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("response_id", sa.Integer, sa.ForeignKey("responses.id"), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_said", sa.JSON),  # the same with its catalog key and values (errors.kept)
    sa.Column("sent_at", sa.DateTime, index=True),
)

# Who is appending to the write-back sheet (one row, id 1): one pusher at a time, whatever the
# processes and servers, so the read-then-append of surveys/write_back.py cannot race itself.
sheet_push_lease = sa.Table(
    "sheet_push_lease",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("holder", sa.String(64), nullable=False),
    sa.Column("until", sa.DateTime, nullable=False),
)

# Messages to send through a delivery channel (delivery/outbox.py): email, Slack, WeCom, Feishu, a
# generic webhook. Rendered once when queued; the idempotency key makes queuing the same message
# twice a no-op. Status: pending (due at next_attempt_at), sending (claimed by a sender), sent,
# failed (given up, with its error), unknown (the sender stopped between sending and recording:
# not sent again, see docs/delivery.md).
delivery_outbox = sa.Table(
    "delivery_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("channel", sa.String(100), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False, index=True),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_at", sa.DateTime),
    sa.Column("sent_at", sa.DateTime),
)

# Named leases: who does a piece of work alone across processes and servers until when (the
# delivery sender: "delivery"). A holder renews its row; a crashed holder's lease runs out.
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("holder", sa.String(64), nullable=False),
    sa.Column("until", sa.DateTime, nullable=False),
)

# Wrong passwords per address in the last minutes: five lock the address for a while (auth/accounts.py).
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
)

# One row per address that tried to sign in: its attempts take this row's lock in turn, so counting
# the failures and recording the attempt are one step whatever the concurrency (auth/accounts.py).
sign_in_locks = sa.Table(
    "sign_in_locks",
    metadata,
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("touched_at", sa.DateTime),
)

# Built-in sign-ins: the cookie names a row here by the SHA-256 of its secret; signing out revokes it
# (auth/sessions.py).
sign_in_sessions = sa.Table(
    "sign_in_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
)

# What a signed-in person chose for themselves (the language they read the app in: ui/language.py).
user_preferences = sa.Table(
    "user_preferences",
    metadata,
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Read-only links to a page with its filters (auth/share_links.py); the token signs the id.
share_links = sa.Table(
    "share_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("page", sa.String(40), nullable=False),
    sa.Column("query", sa.JSON, nullable=False),
    sa.Column("reveal_text", sa.Boolean, nullable=False),
    sa.Column("reveal_names", sa.Boolean, nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
    sa.Column("last_used_at", sa.DateTime),
)

# Saved views of the feedback inbox (feedback/views.py): a named set of its filters, as the codes its
# address holds, private to its owner or shared with the team. Names are unique per owner.
feedback_views = sa.Table(
    "feedback_views",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner", sa.String(320), nullable=False, index=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("filters", sa.JSON, nullable=False),
    sa.Column("shared", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("owner", "name", name="uq_feedback_views_owner_name"),
)

# Response targets per feedback priority (feedback/targets.py): hours from arrival to the first
# response and to resolution, and who last changed them; a priority without a row keeps its default.
response_targets = sa.Table(
    "response_targets",
    metadata,
    sa.Column("priority", sa.String(10), primary_key=True),
    sa.Column("first_response_hours", sa.Integer, nullable=False),
    sa.Column("resolution_hours", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(320), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

sync_runs = sa.Table(
    "sync_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(500), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("rows", sa.JSON),
    sa.Column("warnings", sa.JSON),
    sa.Column("error", sa.Text),  # English, for the log and the CLI
    sa.Column("error_said", sa.JSON),  # the same with its catalog key and values (errors.kept), for pages
    # How a run that succeeded built the warehouse ("full" or "incremental", data_sources/append.py)
    # and why, as errors.kept keeps a message (a run before 0018 has neither).
    sa.Column("mode", sa.String(20)),
    sa.Column("mode_said", sa.JSON),
)

# A platform connector's state (data_sources/connectors/): its cursor (how far it has fetched; JSON
# the connector reads back), its last run (started, finished, status, the error as English and as
# errors.kept keeps it) and, while a run goes on, its progress (done of total, in the connector's
# own unit: posts, users, pages), so the Data page shows a first import as it goes.
connector_state = sa.Table(
    "connector_state",
    metadata,
    sa.Column("connector", sa.String(100), primary_key=True),
    sa.Column("cursor", sa.JSON),
    sa.Column("status", sa.String(20)),  # running, succeeded or failed
    sa.Column("started_at", sa.DateTime),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("done", sa.Integer),
    sa.Column("total", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("error_said", sa.JSON),
)

# A connector configured on the Data page (data_sources/connectors/saved.py): its settings but the
# token, which is kept in a 0600 file in the data folder; `feedback_channels` are the channels whose
# messages become feedback items (None or []: none, and no message text is fetched).
connector_settings = sa.Table(
    "connector_settings",
    metadata,
    sa.Column("connector", sa.String(100), primary_key=True),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("feedback_channels", sa.JSON),
    sa.Column("updated_by", sa.String(320), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Messages of a feedback channel fetched by a connector, waiting to become feedback items
# (feedback/messages.py takes them after the sync that fetched them, then deletes them).
connector_messages = sa.Table(
    "connector_messages",
    metadata,
    sa.Column("message_id", sa.String(300), primary_key=True),  # the activity id: slack:message:C1:ts
    sa.Column("connector", sa.String(100), nullable=False),
    sa.Column("channel", sa.String(200), nullable=False),  # its id on the platform
    sa.Column("channel_name", sa.String(200), nullable=False),  # its name, as the platform shows it
    sa.Column("member_id", sa.String(200), nullable=False),  # the platform's account (an identity)
    sa.Column("sent_at", sa.DateTime, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)

# A manager's target for a KPI over a period (metrics/goals.py): `end_day` is exclusive, as a view's
# end; channel, region and segment narrow it to those members (all None: the whole community).
goals = sa.Table(
    "goals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kpi", sa.String(60), nullable=False, index=True),
    sa.Column("start_day", sa.Date, nullable=False),
    sa.Column("end_day", sa.Date, nullable=False),
    sa.Column("target", sa.Float, nullable=False),
    sa.Column("channel", sa.String(200)),
    sa.Column("region", sa.String(200)),
    sa.Column("segment", sa.String(200)),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(320)),
    sa.Column("updated_at", sa.DateTime),
)

# A manager's note on a day or a range of days ("Discord outage"), drawn on the trend charts
# (metrics/notes.py); `end_day` is exclusive: a note on one day ends the day after.
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("start_day", sa.Date, nullable=False, index=True),
    sa.Column("end_day", sa.Date, nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(320)),
    sa.Column("updated_at", sa.DateTime),
)

CLOSED_FEEDBACK_STATUSES = ("resolved", "wont_fix", "duplicate")


# One row per import of a file into the app store (a Google Form's responses, a feedback file): what
# it was and what it did. Responses and feedback items carry its id, so an import is undone as a
# whole (surveys/forms_import.py, feedback/importer.py); undone_at says when.
import_batches = sa.Table(
    "import_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # google_forms or feedback
    sa.Column("target", sa.String(200), nullable=False),  # the survey's slug; "inbox" for feedback
    sa.Column("file", sa.String(300), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("added", sa.Integer, nullable=False),
    sa.Column("updated", sa.Integer, nullable=False),
    sa.Column("skipped", sa.Integer, nullable=False),
    sa.Column("undone_at", sa.DateTime),
)

# The survey builder (surveys/drafts.py). A draft is a definition being edited in the app, whole and
# possibly invalid; members never see it. `revision` goes up with each save, and a save names the
# revision it started from, so two managers editing one draft do not overwrite each other. One draft
# per published survey (`survey_slug`; NULL for a survey not yet published).
survey_drafts = sa.Table(
    "survey_drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("survey_slug", sa.String(100)),
    sa.Column("base_version", sa.Integer),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("survey_slug", name="uq_survey_drafts_survey_slug"),
    sqlite_autoincrement=True,  # a published or discarded draft's id is never given to another
)

# Who changed a survey and when: created, saved, published, closed, reopened, archived, deleted,
# imported, registered (from its file).
survey_changes = sa.Table(
    "survey_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(100), nullable=False, index=True),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
)

# The SHA-256 of each survey file as last registered: a file is registered again only when it
# changed, so a survey edited in the app is not reverted by an unchanged file at the next start.
survey_files = sa.Table(
    "survey_files",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("registered_at", sa.DateTime, nullable=False),
)

# A scheduled digest (digests/): the meeting report of a view (channel, region, segment; the period
# follows the cadence), weekly on `weekday` (0 Monday) or monthly on `day_of_month` (the month's last
# day when it has fewer), at `send_time` ("HH:MM") in the community's time zone, in `language`, to
# `recipients` (channel names of [pulse.channels]), with the report as a PDF or PNG for email
# (`attachment`: pdf, png or none). `last_slot` is the scheduled moment (naive UTC) last queued; the
# outbox keys say which period went to which channel (digest:<id>:<period>:<channel>).
digests = sa.Table(
    "digests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("channel", sa.String(200)),
    sa.Column("region", sa.String(200)),
    sa.Column("segment", sa.String(200)),
    sa.Column("cadence", sa.String(10), nullable=False),
    sa.Column("weekday", sa.Integer),
    sa.Column("day_of_month", sa.Integer),
    sa.Column("send_time", sa.String(5), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("recipients", sa.JSON, nullable=False),
    sa.Column("attachment", sa.String(10), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("last_slot", sa.DateTime),
    # The last time it could not be built (digests/due.py), its message in English and as kept
    # (errors.kept); cleared by the next digest queued.
    sa.Column("failed_at", sa.DateTime),
    sa.Column("failure", sa.Text),
    sa.Column("failure_said", sa.JSON),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(320)),
    sa.Column("updated_at", sa.DateTime),
    sqlite_autoincrement=True,  # a deleted digest's id (in its outbox keys) is never given to another
)

# Alert rules (alerts/): a manager's rule on a KPI (threshold, change, change beyond noise) or a
# built-in one (negative feedback, overdue feedback, slipping champions, sync), written in the app
# (`origin` "app") or kept in the alerts YAML file (`origin` "file", `file_key` its name there, its
# definition replaced from the file before each evaluation). The rule's state is kept beside it:
# `holding` (None until first evaluated), since when, and the evaluation period (`last_period`: a
# local hour, a day or a sync run) it was last evaluated for. A percentage threshold is a share.
alert_rules = sa.Table(
    "alert_rules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("subject", sa.String(60)),  # the KPI of a threshold, change or noise rule
    sa.Column("comparison", sa.String(10), nullable=False),  # above, below; rise, fall, either
    sa.Column("threshold", sa.Float),
    sa.Column("unit", sa.String(10)),  # a change rule's: percent or points
    sa.Column("period", sa.String(30), nullable=False),  # the preset its figure is taken over
    sa.Column("min_members", sa.Integer),  # a noise rule's smallest sample in each period
    sa.Column("channel", sa.String(200)),
    sa.Column("region", sa.String(200)),
    sa.Column("segment", sa.String(200)),
    sa.Column("schedule", sa.String(20), nullable=False),  # hourly, daily, after_sync
    sa.Column("at_time", sa.String(5)),  # a daily rule's local time, HH:MM
    sa.Column("recipients", sa.JSON, nullable=False),  # channel names of [pulse.channels]
    sa.Column("origin", sa.String(10), nullable=False),
    sa.Column("file_key", sa.String(200), unique=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("snoozed_until", sa.DateTime),
    sa.Column("holding", sa.Boolean),
    sa.Column("holding_since", sa.DateTime),
    sa.Column("last_evaluated_at", sa.DateTime),
    sa.Column("last_period", sa.String(40)),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(320)),
    sa.Column("updated_at", sa.DateTime),
)

# Every evaluation of a rule: the figure it read, what it compared with, whether the rule held and
# what followed (`outcome`: fired, recovered, holding, clear, no_data); `snoozed` when a transition
# sent nothing because the rule was snoozed; `note` a catalog word on why there was no judgement.
alert_evaluations = sa.Table(
    "alert_evaluations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("rule_id", sa.Integer, sa.ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("evaluated_at", sa.DateTime, nullable=False),
    sa.Column("period_key", sa.String(40), nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("previous", sa.Float),
    sa.Column("change", sa.Float),
    sa.Column("margin", sa.Float),
    sa.Column("sample", sa.Integer),
    sa.Column("threshold", sa.Float),
    sa.Column("comparison", sa.String(10), nullable=False),
    sa.Column("holding", sa.Boolean),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("snoozed", sa.Boolean, nullable=False),
    sa.Column("note", sa.String(60)),
)

# The outbox rows an evaluation queued (one per recipient channel).
alert_messages = sa.Table(
    "alert_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("rule_id", sa.Integer, sa.ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("alert_evaluations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("outbox_id", sa.Integer, sa.ForeignKey("delivery_outbox.id"), nullable=False),
    sa.Column("channel", sa.String(100), nullable=False),
)

# Messages to members (outreach/): survey invitations and reminders, and loop-closing replies to
# feedback. One row per message queued in delivery_outbox (`outbox_key`, unique: an invitation to a
# survey is queued once per member, a reminder once per round). `topic` is the kind of message a
# member may unsubscribe from; the sender withholds a row whose member or address has unsubscribed
# from it (delivery/outbox.py), whenever it was queued.
member_messages = sa.Table(
    "member_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # invitation, reminder, reply
    sa.Column("topic", sa.String(20), nullable=False),  # surveys or feedback (member_unsubscribes.topic)
    sa.Column("member_id", sa.String(100), nullable=False, index=True),
    sa.Column("name", sa.String(200)),  # how the message greeted them: a reminder greets them alike
    sa.Column("address", sa.String(320), nullable=False),  # where it went: reminders go there too
    sa.Column("address_hash", sa.String(64), nullable=False, index=True),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("survey_slug", sa.String(100), index=True),
    sa.Column("feedback_id", sa.Integer, index=True),
    sa.Column("round", sa.Integer, nullable=False, server_default="0"),  # 0: the invitation; 1, 2: reminders
    sa.Column("audience", sa.String(300)),
    sa.Column("channel", sa.String(100), nullable=False),
    sa.Column("outbox_key", sa.String(200), nullable=False, unique=True),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# Who does not want which kind of message (outreach/consent.py): per member and per address (its
# SHA-256), so an address met again under another member id stays unsubscribed too.
member_unsubscribes = sa.Table(
    "member_unsubscribes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("member_id", sa.String(100), nullable=False),
    sa.Column("address_hash", sa.String(64), index=True),
    sa.Column("topic", sa.String(20), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("member_id", "topic", name="uq_member_unsubscribes_member_id"),
)

# A manager's wording of a member message in one language (outreach/templates.py); a kind and
# language without a row uses the catalog's default.
message_templates = sa.Table(
    "message_templates",
    metadata,
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("language", sa.String(16), primary_key=True),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Replies sent on their own (outreach/auto_replies.py): once an item from a known member has stayed
# in `status` for a few minutes (and, when `theme` is set, has that theme), the member is told.
auto_replies = sa.Table(
    "auto_replies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("theme", sa.String(100), nullable=False, server_default=""),  # "": any theme
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("status", "theme", name="uq_auto_replies_status"),
)

# Reminders per survey (outreach/reminders.py): after `after_days` days without a completed
# response, up to `reminders` (1 or 2) reminders, through the invitation's channel.
survey_reminders = sa.Table(
    "survey_reminders",
    metadata,
    sa.Column("survey_slug", sa.String(100), primary_key=True),
    sa.Column("after_days", sa.Integer, nullable=False),
    sa.Column("reminders", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# A manager's word on two members (data_sources/merges.py): `merge` joins them into one person at the
# next sync, `dismiss` takes their pair off the suggestions. Undone (an unmerge, a suggestion brought
# back) by setting undone_at and undone_by; rows are never deleted, so the list is also the history.
# Links found by verified email are derived again at each sync and never stored here.
member_merges = sa.Table(
    "member_merges",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # merge or dismiss
    sa.Column("member_a", sa.String(500), nullable=False),
    sa.Column("member_b", sa.String(500), nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("undone_by", sa.String(320)),
    sa.Column("undone_at", sa.DateTime, index=True),
)
