"""Index helpers shared by the mechanisms' sparse steps."""

import numpy as np


def where_true(mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Indices of the true elements of ``mask``, one array per axis, C order.

    The same arrays as ``np.nonzero(mask)``, found through the flat indices of
    a boolean view: numpy's N-d ``nonzero``, and ``nonzero`` of integer arrays,
    are several times slower on the (R, N, N) arrays that every step visits.
    """
    return np.unravel_index(np.flatnonzero(mask.astype(bool, copy=False)), mask.shape)


def rival_pairs(hostility: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(k, j)`` of the pairs hostile in some replication, each (P,), C order.

    Sums over rivals need only these pairs: the others add exact zeros.
    """
    return np.nonzero((hostility != 0).any(axis=0))  # faster than any on floats


def sum_into_rows(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Add each pair's values into its row: ``out[r, k] = sum_p values[r, p]``.

    Args:
        values: One value per replication and pair, (R, P).
        rows: Row k of each pair, (P,).
        n: Number of rows N.

    Returns:
        Row sums, (R, N). Each replication's terms are added one after another
        in the order of the pairs, so its sums do not depend on R; pairs whose
        value is zero change nothing.
    """
    r = len(values)
    bins = (np.arange(r)[:, None] * n + rows[None, :]).ravel()
    return np.bincount(bins, weights=values.ravel(), minlength=r * n).reshape(r, n)
