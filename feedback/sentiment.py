"""Sentiment of a feedback text, offline: VADER plus community rules for English, a lexicon with
negators, degree words and contrast for Chinese; text in any other language is not scored (None),
never read by the English lexicon.

Scores are on one scale, -1 (negative) to 1 (positive); one band around zero is neutral. What the
rules add to a general lexicon is what community feedback says without sentiment words: nobody
replied, it keeps crashing, 卡顿, 没人理, 太贵; that a question or a request without feeling is
neutral; and that the clause after "but" / 但是 carries the point. The Chinese path is pure Python
over a few hundred words, so the first call costs nothing to load (SnowNLP, used before, took 2–10 s
to load its model on a process's first Chinese text).

Measured on the labelled set in tests/data/feedback_labelled.csv (scripts/feedback_accuracy.py;
figures in docs/feedback.md), tuned on its dev split only.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Final, Literal

from feedback.hanzi import simplified

Language = str  # a primary language subtag: "en", "zh", "es", "ja" …; "und" when none can be told
Label = Literal["negative", "neutral", "positive"]
Mood = Literal["negative", "neutral", "positive", "not_scored"]

MODELS = ("en", "zh")  # the languages scored here; text in any other is "not scored" (sentiment None)
UNDETERMINED = "und"  # BCP 47's code for a language that cannot be told
NEUTRAL_BAND = 0.1  # |score| below this is neutral
STRONG_MOOD = 0.5  # |score| from this on reads "strongly" negative or positive in the inbox
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")
NOT_SCORED: Final = "not_scored"  # what the inbox shows and filters for an item without a sentiment

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[^\W\d_]+")
# Scripts that name their language (or one language most of its writers use), and those many share.
_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")),  # kana: Japanese, whatever Han it has
    ("ko", re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")),  # Hangul
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    (UNDETERMINED, re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u0900-\u097f]")),  # Cyrillic, Arabic, Devanagari
)


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Function words that tell a Latin-script language from English (English's own, then others' that are
# not English words too: no "do", "war", "per", "van").
_FUNCTION_WORDS = {
    "en": _words(
        "the and is was are were it its this that with for of to not very but have has had be been can could "
        "would should will just so too my your our we you they i me what why how when there here from about "
        "please thanks thank don't didn't can't it's i'm"
    ),
    "es": _words(
        "el la los las de del que y es muy pero por para con una está están fue más también porque hay sin cuando "
        "nos mi yo gracias mucho todo esta este eso ya al le lo se su sus nada bien"
    ),
    "pt": _words(
        "não é muito mas com uma os de da dos das em está foi mais também obrigado obrigada você isso eu "
        "porque ao na se nada bem"
    ),
    "fr": _words(
        "le la les de des du est et très mais pour avec une un pas je nous vous il elle ce c'est qui que sur dans "
        "merci trop bien ça été au"
    ),
    "de": _words(
        "der das und ist nicht sehr aber mit für ein eine ich wir zu auf den dem auch danke gut noch wenn sie es"
    ),
    "it": _words("il gli della che è non molto ma con una uno sono grazie anche più questo perché troppo"),
    "nl": _words("het een niet zeer maar voor ik wij dat ook bedankt"),
}


def has_model(code: str) -> bool:
    """Whether text in the language `code` names (`es`, `zh-TW`, `en-GB`) is scored here."""
    return code.strip().lower().replace("_", "-").split("-")[0] in MODELS


def language_of(text: str, declared: str | None = None) -> Language:
    """The language of a text, to score it with that language's model or not at all. Its script tells
    Chinese (Han characters at least a fifth of the letters), Japanese (kana), Korean, Thai, Greek,
    Hebrew; Latin text is English unless another language's function words outnumber English's
    (at least two of them). `declared` (the survey's language it was answered in, an import's) is
    taken where the text cannot tell: a Spanish survey's "Genial" is Spanish, its "The venue was too
    small" English."""
    primary = declared.strip().lower().replace("_", "-").split("-")[0] if declared and declared.strip() else None
    han = len(_HAN.findall(text))
    letters = han + len(_LETTER.findall(text))
    for code, script in _SCRIPTS:
        found = len(script.findall(text))
        if found >= 2 and found * 5 >= letters + found:  # at least a fifth of the letters
            return primary if code == UNDETERMINED and primary and primary not in MODELS else code
    if letters and han / letters >= 0.2:
        return "zh"
    words = [word.lower() for word in _WORD.findall(text.replace("’", "'"))]
    votes = {code: sum(word in vocabulary for word in words) for code, vocabulary in _FUNCTION_WORDS.items()}
    english = votes.pop("en")
    other, most = max(votes.items(), key=lambda vote: vote[1])
    if primary and not has_model(primary):
        return "en" if english >= 2 and english > most else primary
    return other if most >= 2 and most > english else "en"


def sentiment_of(text: str, language: Language) -> float | None:
    """A score from -1 to 1; 0.0 for text with nothing to score; None for a language without a model
    here (never scored as English: an English lexicon reads most other languages as neutral)."""
    if language not in MODELS:
        return None
    if not text.strip():
        return 0.0
    score = _chinese(text) if language == "zh" else _english(text)
    return round(max(-1.0, min(1.0, score)), 4)


def label_of(score: float | None) -> Label | None:
    if score is None:
        return None
    if score <= -NEUTRAL_BAND:
        return "negative"
    if score >= NEUTRAL_BAND:
        return "positive"
    return "neutral"


def mood_of(score: float | None) -> Mood:
    """A stored score as the inbox shows it: its label, or NOT_SCORED where there is none (a language
    without a model), which is counted apart, never as neutral."""
    return NOT_SCORED if score is None or math.isnan(score) else label_of(float(score)) or NOT_SCORED


def _normalise(total: float, alpha: float = 15.0) -> float:
    """A sum of valences onto -1..1, as VADER does it."""
    return total / math.sqrt(total * total + alpha)


# Emoji carry much of the feeling in chat-style feedback (VADER leaves runs of them unscored).
EMOJI = {
    "👍": 1.5, "❤️": 2.0, "❤": 2.0, "😊": 1.5, "🎉": 1.5, "🙏": 1.0, "👏": 1.5, "🚀": 1.2, "🤘": 1.2,
    "😍": 2.0, "🥰": 2.0, "😋": 1.0, "💯": 1.5, "🔥": 1.0, "✨": 0.8,
    "😡": -2.0, "😠": -2.0, "🤬": -2.5, "😢": -1.2, "😞": -1.5, "😭": -1.5, "🙄": -1.5, "👎": -1.5,
    "💩": -2.0, "😤": -1.5, "😩": -1.5,
}  # fmt: skip


def _rules(*rules: tuple[str, float]) -> tuple[tuple[re.Pattern[str], float], ...]:
    return tuple((re.compile(pattern, re.IGNORECASE), value) for pattern, value in rules)


def _emoji(text: str) -> float:
    return sum(value * text.count(sign) for sign, value in EMOJI.items())


# ---- English --------------------------------------------------------------------------------

# Words community feedback uses for trouble or praise that VADER's social-media lexicon lacks
# (valence on VADER's -4..4 scale). Each entry is a judgement about the word, not a fit to a test.
COMMUNITY_TERMS = {
    "slow": -1.3, "slowww": -1.5, "crash": -2.0, "crashes": -2.0, "crashing": -2.0, "crashed": -2.0,
    "crashin": -2.0, "buggy": -1.8, "laggy": -1.5, "lag": -1.2, "lags": -1.2, "lagged": -1.5,
    "lagging": -1.5, "buffering": -1.5, "stuttering": -1.5, "freezes": -1.5, "freezing": -1.5,
    "unusable": -2.5, "spam": -1.8, "spammy": -1.8, "promotional": -1.0, "unanswered": -1.5,
    "outdated": -1.2, "overbooked": -1.2, "overpriced": -2.0, "expensive": -1.2, "pricey": -0.8,
    "rip-off": -2.5, "toxic": -2.0, "trash": -2.0, "pointless": -1.5, "cliquey": -1.5,
    "unwelcoming": -1.8, "downhill": -1.5, "exhausting": -1.5, "ignore": -1.2, "locked": -1.0,
    "expired": -1.0, "meh": -1.2, "roasted": -1.5, "boring": -1.5, "useless": -2.0, "nobody": -1.0,
    "smooth": 1.5, "handy": 1.5, "legends": 2.0, "props": 1.5, "rock": 1.5, "gold": 1.5,
    "tysm": 2.0, "welcoming": 2.0, "stable": 1.0, "worth": 1.2, "generous": 1.8, "fast": 1.0,
    "quickly": 1.0, "confusing": -1.5, "breaks": -1.5, "breaking": -1.5, "blank": -1.2,
    "disappeared": -1.8, "vanished": -1.8, "missing": -1.2, "cringe": -1.8,
    "decent": 1.5, "thorough": 1.5, "painless": 1.8, "efficient": 1.5, "late": -1.2, "issue": -0.8,
    "issues": -0.8, "bug": -1.2, "bugs": -1.2, "glitch": -1.5, "glitchy": -1.8, "timeout": -1.5,
    "mediocre": -1.5, "crowded": -1.0, "rushed": -1.0, "lacking": -1.2, "unsubscribed": -1.5,
    # VADER scores these as praise; in feedback they are a booster ("super slow"), a discourse
    # marker ("honestly, ..."), an acknowledgement ("ok"), a price ("free tier") or a shrug ("lol")
    "super": 0.0, "honestly": 0.0, "ok": 0.0, "okay": 0.0, "free": 0.5, "lol": 0.5,
}  # fmt: skip

# Complaints said without a sentiment word, with a valence added to VADER's sum (-4..4 scale).
_EN_COMPLAINTS = _rules(
    (r"\b(nobody|no one|no-one|noone|not one person|not a single person|none of (them|us|you|the \w+))\b"
     r"[^.!?]{0,40}?\b(repl|answer|respond|help|care|notic|read|told|check|fix|look)", -2.5),
    (r"\b(no|zero|without (a|any)|not (a|one|even a))\s+(single\s+)?"
     r"(reply|replies|response|responses|answer|answers|feedback|follow ?up|explanation)\b", -2.5),
    (r"\bnever (heard back|got (a|an|any) (reply|answer|response)|replied|answered|responded)", -2.5),
    (r"\bstill (waiting|no\b|not\b|isn'?t|hasn'?t|haven'?t|seeing|active|open)", -2.0),
    (r"\b(can'?t|cannot|can not|couldn'?t|unable to|no way to)\s+(even\s+)?"
     r"(log ?in|login|sign|find|read|get|follow|use|unlock|hear|see)", -2.0),
    (r"\b(doesn'?t|does not|don'?t|didn'?t|won'?t|isn'?t|never)\s+(actually\s+|even\s+)?"
     r"(work|load|fix|solve|compile|arrive|help|appear)", -2.0),
    (r"\bkeeps?\s+(crash|freez|logg|lagg|buffer|stutter|fail|break|saying)", -2.0),
    (r"\b(take|takes|took|taking)\s+(forever|ages)\b", -2.0),
    (r"\b(gave|give|giving) up\b", -1.5),
    (r"\b(way |far |much |so )?too (many|much|expensive|slow|long|basic|strict|loud|crowded|late|short)\b", -1.8),
    (r"\bfor (over )?(an hour|\d+ (min|minutes|days|weeks))", -0.5),
    (r"\bafter (two|three|four|\d+|a few|several) (days|weeks|months)\b", -1.5),
    (r"\b(\d+|two|three|four|five|several)(rd|nd|th)? times?\b", -0.5),
    (r"\b(doubled|went up|goes up|raising|raised) (the )?(price|prices|fee)?", -1.0),
    (r"\bprices? (went|go|goes) up\b", -1.5),
    (r"\b(down|broke|broken|fails?|failed|errors?|500)\b", -1.0),
    (r"\b(not|isn'?t|wasn'?t|no longer) (acceptable|helpful|worth|good|great|fun|intuitive|happy|impressed)\b", -1.5),
    (r"\bcharged twice\b|\brefund", -1.5),
    (r"\b(missed|lost|cut off|cuts off|forgotten|ignored|ignore)\b", -1.2),
    (r"\bsales pitch\b|\bmarketing\b|\badvertis", -1.0),
    (r"\bwhy (is|are|does|do|did|y)\b|\by does\b|\bhow long\b", -0.8),
    (r"\bwithout (anyone|anybody|any(one)? )?(reading|replying|looking|telling|notice|warning)", -2.0),
    (r"\bused to (be\b|love|like|enjoy)", -2.5),
    (r"\b(anymore|any more)\b", -1.0),
    (r"\bagain\b", -0.5),
    (r"\b(stuck (at|on|in)|got stuck|(is|are|keeps getting) stuck)\b", -1.5),
    (r"\bthanks for nothing\b|\bnothing to do with\b", -3.0),
    (r"\b(took|takes|take)( me)? (\d+|two|three|four|five|several|a few|many) (tries|attempts)\b", -2.0),
    (r"\b(didn'?t|did not|never) (show up|turn up|arrive|come)\b", -2.0),
    (r"\bnever again\b", -2.5),
    (r"\b(nothing|never)\b[^.!?]{0,25}\b(changes?|new|moved|happens|improves|fixed)\b", -2.0),
    (r"\band then nothing\b|\bnothing happens\b", -2.5),
    (r"\bevery (single )?time\b", -1.0),
    (r"\b(is|are) (there )?(actually |even )?any(one|body)\b"
     r"|\b(does|do|is|are) (any(one|body)|someone)\b[^?]{0,30}\b(actually|even|ever)\b", -1.5),
    (r"\b(open|waiting|broken|down) since\b|\bfor (months|weeks|ages)\b", -1.5),
    (r"\btakes? (\d+|several|a few) (seconds|minutes|secs|mins|attempts|tries)\b", -1.5),
    (r"\b(hours|days|weeks) late\b", -2.0),
    (r"\b(zero|no) results\b|\bnothing useful\b|\b(time|times|timed) out\b", -2.0),
    (r"\bgoes unanswered\b|\bgo unanswered\b", -2.0),
    (r"\bdidn'?t (sign up|ask) for\b", -2.0),
    (r"\bhad to (ask|wait|repeat|post|chase)\b|\bbefore any(one|body) (noticed|replied|answered)", -1.5),
)  # fmt: skip
# Praise said with negative words: "can't complain", "never had a problem", removing the spam.
_EN_PRAISE = _rules(
    (r"\bcan'?t complain\b|\bno complaints\b|\b(just|simply) works\b", 3.0),
    (r"\bnever had (a|any|one)( single)? (problem|issue)", 3.0),
    (r"\babove and beyond\b|\bexactly what (i|we) (needed|wanted)\b|\b(five|5) stars?\b", 2.5),
    (r"\b(nobody|no one|never)\b[^.!?]{0,30}\b(feel|felt)\b[^.!?]{0,8}\b(dumb|stupid|silly|unwelcome)", 4.0),
    (r"\b(removing|removed|cleaned up|cleaning up|deleting|deleted|banned|banning) "
     r"(the |all )?(spam|scam|bots|ads)", 3.0),
)  # fmt: skip

# Irony: praise words around a complaint ("Oh great, another update that breaks everything").
_EN_IRONY = re.compile(
    r"^(oh )?(great|wow|nice|brilliant|fantastic|yeah sure|sure,|love how|love searching)\b"
    r"|\bif you enjoy\b|\bjust what i needed\b|\bimpressive\.?$|\bvery useful\.?$|\bthanks i guess\b"
    r"|\bcool\.?$|\bthanks for the super fast\b|\bas always\b|\bexactly what everyone wanted\b",
    re.IGNORECASE,
)

# A question or a request: neutral unless it carries a complaint or strong feeling.
_EN_ASK = re.compile(
    r"\?\s*$|^(please|could|can|would|will|is|are|do|does|how|where|when|what|which|who|any|hi|hey)\b"
    r"|\b(please|could you|can you|can we|would it be|would be nice|would help|would love|would like|i'?d like"
    r"|suggestion|any chance|any plans|fyi|typo)\b",
    re.IGNORECASE,
)
_EN_CONTRAST = re.compile(r"\b(but|however|though|although)\b", re.IGNORECASE)
_EN_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# "would love to see X", "it would be great to have X" ask for X: their praise word is left out
_EN_REQUEST_LOVE = re.compile(r"\b(would|'d) (love|be (great|nice|awesome|helpful|cool|good))\b", re.IGNORECASE)
_EN_WHY = re.compile(r"\bwhy\b|\by does\b", re.IGNORECASE)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|「[^」]*」")


def _english(text: str) -> float:
    scores = _vader().polarity_scores(_EN_REQUEST_LOVE.sub(r"\1", text))
    base = _valence(scores["compound"])
    complaint = 0.0
    for sentence in _EN_SENTENCE.split(text):
        # a rule counts half in a clause before "but", in full after it (as VADER weighs words)
        parts = _EN_CONTRAST.split(sentence)
        for index, part in enumerate(parts):
            weight = 0.5 if index < len(parts) - 1 else 1.0
            complaint += weight * sum(value for pattern, value in _EN_COMPLAINTS if pattern.search(part))
    praise = sum(value for pattern, value in _EN_PRAISE if pattern.search(text))
    if praise:
        complaint = max(0.0, complaint + praise)
    emoji = _emoji(text)
    if _EN_IRONY.search(text) and (complaint < 0 or scores["neg"] > 0):
        return _normalise(-abs(base) + min(complaint, -1.0) + emoji)
    total = base + complaint + emoji
    unquoted = _QUOTED.sub("", text)
    asks_why = _EN_WHY.search(text) is not None and scores["neg"] > 0
    if text.rstrip().endswith("?") and complaint > -1.5 and abs(total) < 3.0 and not asks_why:
        return 0.0  # a question, without a complaint ("why is it so slow?" is one)
    if _EN_ASK.search(unquoted) and complaint > -1.0 and abs(total) < 2.0 and not scores["neg"]:
        return 0.0  # a request or a note, without a complaint or strong feeling
    return _normalise(total)


def _valence(compound: float, alpha: float = 15.0) -> float:
    """VADER's compound back to the sum of valences it came from."""
    compound = max(-0.9999, min(0.9999, compound))
    return compound * math.sqrt(alpha / (1 - compound * compound))


@cache
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(COMMUNITY_TERMS)
    return analyzer


# ---- Chinese --------------------------------------------------------------------------------

ZH_POSITIVE = {
    "好": 1.0, "很好": 2.0, "不错": 1.8, "挺好": 1.8, "还行": 0.8, "还可以": 0.8, "棒": 2.0, "很棒": 2.5,
    "赞": 2.0, "点赞": 2.0, "好评": 2.0, "喜欢": 2.0, "爱了": 2.5, "精彩": 2.2, "满意": 1.8,
    "感谢": 1.8, "谢谢": 1.5, "多谢": 1.5, "多亏": 1.5, "辛苦": 1.2, "给力": 2.2, "厉害": 1.8,
    "强": 1.2, "太强": 2.0, "牛": 1.8, "优秀": 2.2, "专业": 1.5, "实用": 1.8, "有用": 1.5,
    "好用": 2.0, "清楚": 1.2, "清晰": 1.2, "耐心": 1.5, "热情": 1.8, "热心": 1.8, "友好": 1.8,
    "欢迎": 1.2, "开心": 2.0, "高兴": 2.0, "收获": 1.8, "有意思": 1.8, "好玩": 1.8, "有趣": 1.8,
    "顺畅": 1.8, "顺利": 1.5, "流畅": 1.8, "丝滑": 2.0, "快多了": 2.0, "秒开": 2.0, "稳": 1.5,
    "值": 1.5, "值得": 1.8, "良心": 2.0, "公道": 1.5, "划算": 1.8, "推荐": 1.8, "安全": 1.0,
    "公正": 1.5, "坦诚": 1.5, "用心": 1.8, "详细": 1.2, "及时": 1.5, "善意": 1.8, "成就感": 1.8,
    "期待": 1.2, "最好": 2.2, "最棒": 2.5, "加油": 1.5, "支持": 1.0, "干货": 1.8, "实在": 1.2,
    "yyds": 2.5, "绝了": 1.8, "666": 2.0, "没毛病": 1.8, "没问题": 1.0, "靠谱": 2.0, "完美": 2.5,
    "舒服": 1.8, "感动": 2.0, "温暖": 2.0, "印象深刻": 1.8, "好吃": 1.5, "好快": 1.8, "太好": 2.2,
    "好的": 0.6, "快": 0.8, "坚持": 0.6, "融入": 0.8, "救回来": 1.5, "超有": 1.0, "真心": 0.8,
    "对得起": 2.0, "讲明白": 1.5, "没出过问题": 2.5, "没出问题": 2.5, "挑剔": -1.0,
    "正是我需要": 2.5, "提升": 1.5, "省心": 2.0, "没得说": 2.0, "没什么可吐槽": 2.0, "没有可吐槽": 2.0,
    # words that hold sentiment characters without a feeling ("说不好" is "can't say yet")
    "说不好": 0.0, "不好意思": 0.0, "好像": 0.0, "好几": 0.0, "好久": 0.0, "只好": 0.0, "正好": 0.0,
}  # fmt: skip
ZH_NEGATIVE = {
    "差": -2.0, "太差": -2.5, "糟糕": -2.5, "糟": -2.0, "烂": -2.5, "垃圾": -2.5, "失望": -2.5,
    "不满": -2.0, "不满意": -2.0, "不好": -1.8, "不行": -1.8, "难用": -2.2, "不好用": -2.2,
    "难": -1.0, "慢": -1.5, "太慢": -2.2, "卡": -1.8, "卡顿": -2.5, "卡死": -2.5, "很卡": -2.5,
    "闪退": -2.5, "闪推": -2.5, "崩": -2.2, "崩溃": -2.5, "挂了": -2.2, "报错": -2.0, "bug": -1.2,
    "打不开": -2.5, "用不了": -2.5, "没法用": -2.5, "登不上": -2.2, "进不去": -2.2, "收不到": -2.0,
    "加载不出来": -2.2, "跑不起来": -2.0, "编译不过": -2.0, "找不到": -1.5, "搜不到": -1.8,
    "听不清": -2.0, "转圈": -1.5, "缓冲": -1.5, "延迟": -1.5, "失败": -1.8, "错误": -1.2, "坏了": -2.0,
    "过期": -1.0, "被锁": -1.5, "贵": -1.5, "太贵": -2.5, "涨价": -2.0, "抢钱": -2.8, "扣费": -1.5,
    "不值": -2.0, "性价比太低": -2.2, "不厚道": -2.2, "广告": -1.2, "刷屏": -2.0, "骚扰": -2.2,
    "诈骗": -2.0, "垃圾私信": -2.2, "戾气": -2.0, "态度很差": -2.5, "敷衍": -2.2, "无聊": -2.0,
    "没意思": -1.8, "水": -0.5, "浪费": -2.0, "后悔": -2.2, "无语": -2.0, "服了": -1.8, "醉了": -1.8,
    "烦": -1.8, "烦死": -2.5, "气死": -2.8, "讨厌": -2.2, "离谱": -2.2, "乱七八糟": -2.0, "一团糟": -2.5,
    "困惑": -1.5, "复杂": -1.2, "麻烦": -0.8, "吵": -1.2, "吵架": -1.5, "忽视": -2.0, "忽略": -1.8,
    "不在乎": -2.0, "被嘲": -2.0, "群嘲": -2.0, "没用": -2.0, "一般般": -1.2, "不怎么样": -1.8,
    "越来越差": -2.5, "越改越": -1.5, "没人": -2.0, "没有人": -2.0, "零回复": -2.5, "没回音": -2.5,
    "石沉大海": -2.5, "没有然后": -2.0, "说不过去": -2.0, "不可接受": -2.5, "很难": -1.8,
    "太多": -1.5, "太严": -1.5, "太基础": -1.5, "太复杂": -1.8, "太长": -1.2, "又长又拖": -2.0,
    "错别字": -0.6, "折腾": -1.5, "难融入": -1.8, "圈子文化": -1.5, "营销": -1.2, "推销": -1.2,
    "禁言": -1.2, "删了": -1.0, "沉了": -1.5, "放弃": -1.5, "白写": -2.0, "错过": -1.2, "抄": -1.2,
    "取消": -1.0, "推迟": -1.2, "晚了": -1.2, "断": -1.0, "掐掉": -1.8, "跳过": -0.8, "旧": -0.6,
    "吐槽": -1.2, "坑": -1.8, "渣": -2.0, "不稳定": -2.0, "不清楚": -1.5, "没通知": -1.8,
    "错的": -1.8, "错了": -1.5, "搞坏": -2.0, "呵呵": -1.5, "行吧": -0.5,
    "空白": -1.5, "停了": -1.2, "全没了": -2.2, "丢了": -2.0, "不见了": -2.0, "消失": -1.5, "失效": -1.5,
    "尴尬": -1.5, "不玩了": -2.5, "没以前好": -2.5, "不如以前": -2.5,
}  # fmt: skip
# Words that turn what follows around ("不太满意", "没那么好"), and how much they keep of it.
ZH_NEGATORS = (
    "没什么", "不是很", "不太", "不怎么", "不够", "并不", "从来没", "从不", "没那么",
    "没有", "没", "不", "别", "未", "无",
)  # fmt: skip
ZH_DEGREE = {
    "非常": 1.5, "特别": 1.5, "超级": 1.6, "超": 1.4, "太": 1.4, "很": 1.3, "真的": 1.3, "真": 1.3,
    "十分": 1.5, "极其": 1.7, "巨": 1.5, "好": 1.2, "挺": 1.1, "蛮": 1.1, "比较": 0.9, "有点": 0.7,
    "有些": 0.7, "稍微": 0.5, "略": 0.5, "一直": 1.2, "经常": 1.3, "老是": 1.4, "总是": 1.3, "又": 1.2,
}  # fmt: skip
# Complaints said without a sentiment word: nobody answers, it does not work, still waiting.
_ZH_COMPLAINTS = _rules(
    (r"没(有)?人(回|理|管|答|看|处理|发现|在乎)", -2.5),
    (r"(一个|零)(回复|回应)(都|也)?(没有)?|没有(回复|回应|回音|答复)|没(回|回复|回应)我", -2.5),
    (r"还没(有)?(回|上传|退|解决|到|修|处理)|还是(没|有广告)|几个月了|一直没", -2.0),
    (r"(等|问|试|反馈|举报|发|提)了(一|两|三|四|五|几|好几|十|\d)+(天|周|个星期|星期|个月|次)", -1.5),
    (r"(第)?[二三四五几\d]次了", -1.0),
    (r"(还|一直)在等", -2.0),
    (r"一个(人)?都没(回|理|来|有)", -2.5),
    (r"都没(来|到|出现)", -2.0),
    (r"(天|周|星期|个月)了", -0.8),
    (r"为(什么|啥)|到底|咋", -1.0),
    (r"(都|也)没(人|有)", -1.0),
    (r"(什么|任何)(说明|解释|通知|回应|问题)都没", -2.0),
    (r"(也)?没有(任何)?(通知|解释|说明)", -1.5),
    (r"(根本|完全|基本)(没法|不|没)", -1.5),
    (r"不知道从哪", -1.5),
    (r"(什么|任何)(都|也)?没(改|变|用|解决)|没解决任何", -2.0),
    (r"再也不", -2.5),
    (r"从来(不|没)(看|回|理|管|听)", -2.0),
    (r"(好久|很久)(都)?没(有)?(新|更新|人)", -2.0),
    (r"每次(都|.{0,6}都)", -1.0),
    (r"真的有人(看|管|回|处理)|有人(看|管|回)吗", -1.5),
)  # fmt: skip
# Irony: markers that turn praise into its opposite, always (呵呵) or beside a complaint (真是太…了).
_ZH_IRONY = re.compile(r"呵呵|对对对|好家伙|才.{0,8}而已|如果你喜欢")
_ZH_IRONY_WEAK = re.compile(r"真是太.{0,4}了|真是天才|真是热闹|真厉害|谢谢啊|太贴心|^很好[，,]|^哇")
_ZH_ASK = re.compile(
    r"[吗么呢][？?]?\s*$|？\s*$|\?\s*$|^请问|请帮|能不能|能否|可不可以|可以.{0,12}吗|有没有|是否|希望|建议|想问|"
    r"哪里|在哪|什么时候|多少钱|提醒一下|就好了"
)
_ZH_CONTRAST = re.compile(r"但是|但|不过|可是|然而|就是|只是|后来|结果")
_ZH_CLAUSE = re.compile(r"[，,。.！!？?；;：:…~～\s]+")


@cache
def _zh_words() -> tuple[re.Pattern[str], dict[str, float]]:
    """Every lexicon word as one pattern, longest first, so "不错" wins over "不" + "错" and "太慢"
    over "慢" (an alternation takes the first alternative that matches)."""
    words = {**ZH_POSITIVE, **ZH_NEGATIVE}
    ordered = sorted(words, key=len, reverse=True)
    return re.compile("|".join(re.escape(word) for word in ordered)), words


def _zh_clause(clause: str) -> float:
    """Sum of the lexicon words in one clause, each turned by a negator and scaled by degree words
    in the few characters before it."""
    pattern, words = _zh_words()
    return sum(
        words[match.group()] * _zh_modifier(clause[max(0, match.start() - 4) : match.start()])
        for match in pattern.finditer(clause)
    )


def _zh_modifier(before: str) -> float:
    factor = 1.0
    for degree, scale in ZH_DEGREE.items():
        if before.endswith(degree):
            factor *= scale
            before = before[: -len(degree)]
            break
    for negator in ZH_NEGATORS:
        if before.endswith(negator):
            # "不太满意" is dissatisfied; "不差" is mildly good, not as good as "好"
            return -0.8 * factor if negator in ("不是很", "不太", "不怎么", "不够", "没那么") else -0.6 * factor
    return factor


def _chinese(text: str) -> float:
    text = simplified(text)  # the lexicon is Simplified: 體驗很差 reads as 体验很差
    lowered = text.lower()
    contrast = _ZH_CONTRAST.search(lowered)
    head, tail = (lowered[: contrast.start()], lowered[contrast.end() :]) if contrast else ("", lowered)
    words = 0.5 * sum(_zh_clause(c) for c in _ZH_CLAUSE.split(head)) + (1.5 if contrast else 1.0) * sum(
        _zh_clause(c) for c in _ZH_CLAUSE.split(tail)
    )
    complaint = sum(value for pattern, value in _ZH_COMPLAINTS if pattern.search(lowered))
    emoji = _emoji(text)
    troubled = complaint < 0 or any(value <= -1.5 and word in lowered for word, value in ZH_NEGATIVE.items())
    if _ZH_IRONY.search(lowered) or (_ZH_IRONY_WEAK.search(lowered) and troubled):
        return _normalise(-abs(words) + min(complaint, -1.0) + emoji)
    total = words + complaint + emoji
    asks_why = re.search(r"为什么|为啥|咋", lowered) is not None and (words < 0 or troubled)
    if re.search(r"[？?]\s*$", lowered) and complaint > -1.5 and abs(total) < 3.0 and not asks_why:
        return 0.0  # a question, without a complaint ("为什么又卡了？" is one)
    if _ZH_ASK.search(_QUOTED.sub("", lowered)) and complaint > -1.0 and abs(total) < 2.0:
        return 0.0  # a request or a note, without a complaint or strong feeling
    return _normalise(total)
