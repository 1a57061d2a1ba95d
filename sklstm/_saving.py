"""Model files without code: ``save`` and ``load``.

A model file is a zip archive of three kinds of members:

- ``sklstm.json``: the format version, the versions that wrote it, and the
  estimator as a tree of plain data: every object is a class name from an
  allowed package (scikit-learn, scikeras, sklstm) and its attributes;
- ``arrays.npz``: the NumPy arrays of that tree, stored without pickle;
- ``networks/<i>.keras``: each Keras network in Keras's native format.

Loading never unpickles and never runs code from the file: classes are looked
up by name in the allowed packages only, arrays are read with
``allow_pickle=False``, and the networks are loaded in Keras's safe mode, which
refuses ``Lambda`` layers and anything not registered with Keras.
"""

import importlib
import io
import json
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import keras
import numpy as np
import sklearn
from sklearn.base import BaseEstimator

FORMAT = "sklstm-model"
FORMAT_VERSION = 1
_INDEX = "sklstm.json"
_ARRAYS = "arrays.npz"
_NETWORKS = "networks"
# Packages whose estimator classes a file may name. Classes are imported by
# name and filled with data: none of them runs code taken from a file.
_ALLOWED_PACKAGES = ("sklearn", "scikeras", "sklstm")
# Attributes a fit rebuilds and a loaded estimator does without: scikeras
# keeps the callbacks of the last fit and predict in them.
_TRANSIENT = ("_fit_callbacks", "_predict_callbacks")
# Plain values stored as they are in JSON.
_PLAIN = (bool, int, float, str, type(None))


class ModelFileError(ValueError):
    """A model file that :func:`load` refuses: damaged, or not data only."""


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
        numbers, strings, arrays, lists, dicts, estimators, Keras networks
        and Keras objects with a config (optimizers, losses, metrics).
    path : str or path-like
        Where to write the file; it is overwritten. ``.sklstm`` is a good
        suffix.

    Raises
    ------
    TypeError
        If some attribute holds something other than data, such as a
        function, a Keras callback or a ``numpy.random.RandomState``. The
        message names the attribute.

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
    writer = _Writer()
    tree = writer.encode(estimator, type(estimator).__name__)
    index = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "keras_backend": keras.backend.backend(),
        "estimator": tree,
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_INDEX, json.dumps(index))
        arrays = io.BytesIO()
        np.savez(arrays, **writer.arrays)
        archive.writestr(_ARRAYS, arrays.getvalue())
        with tempfile.TemporaryDirectory() as folder:
            for i, network in enumerate(writer.networks):
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
        damaged, or carries code: a class outside scikit-learn, scikeras and
        sklstm, a pickled array, a member path outside the archive, or a Keras
        network that safe mode refuses (a ``Lambda`` layer, an unregistered
        custom object).

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
        names = archive.namelist()
        _check_members(names, path)
        index = _read_index(archive, path)
        _warn_if_versions_differ(index.get("versions") or {}, path)
        arrays = _read_arrays(archive, path)
        networks = [
            _load_network(archive, name, path)
            for name in sorted(
                (n for n in names if n.startswith(f"{_NETWORKS}/")),
                key=lambda n: int(PurePosixPath(n).stem),
            )
        ]
    return _Reader(arrays, networks, path).decode(index["estimator"])


class _Writer:
    """Turn an object tree into JSON-ready data, collecting arrays and networks."""

    def __init__(self):
        self.arrays = {}
        self.networks = []

    def encode(self, value, where):
        if isinstance(value, _PLAIN):
            return value
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return {"tuple": items}
        if isinstance(value, dict):
            return {
                "dict": [
                    [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ]
            }
        if isinstance(value, bytes):
            return {"bytes": value.hex()}
        if isinstance(value, np.ndarray):
            return self._encode_array(value, where)
        if isinstance(value, np.generic):
            return {"scalar": value.item(), "dtype": value.dtype.str}
        if isinstance(value, np.dtype):
            return {"dtype": value.str}
        if isinstance(value, type) and issubclass(value, np.generic):
            return {"numpy_type": np.dtype(value).str}
        if isinstance(value, keras.Model):
            self.networks.append(value)
            return {"network": len(self.networks) - 1}
        if isinstance(value, BaseEstimator):
            return self._encode_estimator(value, where)
        if _is_keras_object(value):
            return {"keras": keras.saving.serialize_keras_object(value)}
        raise TypeError(
            f"cannot save {where}: a {type(value).__module__}."
            f"{type(value).__qualname__} is not data. sklstm.save stores numbers, "
            "strings, arrays, lists, dicts, estimators and Keras networks, "
            "optimizers, losses and metrics; set this attribute to data "
            "(e.g. callbacks=None, an int random_state) or use joblib for "
            "trusted files"
        )

    def _encode_array(self, array, where):
        if array.dtype.hasobject:
            items = array.ravel().tolist()
            if not all(isinstance(item, _PLAIN) for item in items):
                raise TypeError(
                    f"cannot save {where}: an object array holding other values "
                    "than numbers and strings"
                )
            return {"object_array": items, "shape": list(array.shape)}
        key = f"a{len(self.arrays)}"
        self.arrays[key] = array
        return {"array": key}

    def _encode_estimator(self, estimator, where):
        cls = type(estimator)
        if cls.__module__.split(".")[0] not in _ALLOWED_PACKAGES:
            raise TypeError(
                f"cannot save {where}: {cls.__module__}.{cls.__qualname__} is "
                f"not from {', '.join(_ALLOWED_PACKAGES)}; sklstm.load only "
                "creates classes from these packages"
            )
        state = {
            name: self.encode(value, f"{where}.{name}")
            for name, value in vars(estimator).items()
            if name not in _TRANSIENT
        }
        return {"estimator": f"{cls.__module__}:{cls.__qualname__}", "state": state}


class _Reader:
    """Rebuild an object tree from the data that ``_Writer`` made."""

    def __init__(self, arrays, networks, path):
        self.arrays = arrays
        self.networks = networks
        self.path = path

    def decode(self, data):
        if isinstance(data, _PLAIN):
            return data
        if isinstance(data, list):
            return [self.decode(item) for item in data]
        if not isinstance(data, dict) or len(data) not in (1, 2):
            raise self._error(f"unexpected entry {str(data)[:80]!r}")
        kind = next(iter(data))
        decoders = {
            "tuple": lambda: tuple(self.decode(item) for item in data["tuple"]),
            "dict": lambda: {self.decode(k): self.decode(v) for k, v in data["dict"]},
            "bytes": lambda: bytes.fromhex(data["bytes"]),
            "array": lambda: self.arrays[data["array"]],
            "object_array": lambda: _object_array(data["object_array"], data["shape"]),
            "scalar": lambda: np.dtype(data["dtype"]).type(data["scalar"]),
            "dtype": lambda: np.dtype(data["dtype"]),
            "numpy_type": lambda: np.dtype(data["numpy_type"]).type,
            "network": lambda: self.networks[data["network"]],
            "estimator": lambda: self._estimator(data["estimator"], data["state"]),
            "keras": lambda: self._keras_object(data["keras"]),
        }
        if kind not in decoders:
            raise self._error(f"unknown entry type {kind!r}")
        try:
            return decoders[kind]()
        except (KeyError, IndexError, TypeError, ValueError) as error:
            if isinstance(error, ModelFileError):
                raise
            raise self._error(f"damaged {kind!r} entry ({error!r})") from None

    def _estimator(self, name, state):
        module, _, qualname = str(name).partition(":")
        if module.split(".")[0] not in _ALLOWED_PACKAGES:
            raise self._error(
                f"refusing class {name!r}: only classes from "
                f"{', '.join(_ALLOWED_PACKAGES)} are loaded"
            )
        try:
            cls = getattr(importlib.import_module(module), qualname)
        except (ImportError, AttributeError):
            raise self._error(f"unknown class {name!r}") from None
        if not (isinstance(cls, type) and issubclass(cls, BaseEstimator)):
            raise self._error(f"refusing {name!r}: not an estimator class")
        estimator = cls.__new__(cls)
        estimator.__dict__.update(
            {str(key): self.decode(value) for key, value in state.items()}
        )
        return estimator

    def _keras_object(self, config):
        module = config.get("module", "") if isinstance(config, dict) else ""
        if not (module == "keras" or module.startswith("keras.")):
            raise self._error(f"refusing Keras object from module {module!r}")
        return keras.saving.deserialize_keras_object(config, safe_mode=True)

    def _error(self, message):
        return ModelFileError(f"{self.path}: {message}")


def _object_array(items, shape):
    if not all(isinstance(item, _PLAIN) for item in items):
        raise ValueError("object arrays hold numbers and strings only")
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array.reshape(shape)


def _is_keras_object(value):
    return type(value).__module__.startswith("keras.") and hasattr(value, "get_config")


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


def _read_index(archive, path):
    try:
        index = json.loads(archive.read(_INDEX))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: {_INDEX} is not valid JSON ({error})") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not an sklstm model file")
    if index.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has format version {index.get('format_version')!r}; this "
            f"sklstm reads version {FORMAT_VERSION}"
        )
    return index


def _versions():
    from sklstm import __version__

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
            stacklevel=3,
        )


def _read_arrays(archive, path):
    try:
        with np.load(io.BytesIO(archive.read(_ARRAYS)), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except ValueError as error:
        raise ModelFileError(
            f"{path}: {_ARRAYS} holds pickled objects, which sklstm never "
            f"writes; refusing to load it ({error})"
        ) from None
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelFileError(f"{path}: {_ARRAYS} is damaged ({error})") from None


def _load_network(archive, name, path):
    content = archive.read(name)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as network:
            config = json.loads(network.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ModelFileError(f"{path}: {name} is damaged ({error})") from None
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
    except (ValueError, TypeError) as error:
        raise ModelFileError(
            f"{path}: Keras's safe mode refuses {name}: {error}"
        ) from None


def _class_names(config):
    """Every ``class_name`` in a Keras config, at any depth."""
    if isinstance(config, dict):
        names = {config["class_name"]} if "class_name" in config else set()
        for value in config.values():
            names |= _class_names(value)
        return names
    if isinstance(config, list):
        return set().union(*map(_class_names, config)) if config else set()
    return set()
