"""Index helpers: sums over pairs that do not depend on the batch."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.dynamics.indexing import (
    pair_columns,
    put_pair_columns,
    rival_pairs,
    sum_into_rows,
)


@st.composite
def hostilities(draw) -> np.ndarray:
    """(R, N, N) non-negative weights, many of them exactly zero."""
    r, n = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    return draw(
        arrays(np.float64, (r, n, n), elements=st.just(0.0) | st.floats(0.0, 1e6))
    )


@given(hostilities())
def test_row_sums_over_rival_pairs_equal_the_dense_sums(hostility):
    """Summing over the hostile pairs gives the dense row sums (up to rounding)."""
    r, n, _ = hostility.shape
    k, j = rival_pairs(hostility)
    sums = sum_into_rows(hostility[:, k, j], k, n)
    assert sums.shape == (r, n)
    np.testing.assert_allclose(sums, hostility.sum(axis=2), rtol=1e-12)


@given(hostilities(), st.data())
def test_a_replications_row_sums_do_not_depend_on_the_batch(hostility, data):
    """Replication r's sums are the same bits alone as inside any batch."""
    n = hostility.shape[1]
    r = data.draw(st.integers(0, len(hostility) - 1))
    k, j = rival_pairs(hostility)
    batch = sum_into_rows(hostility[:, k, j], k, n)
    k1, j1 = rival_pairs(hostility[r : r + 1])
    alone = sum_into_rows(hostility[r : r + 1, k1, j1], k1, n)
    np.testing.assert_array_equal(batch[r], alone[0])


@given(hostilities(), st.data())
def test_pair_columns_are_the_fancy_index_on_any_layout(hostility, data):
    """The gathered columns are ``values[:, i, j]`` bit for bit, transposed too."""
    n = hostility.shape[1]
    flat = data.draw(st.lists(st.integers(0, n * n - 1)))  # repeats allowed
    i, j = np.divmod(np.array(flat, dtype=np.intp), n)
    for values in (hostility, np.swapaxes(hostility, 1, 2)):
        np.testing.assert_array_equal(pair_columns(values, i, j), values[:, i, j])


@given(hostilities(), st.data())
def test_putting_pair_columns_is_the_fancy_assignment(hostility, data):
    """Writing columns changes exactly ``values[:, i, j]``, as assignment would."""
    r, n, _ = hostility.shape
    chosen = data.draw(st.sets(st.integers(0, n * n - 1)))
    i, j = np.divmod(np.array(sorted(chosen), dtype=np.intp), n)
    columns = np.arange(r * len(i), dtype=float).reshape(r, len(i))
    expected = hostility.copy()
    expected[:, i, j] = columns
    put_pair_columns(hostility, i, j, columns)
    np.testing.assert_array_equal(hostility, expected)
