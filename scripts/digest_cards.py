"""Draw each chat card of a digest for docs/delivery.md: the payload the outbox keeps for Slack,
WeCom and Feishu (delivery/formats.py), laid out in HTML the way each client arranges it, and
photographed in Chromium into docs/images/digest-<service>.png. A rendering of the payload, not the
client itself (which cannot run here): each picture says so at its top.

    .venv/bin/python scripts/digest_cards.py
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog import translate  # noqa: E402
from delivery import formats  # noqa: E402
from delivery.message import Figure, Message  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LINK = "https://pulse.example.org/?period=custom&start=2025-03-01&end=2025-03-08"
# The fixture community's week as tests/test_digests_delivery.py receives it (the Chinese words are
# the catalog's: kpi.*, report.*, goal.*).
ENGLISH = Message(
    title="Weekly pulse: 1 Mar 2025 – 7 Mar 2025",
    figures=(
        Figure("Members", "7", "+2"),
        Figure("New members", "2", "+1"),
        Figure("Monthly active", "6", "+3"),
        Figure("Churn rate", "66.7%"),
        Figure("NPS", "+25"),
    ),
    text="Members: All members\n\nGoals\nMonthly active: Goal 9 · 78% · on track · projected 18",
    link=LINK,
    link_label=translate("digests.message.open"),
)
CHINESE = Message(
    title="社群周报：2025年3月1日至2025年3月7日",
    figures=(
        Figure("成员数", "7", "+2"),
        Figure("新成员", "2", "+1"),
        Figure("月活", "6", "+3"),
        Figure("流失率", "66.7%"),
        Figure("净推荐值（NPS）", "+25"),
    ),
    text="成员范围：全部成员\n\n目标\n月活：目标 9 · 78% · 按计划推进 · 预计 18",
    link=LINK,
    link_label=translate("digests.message.open", "zh-CN"),
    language="zh-CN",
)
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ font-family: "Noto Sans CJK SC", "DejaVu Sans", sans-serif; margin: 0; padding: 16px;
  background: #f4f4f5; width: 560px; }}
.note {{ font-size: 12px; color: #6b7280; margin-bottom: 10px; }}
.card {{ background: #fff; border-radius: 8px; padding: 16px 18px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
h1 {{ font-size: 18px; margin: 0 0 12px; }}
.fields {{ display: grid; grid-template-columns: 1fr 1fr; gap: 10px 24px; margin-bottom: 12px; }}
.label {{ font-weight: 700; font-size: 14px; }} .value {{ font-size: 14px; }} .change {{ color: #6b7280; }}
p {{ white-space: pre-wrap; font-size: 14px; margin: 0 0 12px; }}
.button {{ display: inline-block; border: 1px solid #d1d5db; border-radius: 4px; padding: 6px 12px; font-size: 14px; }}
.header {{ margin: -16px -18px 12px; padding: 12px 18px; border-radius: 8px 8px 0 0; color: #fff;
  background: #3370ff; font-weight: 700; }}
.quote {{ border-left: 3px solid #d1d5db; padding-left: 8px; margin: 4px 0; font-size: 14px; }}
.comment {{ color: #9ca3af; }} a {{ color: #1d4ed8; }}
</style></head><body><div class="note">{note}</div><div class="card">{card}</div></body></html>"""


def slack(payload: dict) -> str:
    parts = []
    for block in payload["blocks"]:
        if block["type"] == "header":
            parts.append(f"<h1>{html.escape(block['text']['text'])}</h1>")
        elif block["type"] == "section" and "fields" in block:
            cells = []
            for field in block["fields"]:
                label, _, rest = field["text"].partition("\n")
                cells.append(f'<div><div class="label">{label.strip("*")}</div><div class="value">{rest}</div></div>')
            parts.append(f'<div class="fields">{"".join(cells)}</div>')
        elif block["type"] == "section":
            parts.append(f"<p>{html.escape(block['text']['text'])}</p>")
        elif block["type"] == "actions":
            parts.append(f'<span class="button">{html.escape(block["elements"][0]["text"]["text"])}</span>')
    return "".join(parts)


def wecom(payload: dict) -> str:
    lines = []
    for line in payload["markdown"]["content"].splitlines():
        shown = html.escape(line)
        shown = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", shown)
        shown = re.sub(
            r"&lt;font color=&quot;comment&quot;&gt;(.*?)&lt;/font&gt;", r'<span class="comment">\1</span>', shown
        )
        shown = re.sub(r"\[(.+?)\]\((.+?)\)", r'<a href="\2">\1</a>', shown)
        if shown.startswith("## "):
            lines.append(f"<h1>{shown[3:]}</h1>")
        elif shown.startswith("&gt; "):
            lines.append(f'<div class="quote">{shown[5:]}</div>')
        else:
            lines.append(f"<div>{shown or '&nbsp;'}</div>")
    return "".join(lines)


def feishu(payload: dict) -> str:
    card = payload["card"]
    parts = [f'<div class="header">{html.escape(card["header"]["title"]["content"])}</div>']
    for element in card["elements"]:
        if element["tag"] == "div" and "fields" in element:
            cells = []
            for field in element["fields"]:
                label, _, rest = field["text"]["content"].partition("\n")
                label, rest = html.escape(label), html.escape(rest)
                cells.append(f'<div><div class="label">{label}</div><div class="value">{rest}</div></div>')
            parts.append(f'<div class="fields">{"".join(cells)}</div>')
        elif element["tag"] == "div":
            parts.append(f"<p>{html.escape(element['text']['content'])}</p>")
        elif element["tag"] == "action":
            button = html.escape(element["actions"][0]["text"]["content"])
            parts.append(f'<span class="button" style="background:#3370ff;color:#fff">{button}</span>')
    return "".join(parts)


def main() -> None:
    from delivery.channels import WebhookChannel

    cards = {
        "slack": (ENGLISH, slack, "Slack (Block Kit)"),
        "wecom": (CHINESE, wecom, "WeCom group robot (markdown)"),
        "feishu": (CHINESE, feishu, "Feishu custom bot (interactive card)"),
    }
    out = ROOT / "docs" / "images"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(device_scale_factor=2)
        for kind, (message, draw, name) in cards.items():
            channel = WebhookChannel(name=kind, kind=kind, webhook="https://example.org/hook")
            payload = formats.render(channel, message, key="digest:1:2025-03-01..2025-03-07:" + kind, now=None)  # type: ignore[arg-type]
            note = f"A rendering of the {name} payload a digest sends, drawn from its JSON; not {kind.title()} itself."
            page.set_content(PAGE.format(note=html.escape(note), card=draw(payload)))
            page.locator("body").screenshot(path=str(out / f"digest-{kind}.png"))
            print(f"docs/images/digest-{kind}.png")
        browser.close()


if __name__ == "__main__":
    main()
