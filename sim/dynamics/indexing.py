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


def pair_columns(values: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``values[:, i, j]``, (R, P), for an (R, N, N) array.

    The same numbers as that fancy index, gathered as columns of the
    (R, N * N) view, which is about twice as fast on a C-contiguous array.
    """
    if not values.flags.c_contiguous:
        return values[:, i, j]
    return np.take(values.reshape(len(values), -1), i * values.shape[2] + j, axis=1)


def put_pair_columns(
    values: np.ndarray, i: np.ndarray, j: np.ndarray, columns: np.ndarray
) -> None:
    """``values[:, i, j] = columns``, in place, for a C-contiguous (R, N, N) array."""
    values.reshape(len(values), -1)[:, i * values.shape[2] + j] = columns
