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


def test_items_are_escaped_and_numbered_on_request():
    """A list keeps its order, escapes each text, and numbers only when asked."""
    assert page.items(["a < b", "c"]) == "<ul><li>a &lt; b</li><li>c</li></ul>"
    assert page.items(["x"], numbered=True) == "<ol><li>x</li></ol>"


def test_wide_tables_scroll_inside_the_page():
    """A table sits in a box that scrolls sideways: a wide one never widens the page."""
    html = page.table(pd.DataFrame({"a": [1.0]}))
    assert html.startswith('<div class="wide">') and "<table" in html
    assert ".wide { overflow-x: auto; }" in page.render("t", [html])
