"""One builder of self-contained HTML pages, for reports and debriefs.

The report of a results folder (:mod:`sim.report`) and the classroom's debrief
share it.

A page is a title and a list of HTML fragments made by the helpers here (a table
of a frame, a list of label to value, a figure embedded as base64 PNG, a note),
in one style, written atomically as one file that travels alone (no external
asset, so it opens offline and can be mailed or archived with the results).
"""

import base64
import html
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim import __version__
from sim.outputs import atomic_write

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.5em 0 1.5em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; }
figure { margin: 1.5em 0; } img { max-width: 100%; }
figcaption, .note { color: #555; font-size: 0.9em; }
.wide { overflow-x: auto; }
li { margin: 0.3em 0; }
@media print {
  body { max-width: none; font-size: 10pt; }
  .wide { overflow: visible; }
  table { font-size: 8pt; }
  img { max-height: 9cm; }
  h2 { break-after: avoid; }
}
"""


def escape(text: Any) -> str:
    """Text made safe to put in a page."""
    return html.escape(str(text))


def heading(text: str, level: int = 2) -> str:
    """A section heading."""
    return f"<h{level}>{escape(text)}</h{level}>"


def paragraph(text: str, *, note: bool = False) -> str:
    """A paragraph of plain text (escaped); a note is set smaller and grey."""
    css = ' class="note"' if note else ""
    return f"<p{css}>{escape(text)}</p>"


def table(frame: pd.DataFrame, *, index: bool = True, digits: int = 4) -> str:
    """A frame as an HTML table, numbers to ``digits`` significant figures.

    The table scrolls sideways inside the page when it is wider than the page,
    and is printed whole.
    """
    if frame.empty:
        return "<p><i>none</i></p>"
    html_table = frame.to_html(
        index=index, border=0, float_format=lambda x: f"{x:.{digits}g}"
    )
    return f'<div class="wide">{html_table}</div>'


def items(texts: Iterable[str], *, numbered: bool = False) -> str:
    """A bulleted (or numbered) list of plain texts (escaped)."""
    tag = "ol" if numbered else "ul"
    rows = "".join(f"<li>{escape(t)}</li>" for t in texts)
    return f"<{tag}>{rows}</{tag}>"


def key_values(rows: Mapping[str, Any]) -> str:
    """A two-column table: each label beside its value."""
    cells = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows.items()
    )
    return f"<table>{cells}</table>"


def figure(fig: Figure, caption: str = "", *, alt: str = "figure") -> str:
    """A matplotlib figure embedded as a base64 PNG, with an optional caption."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    data = base64.b64encode(buffer.getvalue()).decode()
    img = f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'
    text = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{img}{text}</figure>"


def render(title: str, parts: Iterable[str]) -> str:
    """The whole page: the title as heading, the parts, and who made it when."""
    created = datetime.now(UTC).isoformat(timespec="seconds")
    body = "\n".join(
        [
            heading(title, 1),
            *parts,
            paragraph(f"Made by wargame {__version__} on {created}.", note=True),
        ]
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def write(path: str | Path, page: str) -> None:
    """Write a page to ``path`` atomically."""
    atomic_write(Path(path), lambda tmp: tmp.write_text(page, encoding="utf-8"))
