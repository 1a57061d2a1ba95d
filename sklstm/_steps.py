"""A TensorFlow training function that runs a whole epoch in one call.

Keras's TensorFlow trainer calls the traced training step from Python once
per batch. For the small networks of a search, that call (argument
conversion, dispatch, the iterator handed back and forth, the callbacks
around it) costs about as much as the step itself. Keras's own remedy,
``steps_per_execution``, is fixed when the step is traced: a value that does
not divide an epoch runs steps across epoch boundaries, and every fold with
another number of batches would trace anew.

Here a network's ``train_function`` runs Keras's own ``train_step`` a
number of times read from a variable when it runs, so one trace serves every
fit of the network (and of the pooled networks that reuse it), whatever its
number of batches. Training repeats the step-by-step fit exactly: the same
steps on the same batches in the same order.
"""

import math

import keras

# Name of the traced function, which TensorFlow's retracing warnings quote.
NAME = "sklstm_steps_on_iterator"
# Most batches per call: a call cannot be interrupted (Ctrl-C waits for it),
# and beyond a few dozen batches the per-call cost no longer shows.
MOST = 64


def steps_per_call(model, steps_per_epoch, most=MOST):
    """Make ``model``'s train function run up to ``most`` batches per call.

    Installs the function on ``model`` (again after a compile, which drops
    it) and sets its step counts. An epoch of ``steps_per_epoch`` batches
    takes the returned number of calls, each running as many batches as the
    others or fewer for the last, so a call never crosses into the next
    epoch.

    Parameters
    ----------
    model : keras.Model
        A compiled network, on the TensorFlow backend, built outside any
        ``tf.distribute`` strategy over several devices.
    steps_per_epoch : int
        Batches in one epoch.
    most : int, default=MOST
        Most batches per call; 1 calls the step once per batch, as Keras
        does.

    Returns
    -------
    calls : int
        Calls of the train function per epoch: ``model.fit``'s
        ``steps_per_epoch``.
    """
    function = model.train_function
    if getattr(function, "counts", None) is None:
        function = model.train_function = _train_function(model)
    calls = math.ceil(steps_per_epoch / most)
    per_call, epoch, position = function.counts
    per_call.assign(math.ceil(steps_per_epoch / calls))
    epoch.assign(steps_per_epoch)
    position.assign(0)
    return calls


def supported(model):
    """Whether :func:`steps_per_call` can train ``model``.

    On TensorFlow only (JAX and torch call their step cheaply), and not
    under a strategy over several devices, whose per-replica step Keras
    runs itself.
    """
    return (
        keras.backend.backend() == "tensorflow"
        and model.distribute_strategy.num_replicas_in_sync == 1
    )


def _train_function(model):
    """Return a train function for ``model`` running several steps per call.

    Returns
    -------
    function : callable
        Takes the ``tf.data`` iterator ``model.fit`` hands it, runs the
        training step on as many batches as the counts allow, and returns
        the metrics after the last one, as Keras's own train function does.
        Its attribute ``counts`` holds three ``tf.Variable``: the batches per
        call, the batches per epoch, and the batches of the epoch already
        run.
    """
    import tensorflow as tf

    counts = per_call, epoch, position = [
        tf.Variable(value, dtype=tf.int32, trainable=False) for value in (1, 1, 0)
    ]

    def run(iterator):
        steps = tf.minimum(per_call, epoch - position)

        def body(step):
            model.train_step(iterator.get_next())
            return (step + 1,)

        tf.while_loop(lambda step: step < steps, body, (tf.constant(0),))
        position.assign((position + steps) % epoch)
        return model.get_metrics_result()

    run.__name__ = NAME
    function = tf.function(
        tf.autograph.experimental.do_not_convert(run), reduce_retracing=True
    )

    def train_function(iterator):
        return function(iterator)

    train_function.counts = counts
    return train_function
