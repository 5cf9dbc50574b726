"""Two versions of the app compared on the waits the browser phase finds hardest to move: a
dashboard page's first changes on a server that warms nothing (issue 26, item 2).

A change there is computed while a person waits, and on this two-core host one version's median
moved by 0.05-0.1 s between two runs of bench/browser.py minutes apart: more than most changes
worth trying. So this tool alternates the two versions within one run, on one Chromium and one
reference page: for each pair a new server of each version (warming off, its imports done by an
untimed visit to the lookup page), in turn A then B and B then A, each opening the page cold and
changing its period to the last 90 days and then its member filter to the first choice, as
bench/browser.py does, and the reference page rerun twice after each. It prints each version's
medians and ratios to the reference's rerun, and the median of the pairs' differences (B - A), with
how many pairs B was faster in. A version is a checkout (a git worktree) whose app serves the
bench's warehouse at --scale, or its own data directory (--a-data, --b-data: a version whose
rollup differs needs a warehouse synced by it); the reference page runs with version A's.

python -m bench.first_changes --a DIR --b DIR [--a-data DIR] [--b-data DIR] [--page members] [--pairs 6]
    [--scale large]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser

FIGURES = ("open_cold_s", "period_first_s", "filter_first_s")


def order(pair: int) -> tuple[str, str]:
    """The versions' order in pair number `pair` (from 0): A first, then B first, and so on, so
    that neither always meets the machine just after the other's server stopped."""
    return ("a", "b") if pair % 2 == 0 else ("b", "a")


def summary(samples: dict[str, dict[str, list[float]]], reference: list[float]) -> dict[str, Any]:
    """Each version's medians and their ratios to the reference's median rerun (a page's opening
    has no reference here: no ratio), and per figure the median of the pairs' differences (b - a)
    and in how many pairs b took less time (the samples paired in order)."""
    rerun = statistics.median(reference) if reference else None
    result: dict = {"reference_rerun_s": rerun}
    for version in ("a", "b"):
        medians = {name: statistics.median(values) for name, values in samples[version].items() if values}
        ratios = {
            name.removesuffix("_s"): value / rerun for name, value in medians.items() if rerun and name != "open_cold_s"
        }
        result[version] = {**medians, "ratios": ratios}
    differences = {}
    for name in FIGURES:
        pairs = list(zip(samples["a"].get(name, []), samples["b"].get(name, []), strict=True))
        if pairs:
            gaps = [b - a for a, b in pairs]
            differences[name] = {
                "median_b_minus_a_s": statistics.median(gaps),
                "b_faster": sum(gap < 0 for gap in gaps),
                "pairs": len(gaps),
            }
    result["differences"] = differences
    return result


def measure(roots: dict[str, Path], *, page: str, pairs: int, envs: dict[str, dict[str, str]]) -> dict[str, Any]:
    """`pairs` pairs of cold servers, one of each version, each with its environment (see the
    module's docstring)."""
    from playwright.sync_api import sync_playwright

    env = envs["a"]  # the reference page's
    cold = {version: {**envs[version], "PULSE_WARM_FIGURES": "false"} for version in roots}
    samples: dict[str, dict[str, list[float]]] = {version: {name: [] for name in FIGURES} for version in roots}
    reference: list[float] = []
    chosen: list[str] = []  # the member filter's first choice, then the same for both versions
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_FLAGS)
        try:
            with browser.serve(browser.REFERENCE, env) as ref:
                _visit(chromium, f"{ref}/?warm_up=1")
                for pair in range(pairs):
                    for version in order(pair):
                        with browser.serve("serve.py", cold[version], root=roots[version]) as app:
                            _visit(chromium, f"{app}/lookup")  # untimed: the server's imports done
                            for name, seconds in _first_changes(chromium, app, page, chosen).items():
                                samples[version][name].append(seconds)
                        reference.extend(_reruns(chromium, ref))
                    last = {
                        version: {name: round(values[-1], 3) for name, values in samples[version].items()}
                        for version in roots
                    }
                    print(f"  pair {pair + 1} of {pairs}: {last}", file=sys.stderr)
        finally:
            chromium.close()
    return {"page": page, "pairs": pairs, **summary(samples, reference), "samples": samples, "reference": reference}


def environments(bench_data: Path, *, a: Path | None, b: Path | None) -> dict[str, dict[str, str]]:
    """Each version's server environment: its own data directory where given, else the bench's."""
    return {"a": browser.bench_env(a or bench_data), "b": browser.bench_env(b or bench_data)}


def _visit(chromium: Browser, url: str) -> None:
    session = browser.Session(chromium)
    try:
        session.open(url)
    finally:
        session.close()


def _first_changes(chromium: Browser, app: str, page: str, chosen: list[str]) -> dict[str, float]:
    """The page opened in a new session on a cold server, its period changed, then its member
    filter (to `chosen`'s choice, or the first, which `chosen` then keeps)."""
    address, label = browser.DASHBOARDS[page]
    session = browser.Session(chromium)
    try:
        opened = session.open(app + address)[0]
        period = session.choose(*browser.PERIOD)[0]
        member_filter, _, name = session.choose(label, chosen[0] if chosen else None)
        chosen[:] = [name]
    finally:
        session.close()
    return {"open_cold_s": opened, "period_first_s": period, "filter_first_s": member_filter}


def _reruns(chromium: Browser, ref: str) -> list[float]:
    session = browser.Session(chromium)
    try:
        session.open(ref)
        return [session.choose("Period", choice)[0] for choice in browser.REFERENCE_CHOICES]
    finally:
        session.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.first_changes")
    parser.add_argument("--a", type=Path, required=True, help="a checkout of the app (version A)")
    parser.add_argument("--b", type=Path, required=True, help="another checkout (version B)")
    parser.add_argument("--page", default="members", choices=sorted(browser.DASHBOARDS))
    parser.add_argument("--pairs", type=int, default=6, help="pairs of cold servers, one of each version (1 or more)")
    parser.add_argument("--scale", default="large")
    parser.add_argument("--dir", type=Path, default=browser.ROOT / "bench" / "data")
    parser.add_argument("--a-data", type=Path, help="version A's data directory (the bench's at --scale by default)")
    parser.add_argument("--b-data", type=Path, help="version B's data directory (the bench's at --scale by default)")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error("--pairs must be 1 or more")
    roots = {"a": args.a.resolve(), "b": args.b.resolve()}
    for root in roots.values():
        if not (root / "serve.py").is_file():
            parser.error(f"{root} is not a checkout of the app (no serve.py)")
    envs = environments(args.dir / args.scale / "data", a=args.a_data, b=args.b_data)
    result = measure(roots, page=args.page, pairs=args.pairs, envs=envs)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    rerun = result["reference_rerun_s"]
    print(f"{args.page}, {args.pairs} pairs; reference rerun {rerun:.2f} s (median)")
    for version, root in roots.items():
        figures = result[version]
        shown = "  ".join(
            f"{name.removesuffix('_s')} {figures[name]:.2f} s"
            + (f" {figures['ratios'][name.removesuffix('_s')]:.1f}x" if name != "open_cold_s" else "")
            for name in FIGURES
            if name in figures
        )
        print(f"  {version.upper()} {root}: {shown}")
    for name, gap in result["differences"].items():
        print(
            f"  {name.removesuffix('_s')}: B - A {gap['median_b_minus_a_s']:+.3f} s (median of pairs), "
            f"B faster in {gap['b_faster']} of {gap['pairs']}"
        )


if __name__ == "__main__":
    main()
