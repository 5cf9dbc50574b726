"""How often the feedback sentiment and suggested theme agree with the labelled set
(tests/data/feedback_labelled.csv), per language: accuracy and each class's precision and recall.

    python scripts/feedback_accuracy.py                # the test split: the figures docs/feedback.md shows
    python scripts/feedback_accuracy.py --split dev    # the split the rules were tuned on
    python scripts/feedback_accuracy.py --split dev --misses   # and every sentence it gets wrong

Tune on dev only; the test split is for reporting (docs/feedback.md says how the set was made).
Each text is scored as the app scores it on arrival: its language by `language_of`, the label from
`sentiment_of` through `label_of`, the theme from `suggest_theme` ("no theme" is a class).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from feedback.sentiment import LABELS, label_of, language_of, sentiment_of  # noqa: E402
from feedback.themes import load_themes, suggest_theme  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "feedback_labelled.csv"
LANGUAGES = {"en": "English", "zh": "Chinese"}
NO_THEME = "(no theme)"


@dataclass(frozen=True)
class Example:
    text: str
    language: str
    sentiment: str
    theme: str  # NO_THEME when the label is empty
    split: str


@dataclass(frozen=True)
class ClassScore:
    name: str
    support: int  # labelled as this class
    predicted: int  # predicted as this class
    right: int

    @property
    def precision(self) -> float | None:
        return self.right / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.right / self.support if self.support else None


@dataclass(frozen=True)
class Score:
    """Agreement of predictions with labels over one set of examples."""

    total: int
    right: int
    classes: tuple[ClassScore, ...]
    misses: tuple[tuple[str, str, str], ...]  # (text, label, predicted)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def load(path: Path = LABELLED) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Example(row["text"], row["language"], row["sentiment"], row["theme"] or NO_THEME, row["split"])
            for row in csv.DictReader(handle)
        ]


def predicted_sentiment(text: str) -> str:
    return str(label_of(sentiment_of(text, language_of(text))))


def predicted_theme(text: str) -> str:
    return suggest_theme(text) or NO_THEME


def score(
    examples: Iterable[Example],
    *,
    label: Callable[[Example], str],
    predict: Callable[[str], str],
    classes: Iterable[str],
) -> Score:
    pairs = [(example.text, label(example), predict(example.text)) for example in examples]
    per_class = tuple(
        ClassScore(
            name,
            support=sum(wanted == name for _, wanted, _ in pairs),
            predicted=sum(got == name for _, _, got in pairs),
            right=sum(wanted == got == name for _, wanted, got in pairs),
        )
        for name in classes
    )
    misses = tuple((text, wanted, got) for text, wanted, got in pairs if wanted != got)
    return Score(total=len(pairs), right=len(pairs) - len(misses), classes=per_class, misses=misses)


def sentiment_score(examples: Iterable[Example]) -> Score:
    return score(examples, label=lambda example: example.sentiment, predict=predicted_sentiment, classes=LABELS)


def theme_score(examples: Iterable[Example]) -> Score:
    classes = (*(theme.name for theme in load_themes()), NO_THEME)
    return score(examples, label=lambda example: example.theme, predict=predicted_theme, classes=classes)


def select(examples: Iterable[Example], *, split: str, language: str) -> list[Example]:
    return [e for e in examples if e.language == language and (split == "all" or e.split == split)]


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def table(title: str, scores: dict[str, Score]) -> str:
    """A markdown table: one column per language, a row for accuracy and one per class."""
    languages = list(scores)
    lines = [
        f"| {title} | " + " | ".join(f"{LANGUAGES[lang]} (n={scores[lang].total})" for lang in languages) + " |",
        "|---|" + "---|" * len(languages),
        "| accuracy | " + " | ".join(f"**{scores[lang].accuracy:.1%}**" for lang in languages) + " |",
    ]
    for index, first in enumerate(scores[languages[0]].classes):
        cells = []
        for lang in languages:
            cls = scores[lang].classes[index]
            cells.append(f"P {_percent(cls.precision)} · R {_percent(cls.recall)} ({cls.support})")
        lines.append(f"| {first.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("test", "dev", "all"), default="test")
    parser.add_argument("--misses", action="store_true", help="list the sentences scored wrongly")
    args = parser.parse_args(argv)
    examples = load()
    for title, measure in (("sentiment", sentiment_score), ("theme", theme_score)):
        scores = {lang: measure(select(examples, split=args.split, language=lang)) for lang in LANGUAGES}
        print(f"{title}, {args.split} split (P precision, R recall, labelled count in brackets)\n")
        print(table(title, scores))
        print()
        if args.misses:
            for lang, result in scores.items():
                for text, wanted, got in result.misses:
                    print(f"  {lang} {title}: labelled {wanted}, got {got}: {text}")
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
