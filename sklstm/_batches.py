"""Mini-batches for Keras, cut from arrays in the order sklstm shuffles them.

:class:`ArrayBatches` copies one batch at a time and serves every backend;
on TensorFlow, :func:`tensorflow_batches` serves the same batches from a
``tf.data`` pipeline when the arrays fit in memory, which calls Python once
per epoch instead of once per batch.
"""

import math

import keras
import numpy as np

# Bytes of the arrays that tensorflow_batches copies into tensors at most;
# larger ones are served by ArrayBatches, one batch at a time.
_MAX_IN_MEMORY = 64 * 2**20


def epoch_order(seed, epoch, n_samples):
    """The order in which epoch number ``epoch`` visits ``n_samples`` rows.

    Parameters
    ----------
    seed : int
        Seed of the per-epoch row orders.
    epoch : int
        Number of the epoch, counted across warm starts.
    n_samples : int
        Number of rows.

    Returns
    -------
    order : ndarray of shape (n_samples,)
        A permutation of ``range(n_samples)``.
    """
    return np.random.default_rng([seed, epoch]).permutation(n_samples)


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
            order = epoch_order(self._seed, self._first_epoch + epoch, self._n_samples)
            self._epoch, self._order = epoch, order
        return self._order[start:stop]

    def __getitem__(self, index):
        rows = self._rows(index)
        return tuple(np.ascontiguousarray(a[rows]) for a in self._arrays)


def tensorflow_batches(arrays, batch_size, *, seed=None, first_epoch=0, repeat=False):
    """The batches of :class:`ArrayBatches`, as a ``tf.data.Dataset``.

    The arrays are copied into tensors once, and each batch is gathered from
    them inside TensorFlow, where ``ArrayBatches`` costs a Python call (run
    by ``tf.data.Dataset.from_generator``) and a copy per batch. With
    ``seed``, each epoch's row order is drawn by :func:`epoch_order`, the
    one Python call of an epoch, so both serve the same batches in the same
    order and training gives the same results.

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

    Returns
    -------
    dataset : tf.data.Dataset or None
        Tuples of tensors of shapes ``(batch_rows, ...)``; None when the
        backend is not TensorFlow or the arrays hold more than
        ``_MAX_IN_MEMORY`` bytes (``X`` may be a strided view whose copy is
        much larger than the view).
    """
    if keras.backend.backend() != "tensorflow":
        return None
    if sum(a.size * a.itemsize for a in arrays) > _MAX_IN_MEMORY:
        return None
    import tensorflow as tf

    n_samples = len(arrays[0])
    batch_size = min(batch_size, n_samples)
    steps = math.ceil(n_samples / batch_size)
    tensors = tuple(tf.constant(np.ascontiguousarray(a)) for a in arrays)

    def epoch_batches(order):
        def batch(index):
            start = index * batch_size
            rows = order[start : tf.minimum(start + batch_size, n_samples)]
            return tuple(tf.gather(t, rows) for t in tensors)

        return tf.data.Dataset.range(steps).map(batch)

    def draw(epoch):
        if seed is None:
            return tf.range(n_samples, dtype=tf.int64)
        order = tf.numpy_function(
            lambda e: epoch_order(seed, int(e), n_samples),
            [epoch],
            tf.int64,
            stateful=False,
        )
        order.set_shape([n_samples])
        return order

    dataset = tf.data.Dataset.counter(first_epoch)
    if not repeat:
        dataset = dataset.take(1)
    dataset = dataset.map(draw).flat_map(epoch_batches)
    if not repeat:
        # Keras reads the length of an epoch from a finite dataset, which
        # flat_map hides.
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(steps))
    return dataset.prefetch(tf.data.AUTOTUNE)
