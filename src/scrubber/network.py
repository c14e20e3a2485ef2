"""The classifier's networks: small multilayer perceptrons run with numpy,
in fixed-shape blocks so that one document's scores do not depend on the
others in its batch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Rows of each product the networks take (see ``_Stack``).
BLOCK_ROWS = 16


@dataclass(frozen=True)
class _Net:
    """A ReLU network ending in a logistic unit. The input standardisation
    (``(x - mean) / scale``) is folded into the first layer at load, so it
    costs nothing per line."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]

    @classmethod
    def from_dict(cls, d: dict) -> "_Net":
        layers = [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
                  for w, b in d["layers"]]
        mean = np.asarray(d["mean"], dtype=np.float64)
        scale = np.asarray(d["scale"], dtype=np.float64)
        w0, b0 = layers[0]
        layers[0] = (w0 / scale[:, None], b0 - (mean / scale) @ w0)
        return cls(tuple((w.astype(np.float32), b.astype(np.float32)) for w, b in layers))

    def __call__(self, x: np.ndarray, bounds: np.ndarray | None = None) -> np.ndarray:
        """Scores of the rows of ``x`` (several documents' with ``bounds``)."""
        return _Stack.of([self], x.shape[1])(_blocks(x, bounds))[:, 0]


@dataclass(frozen=True)
class _Stack:
    """Networks of one shape (an ensemble's members) evaluated together:
    their first layers side by side as one product, their later layers as
    one stacked product each.

    Rows are taken in blocks of ``BLOCK_ROWS`` (``_blocks``), each
    document's first row starting a block. A BLAS rounds a row of a
    product differently depending on the product's shape: OpenBLAS's
    Haswell kernels (chosen on AMD Zen 3 and Zen 5) moved a hidden unit by
    up to 2e-5 between a page's 20 lines alone and the same lines among
    6,000, its gemv (one column) did so on every kernel tried. Here every
    product is of one block, the same shape whatever the batch, and a
    document lies in blocks of its own, so its scores are the same floats
    alone or in any batch (one product for the whole batch fails
    tests/test_classify.py on Zen 3). Before, each document went through
    each of the ten networks on its own, a few dozen numpy calls per
    document; with blocks and one stack per pass, ``Model.scores`` takes
    30.5 ms instead of 41.6 per batch of 64 pages (4,254 lines; medians of
    9 rounds on the throughput corpus, AMD Zen 3)."""

    members: int
    first: tuple[np.ndarray, np.ndarray]  # (inputs, members * hidden), (members * hidden,)
    own: np.ndarray | None  # (members, own inputs, hidden): inputs each member has of its own
    later: tuple[tuple[np.ndarray, np.ndarray], ...]  # (members, in, out), (members, 1, out)

    @classmethod
    def of(cls, nets: list[_Net], shared: int) -> "_Stack":
        """The stack of ``nets``, whose first ``shared`` inputs are the same
        for all of them (the rest, if any, each member's own)."""
        shapes = {tuple(w.shape for w, _ in net.layers) for net in nets}
        if len(shapes) != 1:
            raise ValueError("classifier model's members differ in shape; retrain it")
        firsts = [net.layers[0] for net in nets]
        own = None
        if firsts[0][0].shape[0] > shared:
            own = np.stack([w[shared:] for w, _ in firsts])
        first = (np.concatenate([w[:shared] for w, _ in firsts], axis=1),
                 np.concatenate([b for _, b in firsts]))
        later = tuple((np.stack([net.layers[i][0] for net in nets]),
                       np.stack([net.layers[i][1] for net in nets])[:, None, :])
                      for i in range(1, len(nets[0].layers)))
        return cls(len(nets), first, own, later)

    def __call__(self, blocks: "_Blocks", own: np.ndarray | None = None) -> np.ndarray:
        """Each member's score (a column) of each row of ``blocks``; ``own``
        holds, per row, each member's own inputs (rows x members x inputs)."""
        w, b = self.first
        m, c = self.members, blocks.count
        h = blocks.x @ w
        h += b
        h = h.reshape(c, BLOCK_ROWS, m, -1).transpose(0, 2, 1, 3)  # (blocks, members, rows, hidden)
        if self.own is not None:
            h += blocks.grid(own).transpose(0, 2, 1, 3) @ self.own
        for w, b in self.later:
            np.maximum(h, 0.0, out=h)
            h = h @ w
            h += b
        z = h[..., 0].transpose(0, 2, 1).reshape(c * BLOCK_ROWS, m)[blocks.rows]
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass(frozen=True)
class _Blocks:
    """Rows of several documents laid out in blocks of ``BLOCK_ROWS``, each
    document starting a block, the rest of its last block zeros."""

    rows: np.ndarray  # where each row is in the blocks' rows
    count: int  # how many blocks
    x: np.ndarray | None = None  # the features, (blocks, BLOCK_ROWS, columns)

    def grid(self, a: np.ndarray) -> np.ndarray:
        """``a`` (one entry per row) laid out as the blocks are."""
        out = np.zeros((self.count * BLOCK_ROWS,) + a.shape[1:], dtype=a.dtype)
        out[self.rows] = a
        return out.reshape((self.count, BLOCK_ROWS) + a.shape[1:])


def _blocks(x: np.ndarray, bounds: np.ndarray | None = None) -> _Blocks:
    """``x`` in blocks; with ``bounds`` (``features.bounds_of``) its rows are
    several documents'."""
    if bounds is None:
        bounds = np.array([0, len(x)])
    n = np.diff(bounds)
    per_doc = -(-n // BLOCK_ROWS)
    starts = np.concatenate(([0], np.cumsum(per_doc)[:-1])) * BLOCK_ROWS
    rows = np.repeat(starts - bounds[:-1], n) + np.arange(len(x))
    layout = _Blocks(rows, int(per_doc.sum()))
    return _Blocks(rows, layout.count, layout.grid(x.astype(np.float32, copy=False)))
