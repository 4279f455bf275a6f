"""The books reports as text: CSV, an HTML table page, and aligned terminal tables.

Offline and deterministic: the HTML is one self-contained page (no scripts, no
fonts fetched), its cells escaped.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

Table = tuple[Sequence[str], Sequence[Sequence[str]]]


def to_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The rows as CSV text with a header line (``\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def to_html(title: str, tables: Sequence[tuple[str, Table]]) -> str:
    """A page with ``title`` and one captioned table per ``(caption, table)``."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif}table{border-collapse:collapse;"
        "margin-bottom:2em}td,th{border:1px solid #ccc;padding:2px 6px;"
        "text-align:right}th{background:#eee}</style>",
        f"</head><body><h1>{html.escape(title)}</h1>",
    ]
    for caption, (header, rows) in tables:
        parts.append(f"<table><caption>{html.escape(caption)}</caption><tr>")
        parts.extend(f"<th>{html.escape(h)}</th>" for h in header)
        parts.append("</tr>")
        for row in rows:
            cells = "".join(f"<td>{html.escape(c)}</td>" for c in row)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def to_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Right-aligned columns for a terminal."""
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = [" ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    for row in rows:
        lines.append(" ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    return lines
