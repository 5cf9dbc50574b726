"""Draft 繁體中文 for the keys catalog/zh_TW.py lacks: OpenCC's Taiwan conversion of zh_CN, then the
Taiwan terms of docs/glossary.md that OpenCC does not know. Prints lines to check and paste in the
order of catalog/en.py; a draft, not a translation: rows are 列 and columns 欄 in Taiwan (mainland:
行 / 列), and only a reader of each sentence can tell those apart from 行為 or 排列.

    .venv/bin/python scripts/zh_tw.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog import en, zh_CN, zh_TW

# (OpenCC s2twp output, Taiwan usage), in order: longer phrases before the words inside them.
TERMS = (
    ("“", "「"), ("”", "」"),
    ("反饋", "回饋"), ("渠道", "管道"), ("轉化", "轉換"), ("增長", "成長"), ("粘性", "黏著度"),
    ("迴流", "回流"), ("周", "週"), ("點贊", "按讚"), ("郵箱地址", "電子郵件地址"), ("郵箱", "電子郵件"),
    ("演示資料", "示範資料"), ("演示社群", "示範社群"), ("演示", "簡報"), ("示例", "範例"), ("生成", "產生"),
    ("只讀", "唯讀"), ("許可權", "權限"), ("運營", "營運"), ("儀表盤", "儀表板"), ("柱子", "長條"),
    ("退出登入", "登出"), ("本地模式", "本機模式"), ("這臺", "這台"), ("另一臺", "另一台"), ("平臺", "平台"),
    ("配置", "設定"), ("響應", "回應"), ("服務商", "服務供應商"), ("對映", "對應"), ("單元格", "儲存格"),
    ("工作簿", "活頁簿"), ("同期群", "同類群組"), ("（去重）", "（不重複計算）"), ("郵件簡報", "電子報"),
    ("線下活動", "實體活動"), ("觸達", "觸及"), ("到場", "出席"), ("答卷", "填答"), ("二維碼", "QR Code"),
    ("幻燈片", "投影片"), ("貶損者", "批評者"), ("Google 表格", "Google 試算表"), ("已計劃", "已規劃"),
    ("情感", "情緒"), ("歷史記錄", "歷史紀錄"), ("同步記錄", "同步紀錄"), ("內容稽核", "內容審核"),
    ("新人引導", "新手引導"), ("概覽", "總覽"), ("自定義", "自訂"), ("均值", "平均"), ("私信", "私訊"),
    ("當前", "目前"), ("更改", "變更"), ("丟失", "遺失"), ("型別", "類型"), ("環節", "階段"),
    ("收件箱", "收件匣"), ("伺服器日誌", "伺服器記錄檔"), ("標識", "識別碼"), ("拆分維度", "細分維度"),
    ("最遠到達", "最遠階段"), ("分配角色", "指派角色"), ("定時執行", "排程執行"), ("出錯原因", "錯誤原因"),
    ("追加", "附加"), ("發帖", "發文"), ("評論", "留言"), ("代理", "代理伺服器"), ("重試", "再試一次"),
    ("釋出", "發布"), ("分佈", "分布"), ("替換", "取代"), ("給出", "提供"), ("跟進", "追蹤"),
)  # fmt: skip
BY = re.compile("按(?![讚一「])")  # "by" (按渠道) is 依 in Taiwan; 按讚 and 按一次 stay


def draft(text: str, *, converter: opencc.OpenCC) -> str:
    """A zh_CN message in Taiwan's characters and words, for a person to check."""
    text = converter.convert(text)
    for simplified_usage, taiwan_usage in TERMS:
        text = text.replace(simplified_usage, taiwan_usage)
    return BY.sub("依", text)


def main() -> None:
    converter = opencc.OpenCC("s2twp")
    missing = [key for key in en.MESSAGES if key not in zh_TW.MESSAGES]
    for key in missing:
        text = draft(zh_CN.MESSAGES.get(key, en.MESSAGES[key]), converter=converter)
        print(f"    {key!r}: {text!r},".replace("'", '"'))
    print(f"# {len(missing)} keys missing from catalog/zh_TW.py", file=sys.stderr)


if __name__ == "__main__":
    main()
