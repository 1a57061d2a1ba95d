"""Mini-batches for Keras, cut from arrays one batch at a time."""

import math

import keras
import numpy as np


class ArrayBatches(keras.utils.PyDataset):
    """Serve ``(X, y[, sample_weight])`` mini-batches, reshuffled every epoch.

    Only the rows of one batch are ever copied, so ``X`` may be a read-only
    strided view (the windows of :class:`~sklstm.SlidingWindowTransformer`)
    whose full copy would not fit in memory. The row order comes from ``rng``
    alone, which keeps training reproducible without touching any global
    random state.

    Parameters
    ----------
    arrays : tuple of ndarray
        Arrays sharing their first axis: ``X`` of shape
        ``(n_samples, n_timesteps, n_features)``, then ``y`` and optionally
        ``sample_weight``.
    batch_size : int
        Rows per batch; the last batch of an epoch may be smaller.
    rng : numpy.random.Generator or None
        Source of the per-epoch permutations; ``None`` keeps the row order.
    """

    def __init__(self, arrays, batch_size, rng=None):
        super().__init__()
        self._arrays = arrays
        self._n_samples = len(arrays[0])
        self._batch_size = min(batch_size, self._n_samples)
        self._rng = rng
        self._order = self._permutation()

    def _permutation(self):
        if self._rng is None:
            return None
        return self._rng.permutation(self._n_samples)

    def __len__(self):
        return math.ceil(self._n_samples / self._batch_size)

    def __getitem__(self, index):
        start = index * self._batch_size
        stop = min(start + self._batch_size, self._n_samples)
        rows = slice(start, stop) if self._order is None else self._order[start:stop]
        return tuple(np.ascontiguousarray(a[rows]) for a in self._arrays)

    def on_epoch_end(self):
        self._order = self._permutation()
