"""One thing, one word: where the product names a thing in Chinese, every string says it the same
way, so a manager does not wonder whether 会议报告 and 例会报告, or 建议主题 and 主题（待确认）, are
two things. Each entry gives the word, the keys that must say it, and the words it replaced."""

from __future__ import annotations

import pytest

from catalog import CATALOGS

GLOSSARY = {  # what: (zh-CN word, zh-TW word, keys that name it, words no string may use for it)
    "the meeting report": (
        "例会报告",
        "例會報告",
        ("report.title", "digests.intro", "digests.attachment.pdf"),
        ("会议报告", "會議報告"),
    ),
    "a channel a message is sent through": (
        "推送通道",
        "推送通道",
        ("data.channels", "data.column.channel", "digests.no_channels"),
        ("发送渠道", "發送渠道", "傳送管道", "發送管道", "推送渠道"),
    ),
    "a theme suggested from an item's words, not yet accepted": (
        "待确认",
        "待確認",
        (
            "feedback.suggested",
            "feedback.column.suggested",
            "feedback.no_suggestions",
            "feedback.themes_help",
            "feedback.theme_name",
            "feedback.theme_name_help",
        ),
        ("建议主题", "建議主題", "（建议）", "（建議）", "沿用建议", "沿用建議", "建议的“", "建議的「"),
    ),
    "a survey response, one member's filled survey (回复 is a reply to feedback)": (
        "答卷",
        "填答",
        (
            "data.forms",
            "data.forms_button",
            "imports.forms_file",
            "imports.kind.google_forms",
            "surveys.responses",
            "builder.responses",
            "column.last_response",
        ),
        ("表单回复", "表單回覆", "导入回复", "匯入回覆"),
    ),
    "the share of those asked who completed a survey": (
        "回收率",
        "回收率",
        ("column.response_rate", "invites.column.response_rate", "invites.progress_help"),
        ("回复率", "回覆率"),
    ),
    "a person who answered a survey": (
        "受访者",
        "受訪者",
        ("column.respondents", "surveys.breakdown", "imports.forms_help"),
        ("填答者", "同一填写人"),
    ),
    # 新加入 stays legitimate as a verb ("本期新加入客户群的成员数"), so nothing is refused
    "members who joined in the period (New members)": (
        "新成员",
        "新成員",
        ("kpi.new_members", "chart.new_members", "column.new_members", "members.new"),
        (),
    ),
    # 加入时间 stays where the time of day is shown too (column.joined_a, column.joined_b)
    "the day a member joined": ("加入日期", "加入日期", ("column.joined",), ()),
    "a member's activity (活动 is a campaign)": (
        "行为",
        "行為",
        (
            "data.table.activities",
            "chart.activities",
            "column.activities_a",
            "column.activities_b",
            "sync.reason.activities_gone",
            "sync.reason.activities_changed",
            "sync.reason.appended",
            "people.merge_question",
        ),
        ("活动记录", "活動紀錄", "活動記錄"),
    ),
    "a member's engagement level": (
        "参与度等级",
        "參與度等級",
        ("members.levels", "feedback.filter.level", "lookup.level", "invites.audience.level"),
        ("活跃度等级", "活躍度等級"),
    ),
    "a segment": (
        "分群",
        "分群",
        ("filters.segment", "goals.refused.members", "goals.field.members_help", "alerts.refused.members"),
        ("用户分群", "用戶分群"),
    ),
    "the community": (
        "社群",
        "社群",
        ("builder.time", "digests.intro", "digests.field.time_help", "digests.field.members_help"),
        ("社区", "社區"),
    ),
    "the dashboard": ("仪表盘", "儀表板", ("sharing.none", "digests.message.open"), ("打开看板",)),
    "the warehouse": ("数据仓库", "資料倉儲", ("error.sync.in_place", "alerts.note.in_place"), ("資料倉庫",)),
    "the selected period": (
        "所选时间范围",
        "所選時間範圍",
        ("members.cohorts_so_far", "chart.cohort_month_so_far", "chart.days_in_period", "chart.partial_weeks"),
        ("所选期间", "所选时间段", "所選期間"),
    ),
    "a feedback item past its target": (
        "逾期",
        "逾期",
        (
            "feedback.tile.overdue",
            "alerts.field.overdue_feedback",
            "alerts.figure.overdue_feedback",
            "alerts.refused.overdue_feedback",
        ),
        ("超时反馈", "超時回饋"),
    ),
    "a feedback item, named": (
        "反馈",
        "回饋",
        ("feedback.merge_into", "feedback.merge_help", "feedback.merge_number"),
        ("合并到条目", "原条目"),
    ),
    "feedback items, counted": (
        "条",
        "則",
        (
            "feedback.count",
            "data.feedback_from_messages",
            "alerts.describe.overdue_feedback",
            "alerts.kind_help.negative_feedback",
        ),
        ("條回饋", "條有情緒"),
    ),
    "the status New": (
        "新建",
        "新建立",
        ("feedback.status.new", "feedback.status_named.new", "outreach.auto.status"),
        ("「新」", "“新”"),
    ),
    # 管理员 stays for the admin role, so nothing is refused
    "a manager (the role that triages feedback and runs surveys)": (
        "运营人员",
        "營運人員",
        (
            "feedback.not_allowed",
            "sharing.not_allowed",
            "autoreply.help",
            "autoreply.none",
            "survey.publish.changed_since",
        ),
        (),
    ),
    "an item's or an alert rule's history": (
        "历史记录",
        "歷史紀錄",
        ("feedback.history", "alerts.checked", "alerts.history", "alerts.confirm_delete"),
        ("歷史記錄", "回饋的歷程"),
    ),
    # 主题 alone is a feedback theme; 内容 stays a general word
    "an email's subject": ("邮件主题", "主旨", ("invites.subject", "outreach.reply.empty"), ()),
    "an email's message": ("正文", "內文", ("invites.body", "outreach.reply.empty", "invites.placeholders"), ()),
    "the outbox": (
        "发送队列",
        "傳送佇列",
        ("invites.help", "alerts.confirm_delete", "digests.confirm_delete"),
        ("发件箱", "推送队列", "寄件匣", "推送佇列"),
    ),
    "when a message was queued": (
        "排队时间",
        "排隊時間",
        ("data.column.queued", "digests.column.queued", "alerts.column.queued_at"),
        ("排入時間", "排入佇列時間"),
    ),
    "a message whose delivery is unknown": (
        "未知",
        "未知",
        ("data.delivery.status.unknown", "digests.status.unknown"),
        ("不明（",),
    ),
    # 繁體 says 復原 for undo and keeps 撤銷 for revoke, so nothing is refused there
    "undo": (
        "撤销",
        "復原",
        ("feedback.bulk.undo", "feedback.bulk.undone", "feedback.import.undo", "imports.undo"),
        ("撤消",),
    ),
    "the feedback inbox, and the list view inside it": (
        "反馈箱",
        "回饋箱",
        ("feedback.title", "feedback.view.inbox", "feedback.refused.gone", "data.feedback_from_messages"),
        ("收件箱", "收件匣"),
    ),
    # a title above a file's header row is 标题 / 標題列, and a survey's title 标题 / 標題
    "a file's header row": (
        "表头",
        "標頭",
        ("error.file.empty", "error.column_missing", "error.header_found", "warning.header_row", "forms.map_unknown"),
        ("標題列中", "找到的標題", "表格標題", "為標題的", "讀取標題列"),
    ),
    # 點擊 stays legitimate in a rate (點擊率), so nothing is refused
    "click": ("点击", "點選", ("members.growth_help", "chart.open_campaign"), ()),
}


@pytest.mark.parametrize("language", ["zh-CN", "zh-TW"])
@pytest.mark.parametrize("what", list(GLOSSARY))
def test_a_thing_has_one_word_in_every_chinese_string(language, what):
    simplified, traditional, keys, replaced = GLOSSARY[what]
    word = simplified if language == "zh-CN" else traditional
    catalog = CATALOGS[language]
    assert [key for key in keys if word not in catalog[key]] == []
    assert {key: value for key, value in catalog.items() if any(old in value for old in replaced)} == {}
