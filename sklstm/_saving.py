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
refuses ``Lambda`` layers and anything not registered with Keras.
"""

import importlib
import inspect
import io
import json
import re
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import keras
import numpy as np
import sklearn
from sklearn.base import BaseEstimator

from sklstm._version import __version__

FORMAT = "sklstm-model"
FORMAT_VERSION = 2
_INDEX = "sklstm.json"
_ARRAYS = "arrays.npz"
_NETWORKS = "networks"
# Packages whose estimator classes a file may name. Classes are imported by
# name and filled with data: none of them runs code taken from a file.
_ALLOWED_PACKAGES = ("sklearn", "sklstm")
# Besides its constructor parameters and its public fitted attributes (names
# ending in "_"), an estimator gets from a file only these private attributes
# of its class or a base class, which a fitted estimator needs. A fitted sklstm
# estimator must have all of its own.
_PRIVATE_ATTRIBUTES = {
    "LSTMMixin": ("_seed", "_x_ndim", "_network_params"),
    "LSTMRegressor": ("_y_ndim",),
    "_SetOutputMixin": ("_sklearn_output_config",),
    "TransformedTargetRegressor": ("_training_dim",),
    "ColumnTransformer": ("_columns", "_remainder", "_transformer_to_input_indices"),
    "OneHotEncoder": (
        "_infrequent_enabled",
        "_drop_idx_after_grouping",
        "_n_features_outs",
    ),
    "PCA": ("_fit_svd_solver",),
    "PolynomialFeatures": ("_min_degree", "_max_degree", "_n_out_full"),
    "PowerTransformer": ("_scaler",),
    "SimpleImputer": ("_fit_dtype", "_fill_dtype"),
}
# Parameters naming a place on the machine that saved (a cache directory):
# files store None, and a file that sets one is refused.
_LOCAL_PARAMETERS = ("memory",)
# Keras modules whose functions (activations, losses, metrics) and classes
# (optimizers) a file may name, and which objects with a config it may hold.
_KERAS_FUNCTIONS = {
    "activations": keras.activations,
    "losses": keras.losses,
    "metrics": keras.metrics,
}
_KERAS_HELPERS = ("get", "serialize", "deserialize")
_KERAS_OBJECTS = {
    "keras.optimizers": keras.optimizers.Optimizer,
    "keras.losses": keras.losses.Loss,
    "keras.metrics": keras.metrics.Metric,
}
# Plain values stored as they are in JSON.
_PLAIN = (bool, int, float, str, type(None))
# Deeper than any estimator (a search around a pipeline around a pipeline)
# and far below Python's recursion limit.
_MAX_DEPTH = 64
_NONE = inspect.Parameter.empty
_DTYPE = re.compile(r"[<>|=]?[a-zA-Z]\d*(\[\w+\])?")


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
        ``numpy.random.RandomState``, or if an estimator holds a private
        attribute that sklstm does not know. The message names the attribute.

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
        damaged, or carries more than data: a class outside scikit-learn
        and sklstm, an attribute that is neither a constructor
        parameter nor a fitted attribute of its estimator (such as one named
        like a method), a function that is not Keras's own, a cache directory,
        a pickled array, a member path outside the archive, or a Keras network
        that safe mode refuses (a ``Lambda`` layer, an unregistered custom
        object).

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
        reader = _Reader(archive, arrays, path)
        estimator = reader.decode(index["estimator"], "estimator")
    if not isinstance(estimator, BaseEstimator):
        raise ModelFileError(f"{path} holds no estimator")
    return estimator


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
            return {"scalar": self._encode_array(np.asarray(value), where)["array"]}
        if isinstance(value, np.dtype):
            return {"dtype": value.str}
        if isinstance(value, type) and issubclass(value, np.generic):
            return {"numpy_type": np.dtype(value).str}
        if isinstance(value, keras.Model):
            self.networks.append(value)
            return {"network": len(self.networks) - 1}
        if isinstance(value, BaseEstimator):
            return self._encode_estimator(value, where)
        if isinstance(value, tuple(_KERAS_OBJECTS.values())):
            return {"keras": keras.saving.serialize_keras_object(value)}
        if _keras_name(value, keras.optimizers) is not None:
            return {"keras_class": ["optimizers", value.__name__]}
        for module, functions in _KERAS_FUNCTIONS.items():
            if _keras_name(value, functions) is not None:
                return {"keras_function": [module, value.__name__]}
        raise TypeError(
            f"cannot save {where}: a {type(value).__module__}."
            f"{type(value).__qualname__} is not data. sklstm.save stores numbers, "
            "strings, arrays, lists, dicts, estimators, Keras networks, "
            "optimizers, losses and metrics, and Keras's own activation, loss "
            "and metric functions; set this attribute to data (e.g. "
            "callbacks=None, an int random_state) or use joblib for trusted files"
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
        parameters = _parameter_names(cls)
        state = {}
        for name, value in vars(estimator).items():
            if name in parameters and name in _LOCAL_PARAMETERS:
                value = None
            elif name not in parameters and not _is_attribute(cls, name):
                raise TypeError(
                    f"cannot save {where}.{name}: sklstm.save stores constructor "
                    "parameters and fitted attributes, and does not know this "
                    "private attribute; use joblib for trusted files"
                )
            state[name] = self.encode(value, f"{where}.{name}")
        return {"estimator": f"{cls.__module__}:{cls.__qualname__}", "state": state}


class _Reader:
    """Rebuild an object tree from the data that ``_Writer`` made in ``archive``.

    Every entry is checked before it is used, so that a damaged or crafted
    file raises ``ModelFileError`` naming the entry, never another error.
    """

    def __init__(self, archive, arrays, path):
        self.archive = archive
        self.arrays = arrays
        self.path = path
        # Networks are loaded when the tree names them, after the entries
        # before them have been checked.
        self.networks = {}
        # The estimator whose state is being read: Keras objects and
        # functions belong to sklstm's estimators only.
        self.owner = None

    def decode(self, data, where, depth=0):
        if depth > _MAX_DEPTH:
            raise self._error(where, f"nested deeper than {_MAX_DEPTH} levels")
        if isinstance(data, _PLAIN):
            return data
        if isinstance(data, list):
            return [
                self.decode(item, f"{where}[{i}]", depth + 1)
                for i, item in enumerate(data)
            ]
        if not isinstance(data, dict):
            raise self._error(where, f"unexpected {type(data).__name__}")
        kind = _ENTRY_KINDS.get(frozenset(data))
        if kind is None:
            raise self._error(where, f"unexpected entry with keys {list(data)[:4]}")
        try:
            return getattr(self, f"_{kind}")(data, where, depth + 1)
        except ModelFileError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, OverflowError) as error:
            raise self._error(where, f"damaged {kind!r} entry ({error!r})") from None

    def _tuple(self, data, where, depth):
        return tuple(self.decode(_as(list, data["tuple"]), where, depth))

    def _dict(self, data, where, depth):
        pairs = self.decode(_as(list, data["dict"]), where, depth)
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in pairs):
            raise ValueError("a dict is a list of [key, value] pairs")
        return dict(pairs)

    def _bytes(self, data, where, depth):
        return bytes.fromhex(_as(str, data["bytes"]))

    def _array(self, data, where, depth):
        return self.arrays[_as(str, data["array"])]

    def _scalar(self, data, where, depth):
        array = self.arrays[_as(str, data["scalar"])]
        if array.ndim != 0:
            raise ValueError("a scalar is a 0-d array")
        return array[()]

    def _object_array(self, data, where, depth):
        items, shape = _as(list, data["object_array"]), _as(list, data["shape"])
        if not all(isinstance(item, _PLAIN) for item in items):
            raise ValueError("object arrays hold numbers and strings only")
        if not all(type(n) is int and 0 <= n <= len(items) for n in shape):
            raise ValueError(f"shape {shape[:8]} does not fit {len(items)} items")
        array = np.empty(len(items), dtype=object)
        array[:] = items
        return array.reshape(shape)

    def _dtype(self, data, where, depth):
        return _dtype(data["dtype"])

    def _numpy_type(self, data, where, depth):
        return _dtype(data["numpy_type"]).type

    def _network(self, data, where, depth):
        self._check_owner(where, "a Keras network")
        index = _as(int, data["network"])
        name = f"{_NETWORKS}/{index}.keras"
        if name not in self.archive.namelist():
            raise ValueError(f"no network {index} in the file")
        if index not in self.networks:
            self.networks[index] = _load_network(self.archive, name, self.path)
        return self.networks[index]

    def _keras(self, data, where, depth):
        self._check_owner(where, "a Keras object")
        config = _as(dict, data["keras"])
        base = _KERAS_OBJECTS.get(config.get("module"))
        if base is None:
            raise self._error(
                where, f"refusing Keras object from module {config.get('module')!r}"
            )
        try:
            value = keras.saving.deserialize_keras_object(config, safe_mode=True)
        except Exception as error:  # noqa: BLE001
            # Keras raises many kinds of errors on a config it cannot use;
            # each means the same here: the entry is not a Keras object.
            raise self._error(where, f"Keras refuses this entry: {error}") from None
        if not isinstance(value, base):
            raise self._error(where, f"not a Keras {base.__name__}")
        return value

    def _keras_class(self, data, where, depth):
        self._check_owner(where, "a Keras class")
        return self._keras_lookup(data["keras_class"], {"optimizers": keras.optimizers})

    def _keras_function(self, data, where, depth):
        self._check_owner(where, "a function")
        return self._keras_lookup(data["keras_function"], _KERAS_FUNCTIONS)

    def _keras_lookup(self, entry, modules):
        module, name = _as(list, entry)
        value = getattr(modules[_as(str, module)], _as(str, name), None)
        if _keras_name(value, modules[module]) != name:
            raise ValueError(f"keras.{module}.{name} is not a Keras {module} name")
        return value

    def _estimator(self, data, where, depth):
        cls = self._estimator_class(_as(str, data["estimator"]), where)
        state = _as(dict, data["state"])
        parameters = _parameter_names(cls)
        for name in state:
            if name not in parameters and not _is_attribute(cls, name):
                raise self._error(
                    where,
                    f"refusing {name!r}: neither a constructor parameter nor a "
                    f"fitted attribute of {cls.__name__}",
                )
        owner, self.owner = self.owner, cls
        try:
            values = {
                name: self.decode(value, f"{where}.{name}", depth)
                for name, value in state.items()
            }
        finally:
            self.owner = owner
        for name in _LOCAL_PARAMETERS:
            if name in parameters and values.get(name) is not None:
                raise self._error(
                    where, f"refusing {name}={values[name]!r}: sklstm never saves it"
                )
        estimator = cls.__new__(cls)
        estimator.__dict__.update(self._complete(cls, values, parameters, where))
        try:
            estimator._validate_params()
        except (TypeError, ValueError) as error:
            raise self._error(where, f"invalid parameters: {error}") from None
        return estimator

    def _estimator_class(self, name, where):
        module, _, qualname = name.partition(":")
        if module.split(".")[0] not in _ALLOWED_PACKAGES:
            raise self._error(
                where,
                f"refusing class {name!r}: only classes from "
                f"{', '.join(_ALLOWED_PACKAGES)} are loaded",
            )
        try:
            cls = getattr(importlib.import_module(module), qualname)
        except (ImportError, AttributeError):
            raise self._error(where, f"unknown class {name!r}") from None
        if not (isinstance(cls, type) and issubclass(cls, BaseEstimator)):
            raise self._error(where, f"refusing {name!r}: not an estimator class")
        return cls

    def _complete(self, cls, values, parameters, where):
        """Give the parameters a file does not name (newer than the file)
        their defaults; refuse a file without a required parameter, or a
        fitted sklstm estimator without the private attributes its fit sets."""
        missing = [n for n, d in parameters.items() if n not in values and d is _NONE]
        if any(map(_is_fitted, values)):
            own = [c for c in cls.__mro__ if c.__module__.startswith("sklstm.")]
            missing += sorted(n for n in _private_names(own) if n not in values)
        if missing:
            raise self._error(where, f"missing {', '.join(missing)}")
        return {**{n: d for n, d in parameters.items() if d is not _NONE}, **values}

    def _check_owner(self, where, what):
        if self.owner is None or not self.owner.__module__.startswith("sklstm."):
            raise self._error(where, f"refusing {what} outside an sklstm estimator")

    def _error(self, where, message):
        return ModelFileError(f"{self.path}: {where}: {message}")


# The kinds of entries, by their keys.
_ONE_KEY_KINDS = (
    "tuple", "dict", "bytes", "array", "scalar", "dtype", "numpy_type",
    "network", "keras", "keras_class", "keras_function",
)  # fmt: skip
_ENTRY_KINDS = {
    **{frozenset([kind]): kind for kind in _ONE_KEY_KINDS},
    frozenset(["object_array", "shape"]): "object_array",
    frozenset(["estimator", "state"]): "estimator",
}


def _as(kind, value):
    """Return ``value`` if it is a ``kind`` (``bool`` is no ``int``)."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"expected a {kind.__name__}, got a {type(value).__name__}")
    return value


def _dtype(text):
    if not _DTYPE.fullmatch(_as(str, text)):
        raise ValueError(f"{text[:40]!r} is not a NumPy dtype")
    return np.dtype(text)


def _keras_name(value, module):
    """The name under which ``module`` exports ``value``, if it is a Keras
    function or (in ``keras.optimizers``) an optimizer class."""
    name = getattr(value, "__name__", None)
    if not isinstance(name, str) or getattr(module, name, None) is not value:
        return None
    if module is keras.optimizers:
        is_optimizer = isinstance(value, type) and issubclass(
            value, keras.optimizers.Optimizer
        )
        return name if is_optimizer else None
    return name if inspect.isfunction(value) and name not in _KERAS_HELPERS else None


def _parameter_names(cls):
    """The constructor parameters of ``cls`` and their defaults (``_NONE``
    for none), as scikit-learn reads them."""
    return {
        p.name: p.default
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


def _is_fitted(name):
    return name.isidentifier() and name.endswith("_") and not name.startswith("_")


def _private_names(classes):
    return {
        name
        for cls in classes
        for name in _PRIVATE_ATTRIBUTES.get(cls.__qualname__, ())
    }


def _is_attribute(cls, name):
    """Whether a file may set ``name`` on a ``cls`` as a fitted attribute."""
    known = _is_fitted(name) or name in _private_names(cls.__mro__)
    # A name the class defines (a method, a property, any descriptor) is
    # never data; looked up without running the descriptors.
    return known and not any(name in vars(base) for base in cls.__mro__)


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
