"""Window normalisation: forecasts that follow a trend out of the training range.

A scaler fitted on the training period maps a growing series above its
range at test time, where the LSTM's tanh saturates and the forecast lags.
:class:`WindowNormalization` subtracts a reference row from each window (its
last row or its mean), so the LSTM sees only the window's shape, which stays
in range however far the level moves. :class:`ReferenceSkip` adds a linear
function of the reference row back to the outputs, fixed by :func:`fit_skip`
at the least-squares fit of the targets on the reference rows; the outputs
pass a :class:`ZeroGate` that starts closed, so training begins from this
naive-like forecast and the LSTM learns what it leaves out.
The skip is affine, so it maps any scale of ``X`` to any scale of ``y`` and
extrapolates linearly beyond the training range.
"""

import keras
import numpy as np
from keras import ops

REFERENCES = ("last", "mean")


def window_reference(inputs, how):
    """The reference row of each window: its last valid row, or their mean.

    Parameters
    ----------
    inputs : tensor of shape (n_samples, n_timesteps, n_features)
        Windows; steps that hold NaN are end padding and are left out.
    how : {"last", "mean"}
        Which reference.

    Returns
    -------
    reference : tensor of shape (n_samples, n_features)
    """
    valid = ops.logical_not(ops.any(ops.isnan(inputs), axis=-1, keepdims=True))
    rows = ops.where(valid, inputs, ops.zeros_like(inputs))
    valid = ops.cast(valid, inputs.dtype)
    n_valid = ops.sum(valid, axis=1)
    if how == "mean":
        return ops.sum(rows, axis=1) / ops.maximum(n_valid, 1.0)
    # Padding is at the end, so the last valid step is number n_valid - 1.
    steps = ops.cast(ops.arange(ops.shape(inputs)[1]), inputs.dtype)
    is_last = ops.cast(
        ops.equal(steps[None, :, None], n_valid[:, None, :] - 1), inputs.dtype
    )
    return ops.sum(rows * is_last, axis=1)


@keras.saving.register_keras_serializable(package="sklstm")
class WindowNormalization(keras.layers.Layer):
    """Subtract each window's reference row from the window.

    Input ``(batch, n_timesteps, n_features)``; outputs the normalised
    windows, same shape (padding stays NaN, for :class:`PaddingMask`), and
    the reference rows ``(batch, n_features)``.

    Parameters
    ----------
    how : {"last", "mean"}, default="last"
        The window's last row, or the mean of its rows.
    """

    def __init__(self, how="last", **kwargs):
        super().__init__(**kwargs)
        if how not in REFERENCES:
            raise ValueError(f"how must be one of {REFERENCES}, got {how!r}")
        self.how = how

    def call(self, inputs):
        reference = window_reference(inputs, self.how)
        return inputs - ops.expand_dims(reference, 1), reference

    def compute_output_shape(self, input_shape):
        return input_shape, (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "how": self.how}


@keras.saving.register_keras_serializable(package="sklstm")
class ZeroGate(keras.layers.Layer):
    """Multiply the inputs by a trainable scalar ``gate`` that starts at zero.

    Placed on the network's free outputs, before :class:`ReferenceSkip`: the
    untrained network then forecasts exactly the skip's least-squares fit,
    and the LSTM's correction comes in as training finds it useful, rather
    than adding its random initial outputs to the forecast.
    """

    def build(self, input_shape):
        self.gate = self.add_weight(shape=(), initializer="zeros", name="gate")

    def call(self, inputs):
        return self.gate * inputs

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="sklstm")
class ReferenceSkip(keras.layers.Layer):
    """Add an affine function of the reference rows to the outputs.

    Inputs ``[outputs, reference]`` of shapes ``(batch, n_outputs *
    units_per_target)`` and ``(batch, n_features)``; adds ``reference @
    kernel + bias``, one value per target, to output ``unit`` of each
    target's ``units_per_target`` outputs (target-major). Both weights start
    at zero, and :func:`fit_skip` sets them from data.

    They are not trained: they already minimise the squared error of the
    linear part, and Adam moves every weight by about the learning rate per
    step, as much as one step of a slow trend in scaled units. Measured on
    quarterly US real GDP (window 8, 8 units, 30 epochs), the one-step MASE
    was 0.55 with a trained skip and 0.32 with a fixed one (naive: 0.41); on
    co2, a linear trend and sunspots the two were within 0.1 of each other.

    Parameters
    ----------
    units_per_target : int, default=1
        Outputs per target, such as the free outputs of a quantile head.
    unit : int, default=0
        Which of them gets the skip: the median's, in a quantile network,
        whose head then builds the other quantiles on it. Added after the
        head instead, the skip could break their order by a rounding step: a
        compiled pass may fuse the gate's product and the skip's sum into one
        rounding (FMA) for the median and not for a quantile built on it.
    **kwargs : dict
        Other arguments of ``keras.layers.Layer``.
    """

    def __init__(self, units_per_target=1, unit=0, **kwargs):
        super().__init__(**kwargs)
        self.units_per_target = units_per_target
        self.unit = unit

    def build(self, input_shape):
        outputs_shape, reference_shape = input_shape
        n_targets = outputs_shape[-1] // self.units_per_target
        self.kernel = self.add_weight(
            shape=(reference_shape[-1], n_targets),
            initializer="zeros",
            trainable=False,
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(n_targets,),
            initializer="zeros",
            trainable=False,
            name="bias",
        )

    def call(self, inputs):
        outputs, reference = inputs
        skip = ops.matmul(reference, self.kernel) + self.bias
        at_unit = ops.one_hot(self.unit, self.units_per_target, dtype=skip.dtype)
        return outputs + ops.reshape(skip[:, :, None] * at_unit, ops.shape(outputs))

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "units_per_target": self.units_per_target,
            "unit": self.unit,
        }


def normalize_inputs(inputs, how):
    """Normalise windows in a functional network being built.

    Parameters
    ----------
    inputs : KerasTensor of shape (batch, n_timesteps, n_features)
    how : {"last", "mean"} or None
        None leaves the windows as they are.

    Returns
    -------
    normalized : KerasTensor of shape (batch, n_timesteps, n_features)
    reference : KerasTensor of shape (batch, n_features) or None
    """
    if how is None:
        return inputs, None
    return WindowNormalization(how)(inputs)


def gate_outputs(outputs, reference):
    """Pass `outputs` through a :class:`ZeroGate`, if there is a reference."""
    if reference is None:
        return outputs
    return ZeroGate()(outputs)


def add_reference_skip(outputs, reference, units_per_target=1, unit=0):
    """Add the :class:`ReferenceSkip` to `outputs`, if there is a reference.

    `outputs` should come through a :class:`ZeroGate`, so that
    :func:`fit_skip` sets what the untrained network forecasts. Of each
    target's `units_per_target` outputs, output `unit` gets the skip.
    """
    if reference is None:
        return outputs
    return ReferenceSkip(units_per_target, unit)([outputs, reference])


def fit_skip(model, X, y):
    """Set the skip of `model` to the least-squares fit of `y` on the references.

    Solves ``y ≈ reference @ coef + intercept`` over the training windows, so
    that the untrained network (its free outputs gated to zero by
    :class:`ZeroGate`) forecasts about as well as a linear function of each
    window's reference row: with the last row, the naive forecast and its
    drift. Does nothing for a network without a skip.

    Parameters
    ----------
    model : keras.Model
        A network built with :func:`normalize_inputs` and
        :func:`add_reference_skip`.
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Training windows.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Training targets, as the network sees them.
    """
    layers = {type(layer): layer for layer in model.layers}
    if ReferenceSkip not in layers:
        return
    how = layers[WindowNormalization].how
    reference = ops.convert_to_numpy(window_reference(ops.convert_to_tensor(X), how))
    design = np.column_stack([reference, np.ones(len(reference))]).astype(np.float64)
    targets = np.asarray(y, dtype=np.float64).reshape(len(design), -1)
    # coef: (n_features + 1, n_outputs), the intercept in the last row.
    coef, *_ = np.linalg.lstsq(design, targets, rcond=None)
    skip = layers[ReferenceSkip]
    skip.kernel.assign(coef[:-1].astype(skip.kernel.dtype))
    skip.bias.assign(coef[-1].astype(skip.bias.dtype))
