"""The Surveys page's Invitations tab (managers): pick an audience, see who will receive the email
and who is left out, preview it in each member's language, edit the wording, send through the
outbox; reminders per survey; how each audience answered. Addresses are never shown: the counts,
names in the preview and the rows of a CSV (the manager's own file) are."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import clock
from catalog import LANGUAGES, NAMES
from delivery.channels import EmailChannel, load_channels
from metrics.levels import LEVELS
from outreach import audiences, invitations, progress, reminders, templates
from outreach.messages import Recipient, Sending, compose, sending_for
from settings import Settings
from surveys import links
from surveys.registry import StoredSurvey
from ui import confirm, data
from ui.i18n import current_language, t
from ui.page import data_errors_stop_the_page
from ui.session import current_user, setup_note
from ui.tables import data_table, error_markdown, plain
from ui.uploads import upload_box

KINDS = ("segment", "channel", "region", "level", "campaign", "csv")


def email_channels(settings: Settings) -> dict[str, EmailChannel]:
    with data_errors_stop_the_page():
        channels = load_channels(settings)
    return {name: channel for name, channel in channels.items() if isinstance(channel, EmailChannel)}


def pick_channel(channels: dict[str, EmailChannel], *, key: str) -> EmailChannel:
    """The email channel to send through (asked only when there are several)."""
    if len(channels) == 1:
        return next(iter(channels.values()))
    return channels[st.selectbox(t("invites.channel"), sorted(channels), key=key, placeholder=t("widget.choose"))]


def pick_campaign(settings: Settings, version: str, *, key: str) -> str | None:
    """A campaign whose members to reach, newest first, by name and id."""
    campaigns = data.load_campaign_choices(settings, version)
    names = dict(zip(campaigns["campaign_id"], campaigns["name"], strict=True))
    return st.selectbox(
        t("surveys.invite.campaign"),
        list(names),
        format_func=lambda c: t("surveys.invite.campaign_option", name=names[c], id=c),
        key=key,
        placeholder=t("widget.choose"),
    )


def _audience(settings: Settings, version: str, choices: dict[str, list[str]]) -> tuple[str, pd.DataFrame] | None:
    """(what the audience is called, its members: member_id, name, email), or None before one is picked."""
    kind = st.segmented_control(
        t("surveys.audience"),
        KINDS,
        format_func=lambda name: t(f"invites.audience.{name}"),
        default="segment",
        key="invites_kind",
    )
    kind = kind or "segment"
    with data_errors_stop_the_page():
        if kind == "csv":
            return _csv_audience(settings)
        if kind == "level":
            level = st.selectbox(
                t("invites.level"),
                LEVELS,
                format_func=lambda code: t(f"level.{code}"),
                key="invites_level",
                placeholder=t("widget.choose"),
            )
            return f"level: {level}", data.load_level_audience(settings, level)
        if kind == "campaign":
            value = pick_campaign(settings, version, key="invites_campaign")
        else:
            value = st.selectbox(
                t(f"surveys.invite.{kind}"),
                choices.get(kind, []),
                key=f"invites_{kind}",
                placeholder=t("widget.choose"),
            )
        if value is None:
            return None
        audience = links.Audience(kind=kind, value=str(value))
        return str(audience), data.load_audience(settings, audience)


def _csv_audience(settings: Settings) -> tuple[str, pd.DataFrame] | None:
    """A CSV of addresses: its bad rows listed, and skipped only once the manager says so."""
    upload = upload_box(t("invites.csv"), types=["csv"], key="invites_csv")
    if upload is None:
        st.caption(t("invites.csv_help"))
        return None
    try:
        read = audiences.read_addresses(upload.getvalue(), file=upload.name)
    except audiences.AudienceError as error:  # local: the manager picks another file
        st.error(error_markdown(error))
        return None
    members = data.load_addressed_members(settings, list(read.addresses))
    found, skipped = audiences.matched(read, members)
    if skipped:
        st.warning(t("invites.csv_skipped", rows=len(skipped), file=plain(upload.name)), icon=":material/warning:")
        rows = pd.DataFrame(
            {
                "row": [each.row for each in skipped],
                "value": [each.address for each in skipped],
                "problem": [t(f"invites.csv_problem.{each.problem}", first=each.first or "") for each in skipped],
            }
        )
        data_table(
            rows,
            key="invites_csv_rows",
            file_name="skipped-rows",
            column_config={
                "row": t("invites.column.row"),
                "value": t("invites.column.value"),
                "problem": t("invites.column.problem"),
            },
        )
        if not st.checkbox(t("invites.csv_confirm", rows=len(skipped)), key="invites_csv_confirm"):
            return None
    return f"csv: {upload.name}", found


def _preview(sending: Sending, stored: StoredSurvey, recipients: tuple[Recipient, ...]) -> None:
    """The email as the first recipient in the chosen language will read it (their name, a sample link)."""
    spoken = sorted({r.language for r in recipients}, key=LANGUAGES.index)
    language = (
        st.segmented_control(
            t("invites.preview_language"),
            LANGUAGES,
            format_func=lambda code: NAMES[code],
            default=current_language() if current_language() in spoken or not spoken else spoken[0],
            key="invites_preview_language",
        )
        or LANGUAGES[0]
    )
    sample = next((r for r in recipients if r.language == language), None)
    reader = Recipient("preview", sample.name if sample else t("invites.sample_name"), "preview@invalid", language)
    values = invitations.survey_values(stored, reader, sending)
    message = compose(sending, reader, **values)
    with st.container(border=True):
        st.markdown(f"**{plain(message.title)}**")
        st.text(message.text)


def wording_editor(settings: Settings, kinds: tuple[str, ...], *, key: str) -> None:
    """Edit the wording of one kind of member email (a choice when there are several) in one
    language; refused with an unknown placeholder. Used for invitations and reminders here, and
    for the feedback reply by the inbox's automatic replies."""
    store = data.app_store(settings.app_db_url)
    left, right = st.columns(2)
    kind = kinds[0]
    if len(kinds) > 1:
        kind = left.selectbox(
            t("invites.wording_kind"),
            kinds,
            format_func=lambda k: t(f"invites.kind.{k}"),
            key=f"{key}_kind",
            placeholder=t("widget.choose"),
        )
    language = (right if len(kinds) > 1 else left).selectbox(
        t("invites.wording_language"),
        LANGUAGES,
        format_func=lambda code: NAMES[code],
        key=f"{key}_language",
        placeholder=t("widget.choose"),
    )
    with data_errors_stop_the_page():
        current = templates.load(store, kind, language)
    # Keyed fields keep what was typed across a save (a field keyed by its default would start
    # again after each save and drop the next edit); going back to the default clears them.
    fields = {"subject": f"{key}_{kind}_{language}_subject", "body": f"{key}_{kind}_{language}_body"}
    with st.form(f"{key}_{kind}_{language}"):
        subject = st.text_input(t("invites.subject"), current.subject, key=fields["subject"])
        body = st.text_area(t("invites.body"), current.body, height=220, key=fields["body"])
        st.caption(
            t("invites.placeholders", names=", ".join("{" + name + "}" for name in templates.PLACEHOLDERS[kind]))
        )
        save, reset = st.columns(2)
        saved = save.form_submit_button(t("invites.save_wording"), type="primary")
        restored = reset.form_submit_button(t("invites.reset_wording"))
    if saved:
        try:
            templates.save(
                store, templates.Template(kind, language, subject, body), actor=current_user(), now=clock.now()
            )
        except templates.TemplateError as error:  # local: the edit stays in the form to fix
            st.error(error_markdown(error))
        else:
            st.success(t("invites.wording_saved"), icon=":material/check:")
    if restored:
        templates.reset(store, kind, language)
        for field in fields.values():
            st.session_state.pop(field, None)
        st.rerun()


def _reminders(settings: Settings, slug: str) -> None:
    store = data.app_store(settings.app_db_url)
    with data_errors_stop_the_page():
        kept = reminders.settings_of(store, slug)
    with st.form("invites_reminders"):
        left, right = st.columns(2)
        count = left.selectbox(
            t("invites.reminder_count"),
            (0, 1, 2),
            index=kept.reminders,
            format_func=lambda n: t(f"invites.reminders.{n}"),
            placeholder=t("widget.choose"),
        )
        days = right.number_input(
            t("invites.reminder_days"), min_value=1, max_value=reminders.MAX_DAYS, value=kept.after_days
        )
        if st.form_submit_button(t("invites.save_reminders")):
            with data_errors_stop_the_page():
                reminders.set_reminders(
                    store,
                    slug,
                    reminders.Reminders(after_days=int(days), reminders=int(count)),
                    actor=current_user(),
                    now=clock.now(),
                )
            st.success(t("invites.reminders_saved"), icon=":material/check:")


def _progress(settings: Settings, slug: str) -> None:
    store = data.app_store(settings.app_db_url)
    with data_errors_stop_the_page():
        table = progress.invitation_progress(store, slug)
        errors = progress.last_errors(store, slug)
    if table.empty:
        st.caption(t("invites.none_sent"))
        return
    columns = {name: t(f"invites.column.{name}") for name in progress.COLUMNS}
    columns["response_rate"] = st.column_config.NumberColumn(
        t("invites.column.response_rate"), format="percent", help=t("invites.response_rate_help")
    )
    data_table(table, key="invites_progress", file_name=f"{slug}-invitations", column_config=columns)
    for status, attempts, last_error in zip(errors["status"], errors["attempts"], errors["last_error"], strict=True):
        key = "invites.error_retrying" if status == "pending" else "invites.error_failed"
        st.warning(t(key, attempts=int(attempts), error=plain(str(last_error))), icon=":material/error:")


def invitations_tab(settings: Settings, version: str, stored: StoredSurvey, choices: dict[str, list[str]]) -> None:
    """The tab: send, reminders, progress (in a container keyed `invites`, for the browser tests)."""
    with st.container(key="invites"):
        _invitations(settings, version, stored, choices)


def _invitations(settings: Settings, version: str, stored: StoredSurvey, choices: dict[str, list[str]]) -> None:
    channels = email_channels(settings)
    st.subheader(t("invites.title"), help=t("invites.help"))
    if not channels:
        st.info(setup_note("invites.no_channel"))
    else:
        channel = pick_channel(channels, key="invites_channel")
        picked = _audience(settings, version, choices)
        if picked is not None:
            name, members = picked
            store = data.app_store(settings.app_db_url)
            with data_errors_stop_the_page():
                found = invitations.plan(
                    store,
                    slug=stored.slug,
                    members=members,
                    default_language=settings.language,
                    aliases=data.load_aliases(settings, members["member_id"]),
                )
                sending = sending_for(store, settings, channel, "invitation", actor=current_user(), now=clock.now())
            st.markdown(
                t(
                    "invites.counts",
                    receive=len(found.recipients),
                    no_email=found.no_email,
                    unsubscribed=found.unsubscribed,
                    invited=found.invited_before,
                    answered=found.answered,
                )
            )
            _preview(sending, stored, found.recipients)
            if found.recipients and st.button(
                t("invites.send", members=len(found.recipients)),
                type="primary",
                key="invites_send",
                icon=":material/send:",
            ):
                confirm.ask("invites_send", (stored.slug, name, len(found.recipients)))
            # Asked first: an email sent cannot be taken back. The answer holds for this survey,
            # audience and count only; another choice since asks again.
            question = t("invites.send_confirm", members=len(found.recipients))
            asked = confirm.confirmed("invites_send", question, confirm=t("invites.send_yes"))
            if asked == (stored.slug, name, len(found.recipients)) and found.recipients:
                with data_errors_stop_the_page():
                    queued = invitations.queue_invitations(
                        store, sending, stored=stored, recipients=found.recipients, audience=name
                    )
                st.session_state["invites_queued"] = (stored.slug, queued, channel.per_minute)
                st.rerun()
        queued = st.session_state.pop("invites_queued", None)
        if queued and queued[0] == stored.slug:
            st.success(t("invites.queued", members=queued[1], rate=queued[2]), icon=":material/check:")
        with st.expander(t("invites.wording"), icon=":material/edit:"):
            wording_editor(settings, ("invitation", "reminder"), key="invites_wording")
    st.subheader(t("invites.reminders"), help=t("invites.reminders_help"))
    _reminders(settings, stored.slug)
    st.subheader(t("invites.progress"), help=t("invites.progress_help"))
    _progress(settings, stored.slug)
