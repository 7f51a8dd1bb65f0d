"""Counter-based random numbers for reproducible batched replications.

Every random number the simulation uses is a pure function of the key
``(seed, replication, step, stream, index)``: no generator state is carried
between calls, so replication ``r`` sees exactly the same numbers whether it
is computed alone, in a batch of ten thousand, in another chunk or order, or
in another process.  This is the counter-based approach of Salmon, Moraes,
Dror and Shaw (2011), "Parallel random numbers: as easy as 1, 2, 3" (SC'11).

The bijective mixing function is the SplitMix64 finaliser (Stafford's
"Mix13" variant of the MurmurHash3 64-bit finaliser) from Steele, Lea and
Flood (2014), "Fast splittable pseudorandom number generators" (OOPSLA'14).
The key words ``seed``, ``replication``, ``step``, ``stream`` and a private
distribution lane are chained through the mixer one at a time, which gives a
well-mixed 64-bit row key per replication.  The element index then advances
a Weyl sequence from that row key, and each Weyl state is mixed once more,
exactly as SplitMix64 produces its outputs.  Everything is vectorised on
numpy ``uint64`` arrays, whose arithmetic wraps modulo ``2**64`` without
warnings (only numpy *scalar* arithmetic warns, and none is used here).
"""

import enum
import operator
from collections.abc import Callable, Iterator

import numpy as np

__all__ = ["Draws", "Stream"]

_U64 = np.uint64
_MAX_KEY = 2**63
"""Exclusive upper bound on ``seed``, ``step``, ``stream`` and replication ids."""

_GOLDEN_GAMMA = _U64(0x9E3779B97F4A7C15)
"""SplitMix64 Weyl increment: odd, so ``index -> index * gamma`` is bijective."""

_MIX_M1 = _U64(0xBF58476D1CE4E5B9)
_MIX_M2 = _U64(0x94D049BB133111EB)
_CHAIN_IV = _U64(0x6A09E667F3BCC909)
"""Chain initial value: first 64 bits of the fractional part of sqrt(2)."""

_TWO_POW_M53 = 2.0**-53
_TWO_POW_M52 = 2.0**-52
_TWO_PI = 2.0 * np.pi

_BLOCK_ELEMENTS = 1 << 14
"""Elements hashed per block, so that temporaries stay in the CPU cache."""


class Stream(enum.IntEnum):
    """Named, fixed stream ids: one per consumer of randomness, never renumbered.

    Which engine step draws which distribution from a stream, and at which
    element indices, is declared by the step (``randoms``, see
    :class:`sim.step.RandomUse`); a step cannot draw what it did not declare.
    """

    ARMS_RACE = 1
    INCIDENTS = 2
    ESCALATION = 3
    PERCEPTION = 4
    SIGNALING = 5
    COOPERATION = 6
    ALLIANCES = 7
    INJECTS = 8


class _Lane(enum.IntEnum):
    """Private sub-streams that keep each distribution's raw words disjoint."""

    UNIFORM = 0
    NORMAL_RADIUS = 1
    NORMAL_ANGLE = 2
    GUMBEL = 3


def _mix64(z: np.ndarray) -> np.ndarray:
    """Apply the SplitMix64 / Stafford Mix13 finaliser in place.

    Args:
        z: ``uint64`` array, overwritten with its mixed value.

    Returns:
        The same array ``z``, for chaining.

    """
    t = np.right_shift(z, 30)
    z ^= t
    z *= _MIX_M1
    np.right_shift(z, 27, out=t)
    z ^= t
    z *= _MIX_M2
    np.right_shift(z, 31, out=t)
    z ^= t
    return z


def _chain(h: np.ndarray, word: np.ndarray | int) -> np.ndarray:
    """Absorb one key word into the chained row keys.

    ``(h ^ word) + gamma`` followed by the bijective mixer is itself a
    bijection of ``word`` for a fixed ``h``, so two keys that differ in any
    single word never map to the same row key.

    Args:
        h: ``uint64`` array of current row keys (not modified).
        word: Key word, a ``uint64`` array broadcastable to ``h`` or an int.

    Returns:
        New ``uint64`` array of row keys.

    """
    if isinstance(word, int):
        word = _U64(word)
    z = np.bitwise_xor(h, word)
    z += _GOLDEN_GAMMA
    return _mix64(z)


def _check_key(name: str, value: object) -> int:
    """Validate a scalar key word.

    Args:
        name: Argument name, quoted in error messages.
        value: Candidate integer.

    Returns:
        ``value`` as a Python int.

    Raises:
        TypeError: If ``value`` is not an integer.
        ValueError: If ``value`` is negative or not below ``2**63``.

    """
    try:
        number = operator.index(value)
    except TypeError:
        msg = f"{name} must be an integer, got {value!r}"
        raise TypeError(msg) from None
    if not 0 <= number < _MAX_KEY:
        msg = f"{name} must be in [0, 2**63), got {number}"
        raise ValueError(msg)
    return number


def _check_replications(replications: np.ndarray) -> np.ndarray:
    """Validate replication indices and return them as ``uint64``.

    Args:
        replications: 1-D array of non-negative integer replication indices.

    Returns:
        A new ``uint64`` array with the same values.

    Raises:
        TypeError: If the array does not hold integers.
        ValueError: If the array is not 1-D or holds a negative index.

    """
    reps = np.asarray(replications)
    if reps.ndim != 1:
        msg = f"replications must be a 1-D array, got shape {reps.shape}"
        raise ValueError(msg)
    if reps.size == 0:
        return np.zeros(0, dtype=_U64)
    if reps.dtype.kind not in "iu":
        msg = f"replications must hold integers, got dtype {reps.dtype}"
        raise TypeError(msg)
    low, high = int(reps.min()), int(reps.max())
    if low < 0:
        msg = f"replications must be non-negative, got index {low}"
        raise ValueError(msg)
    if high >= _MAX_KEY:
        msg = f"replications must be below 2**63, got index {high}"
        raise ValueError(msg)
    return reps.astype(_U64)


def _check_shape(shape: tuple[int, ...] | int) -> tuple[int, ...]:
    """Normalise and validate a per-replication output shape.

    Args:
        shape: Tuple of non-negative ints (a bare int means ``(shape,)``).

    Returns:
        The shape as a tuple of Python ints.

    Raises:
        ValueError: If any dimension is negative.

    """
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    dims = tuple(operator.index(d) for d in dims)
    if any(d < 0 for d in dims):
        msg = f"shape must have non-negative dimensions, got {dims}"
        raise ValueError(msg)
    return dims


def _blocks(rows: int, cols: int) -> Iterator[tuple[slice, int, int]]:
    """Tile a ``rows x cols`` array into cache-sized blocks.

    Args:
        rows: Number of rows (replications).
        cols: Number of columns (elements per replication).

    Yields:
        ``(row_slice, col_start, col_stop)`` for each block.

    """
    if rows == 0 or cols == 0:
        return
    col_step = min(cols, _BLOCK_ELEMENTS)
    row_step = max(1, _BLOCK_ELEMENTS // col_step)
    for r0 in range(0, rows, row_step):
        for c0 in range(0, cols, col_step):
            yield slice(r0, r0 + row_step), c0, min(c0 + col_step, cols)


def _words(row_key: np.ndarray, weyl: np.ndarray) -> np.ndarray:
    """Hash one block of counters into uniformly distributed 64-bit words.

    Args:
        row_key: ``uint64`` row keys of the block, shape ``(rows,)``.
        weyl: ``uint64`` Weyl offsets ``index * gamma``, shape ``(cols,)``.

    Returns:
        ``uint64`` array of shape ``(rows, cols)``.

    """
    return _mix64(np.add(row_key[:, None], weyl[None, :]))


def _unit_closed_open(words: np.ndarray) -> np.ndarray:
    """Map 64-bit words to floats on ``[0, 1)`` with 53-bit resolution."""
    u = np.right_shift(words, 11).astype(np.float64)
    u *= _TWO_POW_M53
    return u


def _unit_open_closed(words: np.ndarray) -> np.ndarray:
    """Map 64-bit words to floats on ``(0, 1]`` with 53-bit resolution."""
    k = np.right_shift(words, 11)
    k += _U64(1)
    u = k.astype(np.float64)
    u *= _TWO_POW_M53
    return u


def _unit_open_open(words: np.ndarray) -> np.ndarray:
    """Map 64-bit words to floats on ``(0, 1)``, midpoints of 2**52 bins.

    Both end values ``2**-53`` and ``1 - 2**-53`` are exact in float64.
    """
    u = np.right_shift(words, 12).astype(np.float64)
    u += 0.5
    u *= _TWO_POW_M52
    return u


def _to_uniform(words: np.ndarray) -> np.ndarray:
    """Transform one word per element into ``U[0, 1)``."""
    return _unit_closed_open(words)


def _to_normal(radius_words: np.ndarray, angle_words: np.ndarray) -> np.ndarray:
    """Transform two words per element into N(0, 1) by Box-Muller (cosine).

    Args:
        radius_words: Words for the radius uniform, mapped to ``(0, 1]``.
        angle_words: Words for the angle uniform, mapped to ``[0, 1)``.

    Returns:
        Finite standard normal float64 array.

    """
    radius = np.log(_unit_open_closed(radius_words))
    radius *= -2.0
    np.sqrt(radius, out=radius)
    angle = _unit_closed_open(angle_words)
    angle *= _TWO_PI
    np.cos(angle, out=angle)
    radius *= angle
    return radius


def _to_gumbel(words: np.ndarray) -> np.ndarray:
    """Transform one word per element into standard Gumbel ``-log(-log(u))``."""
    g = np.log(_unit_open_open(words))
    np.negative(g, out=g)
    np.log(g, out=g)
    np.negative(g, out=g)
    return g


class Draws:
    """The random numbers of one step for a block of replications.

    Row ``r`` of every array returned depends only on ``seed``,
    ``replications[r]``, ``step``, the stream and the element index, so any
    partition of replications into blocks yields identical numbers.

    Attributes:
        seed: Experiment seed.
        step: Simulation step.
        replications: Read-only ``int64`` copy of the replication indices.

    """

    def __init__(self, seed: int, replications: np.ndarray, step: int) -> None:
        """Key the draws of one step.

        Args:
            seed: Experiment seed, ``0 <= seed < 2**63``.
            replications: 1-D integer array of replication indices, shape
                ``(R,)``, each in ``[0, 2**63)``; order and gaps are allowed.
            step: Simulation step, ``0 <= step < 2**63``.

        Raises:
            TypeError: If an argument is not an integer (array).
            ValueError: If ``seed``, ``step`` or a replication index is
                negative or too large, or ``replications`` is not 1-D.

        """
        self.seed = _check_key("seed", seed)
        self.step = _check_key("step", step)
        reps = _check_replications(replications)
        self.replications = reps.astype(np.int64)
        self.replications.flags.writeable = False
        row_key = np.full(reps.shape, _CHAIN_IV, dtype=_U64)
        row_key = _chain(row_key, self.seed)
        row_key = _chain(row_key, reps)
        self._step_key = _chain(row_key, self.step)
        self._lane_keys: dict[tuple[int, int], np.ndarray] = {}

    def __repr__(self) -> str:
        """Return a short description of the key."""
        return (
            f"Draws(seed={self.seed}, step={self.step}, "
            f"replications=<{self.replications.size} ids>)"
        )

    def uniform(
        self, stream: Stream | int, shape: tuple[int, ...], *, offset: int = 0
    ) -> np.ndarray:
        """Draw uniforms on the half-open interval ``[0, 1)``.

        Args:
            stream: Stream id of the consumer (see :class:`Stream`).
            shape: Per-replication shape of the draws.
            offset: Index of the first element; element ``[r, *idx]`` uses
                index ``offset + flat index of idx in shape``.

        Returns:
            float64 array of shape ``(R, *shape)`` with 53-bit resolution.

        Raises:
            ValueError: If ``stream``, ``offset`` or ``shape`` is invalid.

        """
        return self._generate(stream, shape, offset, (_Lane.UNIFORM,), _to_uniform)

    def normal(
        self, stream: Stream | int, shape: tuple[int, ...], *, offset: int = 0
    ) -> np.ndarray:
        """Draw standard normal variates (Box-Muller, two words per element).

        Args:
            stream: Stream id of the consumer (see :class:`Stream`).
            shape: Per-replication shape of the draws.
            offset: Index of the first element, as in :meth:`uniform`.

        Returns:
            Finite float64 array of shape ``(R, *shape)``.

        Raises:
            ValueError: If ``stream``, ``offset`` or ``shape`` is invalid.

        """
        lanes = (_Lane.NORMAL_RADIUS, _Lane.NORMAL_ANGLE)
        return self._generate(stream, shape, offset, lanes, _to_normal)

    def gumbel(
        self, stream: Stream | int, shape: tuple[int, ...], *, offset: int = 0
    ) -> np.ndarray:
        """Draw standard Gumbel variates ``-log(-log(u))``, ``u`` in ``(0, 1)``.

        Adding these to utilities and taking the argmax samples a logit
        (quantal response) choice.

        Args:
            stream: Stream id of the consumer (see :class:`Stream`).
            shape: Per-replication shape of the draws.
            offset: Index of the first element, as in :meth:`uniform`.

        Returns:
            Finite float64 array of shape ``(R, *shape)``.

        Raises:
            ValueError: If ``stream``, ``offset`` or ``shape`` is invalid.

        """
        return self._generate(stream, shape, offset, (_Lane.GUMBEL,), _to_gumbel)

    def uniform_at(
        self, stream: Stream | int, rows: np.ndarray, index: np.ndarray
    ) -> np.ndarray:
        """The uniforms of :meth:`uniform` at chosen elements only.

        For sparse consumers (say, the few dyads in a crisis): element ``k`` is
        exactly ``uniform(stream, shape, offset=o)[rows[k]].flat[index[k] - o]``,
        for any shape and offset that reach that element.

        Args:
            stream: Stream id of the consumer (see :class:`Stream`).
            rows: Positions in ``replications`` (0 .. R-1), integer array.
            index: Element indices (offset included), integer array of the
                same shape as ``rows``.

        Returns:
            float64 array of the shape of ``rows``.

        Raises:
            ValueError: If ``stream`` is invalid or an index is negative.
        """
        return self._generate_at(stream, rows, index, (_Lane.UNIFORM,), _to_uniform)

    def normal_at(
        self, stream: Stream | int, rows: np.ndarray, index: np.ndarray
    ) -> np.ndarray:
        """The normals of :meth:`normal` at chosen elements (see :meth:`uniform_at`)."""
        lanes = (_Lane.NORMAL_RADIUS, _Lane.NORMAL_ANGLE)
        return self._generate_at(stream, rows, index, lanes, _to_normal)

    def gumbel_at(
        self, stream: Stream | int, rows: np.ndarray, index: np.ndarray
    ) -> np.ndarray:
        """The Gumbels of :meth:`gumbel` at chosen elements (see :meth:`uniform_at`)."""
        return self._generate_at(stream, rows, index, (_Lane.GUMBEL,), _to_gumbel)

    def _lane_key(self, stream_id: int, lane: _Lane) -> np.ndarray:
        """Row keys of one lane of one stream, (R,) ``uint64``, kept for the step.

        A step draws from the same few lanes hundreds of times (a crisis path
        event by event), so each lane's keys are chained once.
        """
        key = (stream_id, int(lane))
        if key not in self._lane_keys:
            stream_key = _chain(self._step_key, stream_id)
            keys = _chain(stream_key, int(lane))
            keys.flags.writeable = False
            self._lane_keys[key] = keys
        return self._lane_keys[key]

    def _generate_at(
        self,
        stream: Stream | int,
        rows: np.ndarray,
        index: np.ndarray,
        lanes: tuple[_Lane, ...],
        transform: Callable[..., np.ndarray],
    ) -> np.ndarray:
        """Hash the counters of chosen (row, index) elements, as :meth:`_generate`."""
        stream_id = _check_key("stream", stream)
        rows, index = np.broadcast_arrays(np.asarray(rows), np.asarray(index))
        if index.size == 0:
            return np.empty(rows.shape, dtype=np.float64)
        if int(index.min()) < 0:
            msg = f"index must be non-negative, got {int(index.min())}"
            raise ValueError(msg)
        lane_keys = [self._lane_key(stream_id, lane) for lane in lanes]
        flat_rows, flat_index = rows.ravel(), index.ravel().astype(_U64)
        out = np.empty(flat_rows.size, dtype=np.float64)
        for start in range(0, flat_rows.size, _BLOCK_ELEMENTS):
            block = slice(start, start + _BLOCK_ELEMENTS)
            weyl = flat_index[block] * _GOLDEN_GAMMA
            words = [_mix64(key[flat_rows[block]] + weyl) for key in lane_keys]
            out[block] = transform(*words)
        return out.reshape(rows.shape)

    def _generate(
        self,
        stream: Stream | int,
        shape: tuple[int, ...],
        offset: int,
        lanes: tuple[_Lane, ...],
        transform: Callable[..., np.ndarray],
    ) -> np.ndarray:
        """Hash counters block by block and transform them into floats.

        Args:
            stream: Stream id.
            shape: Per-replication shape.
            offset: Index of the first element.
            lanes: Private lanes, one per raw word needed per element.
            transform: Maps one word array per lane to a float64 block.

        Returns:
            float64 array of shape ``(R, *shape)``.

        Raises:
            ValueError: If ``stream``, ``offset`` or ``shape`` is invalid.

        """
        stream_id = _check_key("stream", stream)
        start = _check_key("offset", offset)
        dims = _check_shape(shape)
        rows, cols = self._step_key.size, int(np.prod(dims, dtype=np.int64))
        lane_keys = [self._lane_key(stream_id, lane) for lane in lanes]
        out = np.empty((rows, cols), dtype=np.float64)
        for row_slice, c0, c1 in _blocks(rows, cols):
            weyl = np.arange(c1 - c0, dtype=_U64)
            weyl += _U64(start + c0)
            weyl *= _GOLDEN_GAMMA
            words = [_words(key[row_slice], weyl) for key in lane_keys]
            out[row_slice, c0:c1] = transform(*words)
        return out.reshape((rows, *dims))
