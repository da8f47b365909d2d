"""Rendering a brief's blocks as Markdown and as one self-contained HTML page.

Inline markup inside block text is limited to ``**bold**``, ```code``` and links to sibling
files ``[text](file.html)``. In HTML, figures are embedded as base64 PNG, so the page can be
mailed or opened offline as one file. Two page styles: ``"page"`` (the one-page brief: A4,
compact, the interval of a table cell on a line of its own) and ``"annex"`` (a long document).
"""

from __future__ import annotations

import base64
import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from commsim.report.vocab import Lang


@dataclass
class Block:
    """One piece of a brief: h1, h2, h3, p, table, figure or ul (``cls``: a CSS class)."""

    kind: str
    text: str = ""
    key: str | None = None
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    path: Path | None = None
    small: bool = False
    cls: str = ""


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block], folder: Path) -> str:
    """Markdown; figures are linked relative to ``folder`` (where brief.md is written)."""
    out: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            out.append(f"# {b.text}")
        elif b.kind == "h2":
            out.append(f"## {b.text}")
        elif b.kind == "h3":
            out.append(f"### {b.text}")
        elif b.kind == "p":
            out.append(f"<small>{b.text}</small>" if b.small else b.text)
        elif b.kind == "ul":
            out.append("\n".join(f"- {item}" for item in b.items))
        elif b.kind == "table":
            lines = ["| " + " | ".join(_md_cell(c) for c in b.header) + " |",
                     "|" + "|".join(["---"] + ["---:"] * (len(b.header) - 1)) + "|"]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("\n".join(lines))
        elif b.kind == "figure" and b.path is not None:
            rel = Path(os.path.relpath(b.path, folder)).as_posix()
            out.append(f"![{b.text}]({rel})\n\n*{b.text}*")
    return "\n\n".join(out) + "\n"


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"\[([^\]]+)\]\(([\w.-]+\.html)\)", r'<a href="\2">\1</a>', text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


#: a table cell "change [low, high]" or "change (fixed)": the part after the number
_CELL_TAIL = re.compile(r"^(.*?)\s+(\[[^\]]*\]|\(fixed\)|（固定）)$")


def _cell(text: str, compact: bool) -> str:
    """A table cell; on the one-page brief the interval goes on a second, smaller line."""
    found = _CELL_TAIL.match(text) if compact else None
    if found is None:
        return _inline(text)
    return f'{_inline(found.group(1))}<br><span class="ci">{_inline(found.group(2))}</span>'


ANNEX_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC",
  "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif; max-width: 48rem; margin: 2rem auto;
  padding: 0 1rem; color: #1a1a1a; line-height: 1.55; font-size: 15px; }
h1 { font-size: 1.45rem; line-height: 1.3; margin-bottom: 0.4rem; }
h2 { font-size: 1.08rem; margin: 1.4rem 0 0.4rem; border-bottom: 1px solid #ddd; padding-bottom: 0.15rem; }
table { border-collapse: collapse; font-size: 0.82rem; width: 100%; margin: 0.4rem 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.3rem 0.45rem; vertical-align: top; }
th { text-align: left; background: #f5f5f5; font-weight: 600; }
td:not(:first-child) { text-align: right; white-space: nowrap; }
tr:first-child td { background: #fafafa; }
figure { margin: 0.8rem 0; } figure img { width: 100%; height: auto; border: 1px solid #eee; }
figcaption, small, .small { font-size: 0.8rem; color: #555; }
code { font-size: 0.85em; background: #f3f3f3; padding: 0 0.2em; }
h3 { font-size: 0.95rem; margin: 1rem 0 0.2rem; }
@page { size: A4; margin: 14mm; }
@media print { body { margin: 0; max-width: none; font-size: 10pt; } figure, table { break-inside: avoid; } }
"""

#: the one-page brief: A4 with 10 mm margins; sized so that it prints on one page (a test prints
#: it with chromium and counts the pages)
PAGE_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC",
  "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif; max-width: 52rem; margin: 1.5rem auto;
  padding: 0 1rem; color: #1a1a1a; line-height: 1.4; font-size: 14px; }
h1 { font-size: 1.4em; line-height: 1.25; margin: 0 0 0.2em; }
h2 { font-size: 1.1em; margin: 0.6em 0 0.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.1em; }
p { margin: 0.25em 0; }
ul.answer { margin: 0.2em 0; padding-left: 1.2em; } ul.answer li { margin: 0.15em 0; }
table { border-collapse: collapse; font-size: 0.85em; width: 100%; margin: 0.3em 0; line-height: 1.2; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.15em 0.35em; vertical-align: top; }
th { text-align: left; background: #f5f5f5; font-weight: 600; font-size: 0.92em; }
td:not(:first-child) { text-align: right; white-space: nowrap; }
tr:first-child td { background: #fafafa; }
.ci { font-size: 0.86em; color: #666; }
figure { margin: 0.3em 0; text-align: center; }
figure img { max-width: 100%; max-height: 80mm; width: auto; height: auto; }
figcaption, small, .small { font-size: 0.88em; color: #555; text-align: left; }
code { font-size: 0.9em; background: #f3f3f3; padding: 0 0.2em; }
@page { size: A4; margin: 10mm; }
@media print { body { margin: 0; max-width: none; padding: 0; font-size: 8.4pt; }
  figure img { max-height: 56mm; } }
"""
STYLES = {"annex": ANNEX_CSS, "page": PAGE_CSS}


def to_html(blocks: list[Block], lang: Lang, style: str = "annex") -> str:
    """One self-contained HTML page (inline CSS, figures as data URIs); ``style``: "page" or "annex"."""
    title = next((b.text for b in blocks if b.kind == "h1"), "commsim brief")
    compact = style == "page"
    body: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            body.append(f"<h1>{_inline(b.text)}</h1>")
        elif b.kind == "h2":
            body.append(f'<h2 id="{b.key or ""}">{_inline(b.text)}</h2>')
        elif b.kind == "h3":
            body.append(f"<h3>{_inline(b.text)}</h3>")
        elif b.kind == "p":
            body.append(f'<p class="small">{_inline(b.text)}</p>' if b.small else f"<p>{_inline(b.text)}</p>")
        elif b.kind == "ul":
            cls = f' class="{b.cls}"' if b.cls else ""
            body.append(f"<ul{cls}>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "table":
            head = "".join(f"<th>{_inline(c)}</th>" for c in b.header)
            rows = "".join("<tr>" + "".join(f"<td>{_cell(c, compact)}</td>" for c in row) + "</tr>" for row in b.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif b.kind == "figure" and b.path is not None:
            data = base64.b64encode(Path(b.path).read_bytes()).decode("ascii")
            alt = html.escape(b.text)
            body.append(f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">'
                        f"<figcaption>{_inline(b.text)}</figcaption></figure>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLES[style]}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")
