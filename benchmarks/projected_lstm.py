"""ProjectedLSTM: Keras's LSTM with the input projection taken out of the time loop.

The candidate layer that ``profile_lstm.py`` times against Keras's own
``LSTM`` and PyTorch's ``nn.LSTM``. Keras's ``LSTM`` runs its cell once per
time step when no fused kernel applies (every CPU on the JAX and TensorFlow
backends), and the cell multiplies that step's inputs by ``kernel`` inside
the loop. This layer multiplies the inputs of all time steps by ``kernel``
in one matrix product before the loop, as ``nn.LSTM`` does, and leaves only
the recurrent product in it. Everything else is Keras's: the weights
(``kernel``, ``recurrent_kernel``, ``bias``, same names and shapes), the
config, the dropout masks and the fused cuDNN paths, which Keras still takes
wherever they apply.

sklstm does not use it: under XLA (JAX, or TensorFlow with
``jit_compile=True``) it trains slower than Keras's layer.
"""

import keras
from keras import ops

# Keras's own time loop (masks, go_backwards, unroll) is not public API; its
# layers reach it the same way.
from keras.src.backend import rnn as _rnn


class _ProjectedLoop(keras.layers.RNN):
    """The loop Keras's LSTM falls back to, with the projection hoisted.

    ``keras.layers.LSTM.inner_loop`` first tries the backend's fused kernel
    and otherwise calls ``super().inner_loop``. Placed after Keras's LSTM in
    :class:`ProjectedLSTM`'s bases, this class is that ``super()``: the fused paths
    stay Keras's own and only the fallback changes.
    """

    def inner_loop(self, sequences, initial_state, mask, training=False):
        cell = self.cell
        projected = _input_projection(cell, sequences, training)
        recurrent_masks = _recurrent_masks(cell, initial_state[0], training)

        def step(z_inputs, states):
            h, c = states
            z = z_inputs + _recurrent_projection(cell, h, recurrent_masks)
            z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
            c = cell.recurrent_activation(z_f) * c + cell.recurrent_activation(
                z_i
            ) * cell.activation(z_c)
            h = cell.recurrent_activation(z_o) * cell.activation(c)
            return h, [h, c]

        return _rnn(
            step,
            projected,
            list(initial_state),
            go_backwards=self.go_backwards,
            mask=mask,
            unroll=self.unroll,
            input_length=sequences.shape[1],
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )


def _input_projection(cell, sequences, training):
    """``inputs @ kernel + bias`` for every time step at once.

    Parameters
    ----------
    cell : keras.layers.LSTMCell
        The layer's cell: its weights and its dropout masks for this batch.
    sequences : tensor of shape (batch_size, n_timesteps, n_features)
        The layer's inputs.
    training : bool
        Whether the input dropout masks apply.

    Returns
    -------
    projected : tensor of shape (batch_size, n_timesteps, 4 * units)
        The input part of the four gates, in Keras's order (i, f, c, o).
    """
    masks = None
    if training and 0.0 < cell.dropout < 1.0:
        masks = cell.get_dropout_mask(sequences[:, 0, :])
    if masks is None:
        projected = ops.matmul(sequences, cell.kernel)
    elif isinstance(masks, list):
        # With recurrent dropout, Keras's cell draws one input mask per gate.
        kernels = ops.split(cell.kernel, 4, axis=1)
        projected = ops.concatenate(
            [
                ops.matmul(sequences * ops.expand_dims(m, 1), k)
                for m, k in zip(masks, kernels, strict=True)
            ],
            axis=-1,
        )
    else:
        # One mask for the whole sequence, as in Keras's cell.
        projected = ops.matmul(sequences * ops.expand_dims(masks, 1), cell.kernel)
    if cell.use_bias:
        projected = projected + cell.bias
    return projected


def _recurrent_masks(cell, h, training):
    """Keras's four recurrent dropout masks for this batch, or None."""
    if not (training and 0.0 < cell.recurrent_dropout < 1.0):
        return None
    return cell.get_recurrent_dropout_mask(h)


def _recurrent_projection(cell, h, masks):
    """``h @ recurrent_kernel``, each gate with its dropout mask if any."""
    if masks is None:
        return ops.matmul(h, cell.recurrent_kernel)
    kernels = ops.split(cell.recurrent_kernel, 4, axis=1)
    return ops.concatenate(
        [ops.matmul(h * m, k) for m, k in zip(masks, kernels, strict=True)],
        axis=-1,
    )


class ProjectedLSTM(keras.layers.LSTM, _ProjectedLoop):
    """Long Short-Term Memory layer that projects its inputs before the loop.

    A drop-in ``keras.layers.LSTM``: same arguments, weights, config and
    outputs (up to float rounding). Where Keras would step its cell through
    time (no fused kernel: a CPU, masks on JAX, ``use_cudnn=False``,
    ``recurrent_dropout``), this layer multiplies the inputs of all
    time steps by ``kernel`` at once and keeps only ``h @ recurrent_kernel``
    in the loop. On a GPU with cuDNN-eligible settings, Keras's fused kernel
    runs as before.

    Parameters
    ----------
    units : int
        Dimensionality of the output space.
    **kwargs : dict
        Any other argument of ``keras.layers.LSTM``.

    See Also
    --------
    keras.layers.LSTM : The layer this one computes.

    Notes
    -----
    Inputs have shape (batch_size, n_timesteps, n_features); the output has
    shape (batch_size, units), or (batch_size, n_timesteps, units) with
    ``return_sequences=True``. The time loop computes the same gates as
    Keras's cell, in the same order, with the same dropout masks.

    Measured on a 2-core CPU (``benchmarks/profile_lstm.py``): on
    TensorFlow's graph executor (Keras's default on a CPU, no XLA) an epoch
    of ``LSTM(10)`` over 50 steps takes 0.68x the time of Keras's layer, and
    ``LSTM(64)`` over 64 steps the same time. Under XLA (JAX, or
    TensorFlow with ``jit_compile=True``) it is slower than Keras's layer:
    XLA runs the small per-step product cheaply, and reading the projection
    of all steps from memory costs more.
    """
