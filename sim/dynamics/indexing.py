"""Index helpers shared by the mechanisms' sparse steps."""

import numpy as np


def where_true(mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Indices of the true elements of ``mask``, one array per axis, C order.

    The same arrays as ``np.nonzero(mask)``, found through the flat indices of
    a boolean view: numpy's N-d ``nonzero``, and ``nonzero`` of integer arrays,
    are several times slower on the (R, N, N) arrays that every step visits.
    """
    return np.unravel_index(np.flatnonzero(mask.astype(bool, copy=False)), mask.shape)
