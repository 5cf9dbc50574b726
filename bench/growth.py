"""How each page's cold time grows from scale to scale: `python -m bench.growth` reads the results
each `make bench SCALE=…` kept (bench/results-<scale>.json), prints a Markdown table for
docs/performance.md and draws docs/images/growth.svg (one line a page, the 1.5 s target marked)."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

ROOT = Path(__file__).resolve().parent.parent
SCALES = ("small", "large", "xl")
CHART = ROOT / "docs" / "images" / "growth.svg"
TARGET_S = 1.5  # every page cold at xl (issue 26)


def kept(scale: str) -> dict | None:
    path = ROOT / "bench" / f"results-{scale}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def cold_times(results: dict[str, dict]) -> pd.DataFrame:
    """One row a page and scale: the scale's label (members) and the page's cold seconds."""
    rows = []
    for scale, result in results.items():
        label = f"{scale} ({result['members'] / 1e6:g}M members)"
        for page, figures in result["pages"].items():
            rows.append({"scale": label, "page": page, "cold_s": figures["cold_s"]})
    return pd.DataFrame(rows)


def table(results: dict[str, dict]) -> str:
    heads = [
        f"{scale}: {r['members'] / 1e6:g}M members, {r['rows']['activities'] / 1e6:.1f}M activities"
        for scale, r in results.items()
    ]
    lines = ["| page | " + " | ".join(heads) + " |", "|---" * (len(results) + 1) + "|"]
    pages = next(iter(results.values()))["pages"]
    for page in pages:
        cells = [f"{r['pages'][page]['cold_s']:.2f}" for r in results.values()]
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    sync_figures = (
        ("sync from CSV", "sync_s", "s"),
        ("sync's peak memory (resident: with the files it maps)", "sync_peak_mb", "MB"),
        ("sync's anonymous peak (its own memory: item 4's 2 GiB)", "sync_peak_anon_mb", "MB"),
    )
    for name, key, unit in sync_figures:
        cells = [f"{r[key]:,.0f} {unit}" if key in r else "–" for r in results.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    cells = [f"{max(p['peak_mb'] for p in r['pages'].values()):,.0f} MB" for r in results.values()]
    lines.append("| pages' peak memory | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chart(times: pd.DataFrame) -> alt.LayerChart:
    order = list(dict.fromkeys(times["scale"]))
    lines = (
        alt.Chart(times)
        .mark_line(point=True)
        .encode(
            x=alt.X("scale:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("cold_s:Q", title="cold page, seconds"),
            color=alt.Color("page:N", title="page"),
        )
    )
    marked = alt.Chart(pd.DataFrame({"y": [TARGET_S], "text": [f"target at xl: {TARGET_S} s"]}))
    target = marked.mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    label = marked.mark_text(align="left", dx=4, dy=-7, color="gray").encode(y="y:Q", x=alt.value(0), text="text:N")
    return (lines + target + label).properties(width=520, height=300, title="Cold page time as the community grows")


def main() -> None:
    results = {scale: found for scale in SCALES if (found := kept(scale)) is not None}
    if not results:
        raise SystemExit("No bench/results-<scale>.json yet: run `make bench SCALE=…` first.")
    print(table(results))
    CHART.write_text(vl_convert.vegalite_to_svg(chart(cold_times(results)).to_dict()), encoding="utf-8")
    print(f"\nDrawn: {CHART.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
