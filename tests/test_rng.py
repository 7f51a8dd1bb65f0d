"""Tests for the counter-based random numbers in sim.rng.

The draws must be a pure function of (seed, replication, step, stream,
index): reproducible, invariant to how replications are batched, well
distributed, free of correlations between neighbouring keys and silent
(no numpy overflow warnings).  Statistical tests use fixed keys, so they are
deterministic rather than flaky.
"""

import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.rng import Draws, Stream, _to_gumbel, _to_normal, _to_uniform

pytestmark = pytest.mark.filterwarnings("error")

METHODS = ("uniform", "normal", "gumbel")
MAX_KEY = 2**63 - 1
CORR_LIMIT = 0.01
N_STAT = 200_000
N_CORR = 1_000_000

# Independent scalar reference of the algorithm, in plain Python integers.
_MASK = 2**64 - 1
_GAMMA = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_IV = 0x6A09E667F3BCC909
_LANES = {"uniform": (0,), "normal": (1, 2), "gumbel": (3,)}

seeds = st.integers(0, MAX_KEY)
steps = st.integers(0, MAX_KEY)
streams = st.sampled_from(list(Stream)) | st.integers(0, 1000)
shapes = st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple)
small = settings(max_examples=40, deadline=None)


def over_any_key(**more: st.SearchStrategy) -> Callable[[Callable], Callable]:
    """Run a test for each method on 40 drawn keys (seed, step, stream, shape, more)."""

    def decorate(test: Callable) -> Callable:
        keyed = given(seed=seeds, step=steps, stream=streams, shape=shapes, **more)
        return pytest.mark.parametrize("method", METHODS)(small(keyed(test)))

    return decorate


def _ref_mix(z: int) -> int:
    """Return the SplitMix64 finaliser of z, computed with Python ints."""
    z ^= z >> 30
    z = (z * _M1) & _MASK
    z ^= z >> 27
    z = (z * _M2) & _MASK
    return z ^ (z >> 31)


def _ref_word(seed: int, rep: int, step: int, stream: int, lane: int, i: int) -> int:
    """Return the reference 64-bit word of one key and element index."""
    h = _IV
    for word in (seed, rep, step, stream, lane):
        h = _ref_mix(((h ^ word) + _GAMMA) & _MASK)
    return _ref_mix((h + i * _GAMMA) & _MASK)


def _ref_value(method: str, key: tuple[int, int, int, int], i: int) -> float:
    """Return the reference draw of one distribution for a key and index."""
    words = [_ref_word(*key[:3], key[3], lane, i) for lane in _LANES[method]]
    if method == "uniform":
        return (words[0] >> 11) * 2.0**-53
    if method == "normal":
        radius = math.sqrt(-2.0 * math.log(((words[0] >> 11) + 1) * 2.0**-53))
        return radius * math.cos(2.0 * math.pi * (words[1] >> 11) * 2.0**-53)
    u = ((words[0] >> 12) + 0.5) * 2.0**-52
    return -math.log(-math.log(u))


def _draw(method: str, seed: int, reps, step: int, stream, shape, offset=0):
    """Draw with the named method for the given key."""
    draws = Draws(seed, np.asarray(reps, dtype=np.int64), step)
    return getattr(draws, method)(stream, shape, offset=offset)


def _single(method="uniform", seed=0, rep=0, step=0, stream=1, n=1, offset=0):
    """Return n draws of one replication as a 1-D array."""
    return _draw(method, seed, [rep], step, stream, (n,), offset)[0]


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    """Return the Pearson correlation of two flattened arrays."""
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_stream_ids_are_fixed():
    """Stream ids keep their published numbers."""
    assert {s.name: int(s) for s in Stream} == {
        "ARMS_RACE": 1,
        "INCIDENTS": 2,
        "ESCALATION": 3,
        "PERCEPTION": 4,
        "SIGNALING": 5,
        "COOPERATION": 6,
        "ALLIANCES": 7,
        "INJECTS": 8,
    }


def test_pinned_values_never_change():
    """A few draws are pinned so any change to the algorithm is noticed."""
    np.testing.assert_array_equal(
        _single("uniform", 0, 0, 0, Stream.ARMS_RACE, 3),
        [0.7035479460261742, 0.9310199127467563, 0.48382486591203666],
    )
    np.testing.assert_array_equal(
        _single("uniform", MAX_KEY, MAX_KEY, MAX_KEY, Stream.INJECTS, 2, MAX_KEY - 1),
        [0.5919579876829393, 0.33041342760372405],
    )
    draws = Draws(2024, np.array([7]), 12)
    np.testing.assert_allclose(
        draws.normal(Stream.ESCALATION, (2,))[0],
        [1.1103200377387703, 0.5056660280778136],
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        draws.gumbel(Stream.SIGNALING, (2,))[0],
        [1.0710983473285693, 4.848215837715177],
        rtol=1e-13,
    )


@pytest.mark.parametrize("method", METHODS)
@small
@given(
    seed=seeds,
    rep=st.integers(0, MAX_KEY),
    step=steps,
    stream=streams,
    offset=st.integers(0, MAX_KEY - 10),
)
def test_matches_scalar_reference(method, seed, rep, step, stream, offset):
    """Vectorised draws equal the plain-integer reference implementation."""
    got = _single(method, seed, rep, step, stream, 3, offset)
    key = (seed, rep, step, int(stream))
    expected = [_ref_value(method, key, offset + i) for i in range(3)]
    if method == "uniform":
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@over_any_key()
def test_deterministic_across_calls_and_objects(method, seed, step, stream, shape):
    """The same key gives bit-identical arrays on every call and object."""
    reps = np.arange(5, 9)
    first = Draws(seed, reps, step)
    a = getattr(first, method)(stream, shape)
    b = getattr(first, method)(stream, shape)
    c = _draw(method, seed, reps.copy(), step, stream, shape)
    assert a.shape == (4, *shape) and a.dtype == np.float64
    assert np.array_equal(a, b) and np.array_equal(a, c)


@over_any_key(bounds=st.tuples(st.integers(0, 12), st.integers(0, 12)).map(sorted))
def test_chunking_invariance(method, seed, step, stream, shape, bounds):
    """A chunk of replications gets exactly the rows of the full batch."""
    lo, hi = bounds
    full = _draw(method, seed, np.arange(0, 12), step, stream, shape)
    chunk = _draw(method, seed, np.arange(lo, hi), step, stream, shape)
    assert np.array_equal(full[lo:hi], chunk)


@over_any_key(reps=st.lists(st.integers(0, 50), min_size=1, max_size=8))
def test_rows_follow_replication_ids(method, seed, step, stream, shape, reps):
    """Any order, gaps or repeats give each row its own replication's draws."""
    full = _draw(method, seed, np.arange(51), step, stream, shape)
    picked = _draw(method, seed, np.array(reps), step, stream, shape)
    assert np.array_equal(picked, full[reps])


def test_replications_in_shuffled_order():
    """Replications [7, 2, 5] get the rows of indices 7, 2 and 5."""
    full = _draw("uniform", 11, np.arange(10), 4, Stream.INCIDENTS, (3, 2))
    picked = _draw("uniform", 11, np.array([7, 2, 5]), 4, Stream.INCIDENTS, (3, 2))
    assert np.array_equal(picked, full[[7, 2, 5]])


@pytest.mark.parametrize("method", METHODS)
def test_block_tiling_is_invisible(method):
    """Batches larger than one internal block match small computations."""
    wide = _draw(method, 3, np.arange(4), 9, Stream.PERCEPTION, (40_000,))
    head = _draw(method, 3, np.arange(4), 9, Stream.PERCEPTION, (17_001,))
    tail = _draw(method, 3, np.arange(4), 9, Stream.PERCEPTION, (22_999,), 17_001)
    assert np.array_equal(wide, np.concatenate([head, tail], axis=1))
    tall = _draw(method, 3, np.arange(3_000), 9, Stream.PERCEPTION, (20,))
    for rep in (0, 819, 820, 2_999):
        row = _draw(method, 3, [rep], 9, Stream.PERCEPTION, (20,))
        assert np.array_equal(tall[rep], row[0])


@pytest.mark.parametrize("method", METHODS)
def test_offset_addresses_flat_index(method):
    """Element [r, *idx] uses index offset + flat index of idx."""
    shaped = _draw(method, 5, [1, 2], 3, Stream.ALLIANCES, (3, 4), offset=5)
    flat = _draw(method, 5, [1, 2], 3, Stream.ALLIANCES, (17,))
    assert np.array_equal(shaped.reshape(2, -1), flat[:, 5:])


@pytest.mark.parametrize("method", METHODS)
@small
@given(
    seed=st.integers(0, MAX_KEY - 1),
    rep=st.integers(0, MAX_KEY - 1),
    step=st.integers(0, MAX_KEY - 1),
    stream=st.integers(0, MAX_KEY - 1),
    offset=st.integers(0, 1000),
)
def test_every_key_word_matters(method, seed, rep, step, stream, offset):
    """Changing any one key word changes every draw."""
    base = _single(method, seed, rep, step, stream, 16, offset)
    variants = [
        _single(method, seed + 1, rep, step, stream, 16, offset),
        _single(method, seed, rep + 1, step, stream, 16, offset),
        _single(method, seed, rep, step + 1, stream, 16, offset),
        _single(method, seed, rep, step, stream + 1, 16, offset),
        _single(method, seed, rep, step, stream, 16, offset + 16),
    ]
    for other in variants:
        assert not np.any(base == other)


@pytest.mark.parametrize(
    "changed",
    [
        {"seed": 1},
        {"rep": 1},
        {"step": 1},
        {"stream": Stream.INCIDENTS},
        {"offset": N_CORR},
    ],
)
def test_neighbouring_keys_are_uncorrelated(changed):
    """One-apart seeds, replications, steps, streams and offsets: corr ~ 0."""
    key = {"seed": 0, "rep": 0, "step": 0, "stream": Stream.ARMS_RACE, "offset": 0}
    other = key | changed
    a = _single(**key, n=N_CORR)
    b = _single(**other, n=N_CORR)
    assert not np.array_equal(a, b)
    assert abs(_corr(a, b)) < CORR_LIMIT


@pytest.mark.parametrize("method", METHODS)
def test_lag_one_serial_correlation(method):
    """Consecutive indices of one replication are uncorrelated."""
    x = _single(method, 99, 3, 7, Stream.SIGNALING, N_CORR)
    assert abs(_corr(x[:-1], x[1:])) < CORR_LIMIT


def test_adjacent_replications_uncorrelated():
    """Draws of replication r and r + 1 are uncorrelated across many r."""
    x = _draw("uniform", 17, np.arange(N_CORR + 1), 5, Stream.COOPERATION, ())
    assert abs(_corr(x[:-1], x[1:])) < CORR_LIMIT


def test_adjacent_steps_and_streams_uncorrelated():
    """Step t vs t + 1 and stream s vs s + 1 are uncorrelated across many keys."""
    reps = np.arange(N_CORR // 4)
    now = Draws(23, reps, 40)
    later = Draws(23, reps, 41)
    a = now.uniform(Stream.INJECTS, (4,))
    assert abs(_corr(a, later.uniform(Stream.INJECTS, (4,)))) < CORR_LIMIT
    assert abs(_corr(a, now.uniform(Stream.ALLIANCES, (4,)))) < CORR_LIMIT


def test_distributions_use_separate_words():
    """Uniform, normal and Gumbel draws of one key are mutually uncorrelated."""
    u = _single("uniform", 8, 1, 2, Stream.ESCALATION, N_CORR)
    n = _single("normal", 8, 1, 2, Stream.ESCALATION, N_CORR)
    g = _single("gumbel", 8, 1, 2, Stream.ESCALATION, N_CORR)
    assert abs(_corr(u, n)) < CORR_LIMIT
    assert abs(_corr(u, g)) < CORR_LIMIT
    assert abs(_corr(n, g)) < CORR_LIMIT


@pytest.mark.parametrize("key", [(0, 0, 0, 1), (1, 5, 3, 2), (2**40, 123, 9, 8)])
def test_uniform_ks_and_chi_square(key):
    """Uniforms pass KS and 100-bin chi-square tests against U(0, 1)."""
    seed, rep, step, stream = key
    x = _single("uniform", seed, rep, step, stream, N_STAT)
    assert stats.kstest(x, "uniform").pvalue > 1e-3
    counts = np.bincount((x * 100).astype(np.int64), minlength=100)
    assert stats.chisquare(counts).pvalue > 1e-3


def test_uniform_across_replications_is_uniform():
    """One draw per replication over many replications is also U(0, 1)."""
    x = _draw("uniform", 4, np.arange(N_STAT), 0, Stream.INCIDENTS, ())
    assert stats.kstest(x, "uniform").pvalue > 1e-3


@pytest.mark.parametrize("key", [(0, 0, 0, 1), (7, 2, 11, 4)])
def test_normal_distribution(key):
    """Normals pass a KS test against N(0, 1) with mean ~0 and std ~1."""
    seed, rep, step, stream = key
    x = _single("normal", seed, rep, step, stream, N_STAT)
    assert stats.kstest(x, "norm").pvalue > 1e-3
    assert abs(x.mean()) < 0.01
    assert abs(x.std() - 1.0) < 0.01


@pytest.mark.parametrize("key", [(0, 0, 0, 1), (7, 2, 11, 6)])
def test_gumbel_distribution(key):
    """Gumbel draws pass a KS test against the standard Gumbel law."""
    seed, rep, step, stream = key
    x = _single("gumbel", seed, rep, step, stream, N_STAT)
    assert stats.kstest(x, "gumbel_r").pvalue > 1e-3
    assert abs(x.mean() - np.euler_gamma) < 0.01


def test_gumbel_argmax_gives_logit_choice():
    """Argmax of utility plus Gumbel noise samples the softmax probabilities."""
    utility = np.array([0.0, 1.0, -0.5, 2.0])
    noise = _draw("gumbel", 31, np.arange(N_STAT), 2, Stream.SIGNALING, (4,))
    picks = np.argmax(utility + noise, axis=1)
    freq = np.bincount(picks, minlength=4) / N_STAT
    softmax = np.exp(utility) / np.exp(utility).sum()
    np.testing.assert_allclose(freq, softmax, atol=0.005)


@pytest.mark.parametrize("method", METHODS)
@small
@given(seed=seeds, step=steps, stream=streams, rep=st.integers(0, MAX_KEY))
def test_values_stay_in_range(method, seed, step, stream, rep):
    """Uniforms lie in [0, 1); normal and Gumbel draws are finite."""
    x = _draw(method, seed, [rep, 0], step, stream, (500,))
    assert np.all(np.isfinite(x))
    if method == "uniform":
        assert np.all((x >= 0.0) & (x < 1.0))


def test_extreme_words_map_to_finite_values():
    """All-zero and all-one 64-bit words still give in-range, finite values."""
    words = np.array([0, 1, 2**11, 2**64 - 2**11, 2**64 - 1], dtype=np.uint64)
    u = _to_uniform(words)
    assert u[0] == 0.0 and np.all(u < 1.0) and u[-1] == 1.0 - 2.0**-53
    assert np.all(np.isfinite(_to_gumbel(words)))
    assert np.all(np.isfinite(_to_normal(words, words[::-1].copy())))


@pytest.mark.parametrize("method", METHODS)
def test_empty_batches_and_shapes(method):
    """No replications or a zero-sized shape give empty arrays of the right shape."""
    none = _draw(method, 1, np.array([], dtype=np.int64), 0, Stream.ARMS_RACE, (3,))
    zero = _draw(method, 1, np.arange(2), 0, Stream.ARMS_RACE, (4, 0))
    assert none.shape == (0, 3) and zero.shape == (2, 4, 0)


def test_scalar_shape_gives_one_draw_per_replication():
    """Shape () gives one draw per replication: index 0 of the vector draws."""
    one = _draw("uniform", 2, np.arange(3), 1, Stream.INJECTS, ())
    vec = _draw("uniform", 2, np.arange(3), 1, Stream.INJECTS, (2,))
    assert one.shape == (3,) and np.array_equal(one, vec[:, 0])


@pytest.mark.parametrize(
    ("seed", "reps", "step", "match"),
    [
        (-1, np.arange(3), 0, r"seed .*-1"),
        (2**63, np.arange(3), 0, r"seed .*9223372036854775808"),
        (0, np.arange(3), -5, r"step .*-5"),
        (0, np.arange(6).reshape(2, 3), 0, r"replications .*1-D.*\(2, 3\)"),
        (0, np.array([3, -2, 1]), 0, r"replications .*-2"),
    ],
)
def test_bad_keys_raise_value_error(seed, reps, step, match):
    """Negative or oversized keys and non-1-D replications raise ValueError."""
    with pytest.raises(ValueError, match=match):
        Draws(seed, reps, step)


def test_bad_draw_arguments_raise():
    """Negative stream, offset or dimension raise ValueError naming the argument."""
    draws = Draws(0, np.arange(2), 0)
    with pytest.raises(ValueError, match=r"stream .*-1"):
        draws.uniform(-1, (3,))
    with pytest.raises(ValueError, match=r"offset .*-4"):
        draws.normal(Stream.INCIDENTS, (3,), offset=-4)
    with pytest.raises(ValueError, match=r"shape .*\(3, -1\)"):
        draws.gumbel(Stream.INCIDENTS, (3, -1))


def test_non_integer_arguments_raise_type_error():
    """Float replications or a float seed raise TypeError."""
    with pytest.raises(TypeError, match=r"replications .*float64"):
        Draws(0, np.array([0.0, 1.0]), 0)
    with pytest.raises(TypeError, match="seed"):
        Draws(1.5, np.arange(2), 0)


def test_replications_are_read_only_copy():
    """The stored replication ids cannot be changed through the object."""
    reps = np.array([4, 2], dtype=np.int32)
    draws = Draws(0, reps, 0)
    reps[0] = 9
    assert draws.replications.tolist() == [4, 2]
    with pytest.raises(ValueError, match="read-only"):
        draws.replications[0] = 1


@pytest.mark.parametrize("method", METHODS)
def test_no_warnings_at_extreme_keys(method):
    """Wrapping uint64 arithmetic never emits overflow or other warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reps = np.array([0, MAX_KEY, 2**62], dtype=np.uint64)
        draws = Draws(MAX_KEY, reps, MAX_KEY)
        x = getattr(draws, method)(MAX_KEY, (1000,), offset=MAX_KEY - 1000)
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize("kind", ["uniform", "normal", "gumbel"])
def test_sparse_draws_equal_the_dense_ones_at_those_elements(kind):
    """``uniform_at`` and friends give exactly the dense draws' chosen elements."""
    draws = Draws(3, np.array([5, 9, 2, 7]), 11)
    dense = getattr(draws, kind)(Stream.ESCALATION, (17, 17, 3), offset=4)
    rows, flat = np.array([0, 3, 2, 1, 3]), np.array([0, 5, 866, 100, 865])
    sparse = getattr(draws, f"{kind}_at")(Stream.ESCALATION, rows, flat + 4)
    assert np.array_equal(sparse, dense.reshape(4, -1)[rows, flat])
