"""Mini-batches for Keras, cut from arrays one batch at a time."""

import math

import keras
import numpy as np


class ArrayBatches(keras.utils.PyDataset):
    """Serve ``(X, y[, sample_weight])`` mini-batches cut from arrays.

    Only the rows of one batch are ever copied, so ``X`` may be a read-only
    strided view (the windows of :class:`~sklstm.SlidingWindowTransformer`)
    whose full copy would not fit in memory.

    For training the stream is endless (``repeat=True``): batch ``i`` belongs
    to epoch ``first_epoch + i // steps_per_epoch``, and each epoch visits
    every row once in an order drawn from ``seed`` and the epoch number. Keras
    then keeps one iterator for the whole fit (with ``steps_per_epoch``)
    instead of building one per epoch, which on TensorFlow costs more than a
    small epoch itself. The row orders depend on nothing else, so training
    repeats without touching any global random state, and a warm start
    continues with fresh orders.

    Parameters
    ----------
    arrays : tuple of ndarray
        Arrays sharing their first axis: ``X`` of shape
        ``(n_samples, n_timesteps, n_features)``, then ``y`` and optionally
        ``sample_weight``.
    batch_size : int
        Rows per batch; the last batch of an epoch may be smaller.
    seed : int or None, default=None
        Seed of the per-epoch row orders; ``None`` keeps the row order.
    first_epoch : int, default=0
        Number of the epoch that the first batch belongs to.
    repeat : bool, default=False
        Serve epochs without end instead of one epoch.
    """

    def __init__(self, arrays, batch_size, *, seed=None, first_epoch=0, repeat=False):
        super().__init__()
        self._arrays = arrays
        self._n_samples = len(arrays[0])
        self._batch_size = min(batch_size, self._n_samples)
        self._seed = seed
        self._first_epoch = first_epoch
        self._repeat = repeat
        self._epoch, self._order = None, None

    @property
    def steps_per_epoch(self):
        """Number of batches in one epoch."""
        return math.ceil(self._n_samples / self._batch_size)

    @property
    def num_batches(self):
        return None if self._repeat else self.steps_per_epoch

    def __len__(self):
        return self.steps_per_epoch

    def _rows(self, index):
        epoch, batch = divmod(index, self.steps_per_epoch)
        start = batch * self._batch_size
        stop = min(start + self._batch_size, self._n_samples)
        if self._seed is None:
            return slice(start, stop)
        if epoch != self._epoch:
            rng = np.random.default_rng([self._seed, self._first_epoch + epoch])
            self._epoch, self._order = epoch, rng.permutation(self._n_samples)
        return self._order[start:stop]

    def __getitem__(self, index):
        rows = self._rows(index)
        return tuple(np.ascontiguousarray(a[rows]) for a in self._arrays)
