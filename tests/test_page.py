"""The HTML page builder: escaping, tables, embedded figures, one file."""

import base64

import pandas as pd
from matplotlib.figure import Figure

from sim import page


def test_page_escapes_text_and_names_the_version():
    """Titles and text are escaped; the page says what made it."""
    text = page.render("a <b> & c", [page.paragraph("x < y")])
    assert "<title>a &lt;b&gt; &amp; c</title>" in text
    assert "<p>x &lt; y</p>" in text
    assert "Made by wargame" in text


def test_empty_table_says_none():
    """A frame without rows shows 'none' instead of an empty grid."""
    assert "none" in page.table(pd.DataFrame())


def test_figure_is_embedded_as_png():
    """A figure travels inside the page as a base64 PNG."""
    fig = Figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    html = page.figure(fig, "a caption")
    data = html.split("base64,", 1)[1].split('"', 1)[0]
    assert base64.b64decode(data).startswith(b"\x89PNG")
    assert "<figcaption>a caption</figcaption>" in html


def test_write_leaves_one_whole_file(tmp_path):
    """Writing leaves the page and no temporary file behind."""
    page.write(tmp_path / "p.html", page.render("t", []))
    assert [p.name for p in tmp_path.iterdir()] == ["p.html"]
