"""Labels that do not overlap: greedy placement around the points they name.

Each label tries, in order, positions around its point (above, below, right,
left, the four diagonals, then the same twice as far) and takes the first whose
box on the page meets no label placed before it and no other labelled point and
stays inside the axes; if every position collides it takes the one that
overlaps least. Labels are placed
in the order given, so the most important go first. Boxes are measured on the
drawn figure, so the placement fits the figure's size and font.
"""

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

OFFSETS = (
    (0, 1),
    (0, -1),
    (1, 0),
    (-1, 0),
    (1, 1),
    (-1, 1),
    (1, -1),
    (-1, -1),
)
"""Directions tried around a point, in order."""
PAD = 1.5
"""Free space kept around a label, typographic points."""
ALIGN = {-1: ("right", "top"), 0: ("center", "center"), 1: ("left", "bottom")}
"""Text alignment that puts a label on the side of its offset."""


def place_labels(
    ax: Axes,
    xy: np.ndarray,
    texts: Sequence[str],
    *,
    distance: float = 5.0,
    marker_radius: float = 4.0,
    **text_options,
) -> list[Annotation]:
    """Annotate each point with its text where it overlaps nothing else.

    Args:
        ax: Axes whose limits are already set (data coordinates).
        xy: Points in data coordinates, shape (P, 2).
        texts: One label per point.
        distance: Offset of a label from its point, typographic points.
        marker_radius: Half-size of the box kept free around every point,
            typographic points.
        **text_options: Passed to :meth:`Axes.annotate` (fontsize, colour...).

    Returns:
        The annotations, in the order of ``texts``.
    """
    figure = ax.figure
    figure.draw_without_rendering()  # settle the layout before measuring
    to_pixels = figure.dpi / 72.0
    centres = ax.transData.transform(np.asarray(xy, dtype=float))  # (P, 2)
    half = marker_radius * to_pixels
    markers = [Bbox.from_extents(*(c - half), *(c + half)) for c in centres]
    frame = ax.get_window_extent()
    placed: list[Bbox] = []
    labels = []
    for k, (point, text) in enumerate(zip(xy, texts, strict=True)):
        others = placed + markers[:k] + markers[k + 1 :]
        best, best_overlap = None, np.inf
        for scale in (1, 2.2, 3.5):
            for dx, dy in OFFSETS:
                label = _annotate(
                    ax, point, text, dx, dy, scale * distance, text_options
                )
                label.set_in_layout(False)  # the layout must not move the axes
                box = label.get_window_extent().padded(PAD * to_pixels)
                outside = box.width * box.height - _overlap(box, frame)
                overlap = outside + sum(_overlap(box, other) for other in others)
                if overlap < best_overlap:
                    if best is not None:
                        best[0].remove()
                    best, best_overlap = (label, box), overlap
                else:
                    label.remove()
                if best_overlap == 0:
                    break
            if best_overlap == 0:
                break
        labels.append(best[0])
        placed.append(best[1])
    return labels


def _annotate(
    ax: Axes, point, text: str, dx: int, dy: int, distance: float, options: dict
) -> Annotation:
    horizontal, _ = ALIGN[dx]
    _, vertical = ALIGN[dy]
    norm = np.hypot(dx, dy)
    return ax.annotate(
        text,
        tuple(point),
        xytext=(distance * dx / norm, distance * dy / norm),
        textcoords="offset points",
        ha=horizontal,
        va=vertical,
        annotation_clip=False,
        **options,
    )


def _overlap(a: Bbox, b: Bbox) -> float:
    """Area (pixels squared) shared by two boxes."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0.0) * max(height, 0.0)
