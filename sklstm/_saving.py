"""Model files without code: ``save`` and ``load``.

A model file is a zip archive of three kinds of members:

- ``sklstm.json``: the format version, the versions that wrote it, and the
  estimator as a tree of plain data: every estimator is a class name from an
  allowed package (scikit-learn, sklstm) with its constructor
  parameters and fitted attributes;
- ``arrays.npz``: the NumPy arrays of that tree, stored without pickle;
- ``networks/<i>.keras``: each Keras network in Keras's native format.

Loading never unpickles and never runs code from the file: classes are looked
up by name in the allowed packages only, an estimator gets only its
constructor parameters and fitted attributes (never a name its class defines,
such as a method), functions only by their Keras names, arrays are read with
``allow_pickle=False``, and the networks are loaded in Keras's safe mode, which
refuses ``Lambda`` layers and anything not registered with Keras. The tree
itself is encoded, decoded and checked in ``_model_tree``; this module reads
and writes the archive.
"""

import io
import json
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import keras
import numpy as np
import sklearn

from sklstm._model_tree import ModelFileError, decode, encode
from sklstm._version import __version__

__all__ = ["ModelFileError", "load", "save"]

FORMAT = "sklstm-model"
FORMAT_VERSION = 2
_INDEX = "sklstm.json"
_ARRAYS = "arrays.npz"
_NETWORKS = "networks"


def save(estimator, path):
    """Save a fitted estimator or pipeline to a file that holds no code.

    The file is a zip archive: the Keras networks in Keras's native format,
    the NumPy arrays in ``.npz`` format without pickle, and everything else
    (classes, hyperparameters, fitted attributes) as JSON. Unlike pickle or
    joblib, loading it with :func:`load` cannot run code hidden in the file.

    Parameters
    ----------
    estimator : estimator
        An :class:`~sklstm.LSTMRegressor`, :class:`~sklstm.LSTMClassifier`,
        or any composition of them with scikit-learn estimators
        (``Pipeline``, ``TransformedTargetRegressor``, scalers, ...), fitted
        or not. Its hyperparameters and fitted attributes must be data:
        numbers, strings, arrays, lists, dicts, estimators, Keras networks,
        Keras optimizers, losses and metrics (objects, or an optimizer class),
        and Keras's own activation, loss and metric functions
        (``keras.activations.relu``, ``keras.losses.huber``), which are stored
        by name. A cache directory (``Pipeline(memory=...)``) is a place on
        this machine and is not saved: the loaded pipeline has
        ``memory=None``.
    path : str or path-like
        Where to write the file; it is overwritten. ``.sklstm`` is a good
        suffix.

    Raises
    ------
    TypeError
        If some attribute holds something other than data, such as a
        function that is not Keras's own, a Keras callback or a
        ``numpy.random.RandomState``, or if an estimator holds an attribute
        that sklstm does not know: a private one of a scikit-learn
        estimator, or any one of sklstm's own that is not part of its fitted
        state. The message names the attribute.

    See Also
    --------
    load : Load the file.

    Examples
    --------
    >>> import numpy as np, sklstm
    >>> X = np.random.default_rng(0).normal(size=(20, 5, 1))
    >>> model = sklstm.LSTMRegressor(units=2, epochs=1, random_state=0)
    >>> model = model.fit(X, X[:, -1, 0])
    >>> sklstm.save(model, "model.sklstm")  # doctest: +SKIP
    >>> sklstm.load("model.sklstm").predict(X).shape  # doctest: +SKIP
    (20,)
    """
    tree, arrays, networks = encode(estimator)
    index = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "keras_backend": keras.backend.backend(),
        "estimator": tree,
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_INDEX, json.dumps(index))
        content = io.BytesIO()
        np.savez(content, **arrays)
        archive.writestr(_ARRAYS, content.getvalue())
        with tempfile.TemporaryDirectory() as folder:
            for i, network in enumerate(networks):
                file = Path(folder, f"{i}.keras")
                network.save(file)
                archive.write(file, f"{_NETWORKS}/{i}.keras")


def load(path):
    """Load an estimator saved by :func:`save`, without running code.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`, on any Keras backend.

    Returns
    -------
    estimator : estimator
        The estimator as it was saved: it predicts the same, and a fitted
        LSTM estimator can be trained further (``warm_start``).

    Raises
    ------
    ModelFileError
        A subclass of ``ValueError``: the file is not an sklstm model file, is
        damaged, or carries more than data: a class outside scikit-learn
        and sklstm, an attribute that is neither a constructor
        parameter nor a fitted attribute of its estimator (such as one named
        like a method), a function that is not Keras's own, a cache directory,
        a pickled array, a member path outside the archive, or a Keras network
        that safe mode refuses (a ``Lambda`` layer, an unregistered custom
        object); or holds a state that no fit leaves: an sklstm estimator's
        fitted attribute of the wrong type or shape, or missing, a bool for
        an integer parameter, a pipeline step that is no estimator. The
        message names the entry and what it must be.

    See Also
    --------
    save : Write the file.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ModelFileError(
            f"{path} is not an sklstm model file (not a zip archive)"
        ) from None
    with archive:
        _check_members(archive.namelist(), path)
        index = _read_index(archive, path)
        arrays = _read_arrays(archive, path)

        def load_network(i):
            name = f"{_NETWORKS}/{i}.keras"
            if name not in archive.namelist():
                raise ValueError(f"no network {i} in the file")
            return _load_network(archive, name, path)

        return decode(index["estimator"], arrays, load_network, path)


def _check_members(names, path):
    """Refuse member paths that are absolute, climb out, or are not expected."""
    for required in (_INDEX, _ARRAYS):
        if required not in names:
            raise ModelFileError(
                f"{path} is not an sklstm model file (no {required} inside)"
            )
    for name in names:
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or ":" in name:
            raise ModelFileError(f"{path}: member {name!r} points outside the archive")
        is_network = (
            len(parts) == 2
            and parts[0] == _NETWORKS
            and parts[1].endswith(".keras")
            and parts[1][: -len(".keras")].isdigit()
        )
        if name not in (_INDEX, _ARRAYS) and not is_network:
            raise ModelFileError(f"{path}: unexpected member {name!r}")


def _read_member(archive, name, path):
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as e:
        # RuntimeError: an encrypted member, or (NotImplementedError) an
        # unknown compression method.
        raise ModelFileError(f"{path}: {name} is damaged ({e})") from None


def _read_index(archive, path):
    try:
        index = json.loads(_read_member(archive, _INDEX, path))
    except RecursionError:
        raise ModelFileError(f"{path}: {_INDEX} is nested too deeply") from None
    except ValueError as error:  # not JSON, not UTF-8, or a too long number
        raise ModelFileError(f"{path}: {_INDEX} is not valid JSON ({error})") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not an sklstm model file")
    if index.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has format version {index.get('format_version')!r}; this "
            f"sklstm reads version {FORMAT_VERSION}: fit the model with this "
            "sklstm and save it again"
        )
    if "estimator" not in index or not isinstance(index.get("versions"), dict):
        raise ModelFileError(f"{path}: {_INDEX} lacks the estimator or versions")
    _warn_if_versions_differ(index["versions"], path)
    return index


def _versions():
    return {
        "sklstm": __version__,
        "scikit-learn": sklearn.__version__,
        "keras": keras.__version__,
    }


def _warn_if_versions_differ(saved, path):
    differ = [
        f"{name} {saved.get(name)} (now {now})"
        for name, now in _versions().items()
        if saved.get(name) != now and name != "sklstm"
    ]
    if differ:
        warnings.warn(
            f"{path} was saved with {', '.join(differ)}; it may load into an "
            "estimator that does not work as before",
            UserWarning,
            stacklevel=4,
        )


def _read_arrays(archive, path):
    content = io.BytesIO(_read_member(archive, _ARRAYS, path))
    damaged = (zipfile.BadZipFile, zlib.error, OSError, EOFError)
    try:
        npz = np.load(content, allow_pickle=False)
    except (ValueError, *damaged) as error:
        raise ModelFileError(f"{path}: {_ARRAYS} is damaged ({error})") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ModelFileError(f"{path}: {_ARRAYS} is not an .npz archive")
    with npz:
        try:
            return {key: npz[key] for key in npz.files}
        except ValueError as error:
            raise ModelFileError(
                f"{path}: {_ARRAYS} holds pickled objects, which sklstm never "
                f"writes; refusing to load it ({error})"
            ) from None
        except damaged as error:
            raise ModelFileError(f"{path}: {_ARRAYS} is damaged ({error})") from None


def _load_network(archive, name, path):
    content = _read_member(archive, name, path)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as network:
            config = json.loads(network.read("config.json"))
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, RecursionError) as e:
        raise ModelFileError(f"{path}: {name} is damaged ({e!r:.200})") from None
    if "Lambda" in _class_names(config):
        raise ModelFileError(
            f"{path}: {name} contains a Lambda layer, which holds Python code; "
            "refusing to load it"
        )
    try:
        with tempfile.TemporaryDirectory() as folder:
            file = Path(folder, "network.keras")
            file.write_bytes(content)
            return keras.saving.load_model(file, safe_mode=True)
    except Exception as error:  # noqa: BLE001
        # Keras raises many kinds of errors on a network it cannot use; each
        # means the same here: the file does not hold a network safe mode loads.
        raise ModelFileError(
            f"{path}: Keras's safe mode refuses {name}: {error}"
        ) from None


def _class_names(config):
    """Every ``class_name`` in a Keras config, at any depth (without recursion,
    so that deep nesting is no problem)."""
    names, pending = set(), [config]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            if isinstance(value.get("class_name"), str):
                names.add(value["class_name"])
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return names
