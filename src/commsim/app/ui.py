"""Small Solara pieces the app's views share: paragraphs and tables as plain HTML.

Solara's Markdown component loads KaTeX from a CDN for formulas; the app has none, and runs
without a network, so text and tables are written as HTML (escaped here).
"""

from __future__ import annotations

from html import escape

import pandas as pd
import solara

TABLE_STYLE = (
    "<style>.commsim-table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}"
    ".commsim-table th,.commsim-table td{padding:3px 10px;border-bottom:1px solid #e0e0e0;text-align:left;"
    "vertical-align:top}.commsim-table td.num{text-align:right;white-space:nowrap}"
    ".commsim-table th{font-weight:600;border-bottom:2px solid #bdbdbd}</style>"
)


def code(text: str) -> str:
    """``text`` as inline code (escaped)."""
    return f"<code>{escape(text)}</code>"


def table_html(df: pd.DataFrame, numeric: tuple[str, ...] = ()) -> str:
    """``df`` as an HTML table; the ``numeric`` columns right-aligned."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in df.columns)
    rows = []
    for row in df.itertuples(index=False):
        cells = "".join(f'<td class="num">{escape(str(v))}</td>' if c in numeric else f"<td>{escape(str(v))}</td>"
                        for c, v in zip(df.columns, row, strict=True))
        rows.append(f"<tr>{cells}</tr>")
    return f'{TABLE_STYLE}<table class="commsim-table"><tr>{head}</tr>{"".join(rows)}</table>'


@solara.component
def Html(html: str):
    """A block of trusted HTML (built by this package, with user text escaped)."""
    solara.HTML(tag="div", unsafe_innerHTML=html, style={"font-size": "14px", "line-height": "1.5"})


@solara.component
def Table(df: pd.DataFrame, numeric: tuple[str, ...] = ()):
    """A data frame as a plain HTML table."""
    Html(table_html(df, numeric))
