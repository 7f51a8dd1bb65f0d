"""Label placement: no two labels overlap, and each stays by its point."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from sim.plots.labels import place_labels


def _boxes(labels):
    return [label.get_window_extent() for label in labels]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.floats(2, 8), st.floats(2, 8)), min_size=2, max_size=6))
def test_labels_do_not_overlap_when_there_is_room(points):
    """Points a few label widths apart get labels that meet no other."""
    xy = np.array(points) * 10  # spread over a 100 x 100 frame
    fig = Figure(figsize=(6, 6))
    ax = fig.subplots()
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    labels = place_labels(ax, xy, [f"P{k}" for k in range(len(xy))])
    boxes = _boxes(labels)
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            assert not boxes[a].overlaps(boxes[b])


def test_crowded_labels_move_apart():
    """Two points almost on top of each other get labels on different sides."""
    fig = Figure(figsize=(4, 4))
    ax = fig.subplots()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    labels = place_labels(ax, np.array([[5.0, 5.0], [5.2, 5.0]]), ["PRK", "KOR"])
    first, second = _boxes(labels)
    assert not first.overlaps(second)
    assert [label.xy for label in labels] == [(5.0, 5.0), (5.2, 5.0)]
