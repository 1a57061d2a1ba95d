"""An estimator as a tree of plain data, and back, for the model files.

:func:`encode` turns an estimator into JSON-ready data, with its NumPy arrays
and Keras networks set aside; :func:`decode` rebuilds it. Every estimator is a
class name from an allowed package (scikit-learn, sklstm) with its
constructor parameters and fitted attributes. Decoding checks each entry
before using it, and the rebuilt state after: a file that is damaged or
crafted raises :class:`ModelFileError` naming the entry, never another error,
and never loads into an estimator that fails later.
"""

import importlib
import inspect
import re

import keras
import numpy as np
from sklearn.base import BaseEstimator

from sklstm._model_state import OPTIONAL, state_checks

# Packages whose estimator classes a file may name. Classes are imported by
# name and filled with data: none of them runs code taken from a file.
_ALLOWED_PACKAGES = ("sklearn", "sklstm")
# Besides its constructor parameters and its public fitted attributes (names
# ending in "_"), a scikit-learn estimator gets from a file only these private
# attributes of its class or a base class, which a fitted estimator needs.
# sklstm's classes get exactly the attributes of _model_state's _STATE.
_PRIVATE_ATTRIBUTES = {
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
# Parameter constraints under which a bool is a legitimate value; elsewhere
# scikit-learn's validation takes True for the integer 1, sklstm does not.
_BOOLEAN_CONSTRAINTS = ("boolean", "verbose", "no_validation", bool, object)


class ModelFileError(ValueError):
    """A model file that :func:`load` refuses: damaged, or not data only."""


def encode(estimator):
    """The estimator as JSON-ready data, its arrays, and its Keras networks.

    Returns
    -------
    tree : dict
        Plain data; arrays and networks are named by their keys and indices.
    arrays : dict of str to ndarray
    networks : list of keras.Model
    """
    writer = _Writer()
    tree = writer.encode(estimator, type(estimator).__name__)
    return tree, writer.arrays, writer.networks


def decode(tree, arrays, load_network, path):
    """The estimator that :func:`encode` made into ``tree``, checked.

    Parameters
    ----------
    tree : object
        The data read from a file.
    arrays : dict of str to ndarray
        The arrays the tree names.
    load_network : callable
        Takes a network's index and returns the network; raises
        ``ValueError`` if the file has none by that index.
    path : str or path-like
        The file, for messages.

    Raises
    ------
    ModelFileError
        If the tree is not what ``encode`` makes of an estimator.
    """
    estimator = _Reader(arrays, load_network, path).decode(tree, "estimator")
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
                    "attribute; use joblib for trusted files"
                )
            state[name] = self.encode(value, f"{where}.{name}")
        return {"estimator": f"{cls.__module__}:{cls.__qualname__}", "state": state}


class _Reader:
    """Rebuild an object tree from the data that ``_Writer`` made.

    Every entry is checked before it is used, so that a damaged or crafted
    file raises ``ModelFileError`` naming the entry, never another error.
    """

    def __init__(self, arrays, load_network, path):
        self.arrays = arrays
        self.load_network = load_network
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
        if index not in self.networks:
            self.networks[index] = self.load_network(index)
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
        self._check_state(estimator, where)
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
        fitted sklstm estimator without every attribute its fit sets."""
        missing = [n for n, d in parameters.items() if n not in values and d is _NONE]
        if _is_sklstm(cls) and any(map(_is_fitted, values)):
            missing += [
                name
                for name in state_checks(cls)
                if name not in values and name not in OPTIONAL
            ]
        if missing:
            raise self._error(where, f"missing {', '.join(missing)}")
        return {**{n: d for n, d in parameters.items() if d is not _NONE}, **values}

    def _check_state(self, estimator, where):
        """Refuse a bool for an integer parameter, and any value of _STATE's
        entries that is not what the estimator holds there."""
        cls, state = type(estimator), vars(estimator)
        for name, constraints in getattr(cls, "_parameter_constraints", {}).items():
            value = state.get(name)
            if isinstance(value, (bool, np.bool_)) and not any(
                c in _BOOLEAN_CONSTRAINTS for c in constraints
            ):
                raise self._error(where, f"{name} must not be a bool, got {value}")
        for name, (expected, check) in state_checks(cls).items():
            if name in state and not check(state[name], estimator):
                raise self._error(
                    where, f"{name} must be {expected}, got {_describe(state[name])}"
                )

    def _check_owner(self, where, what):
        if self.owner is None or not _is_sklstm(self.owner):
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


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    if isinstance(value, _PLAIN):
        return f"{value!r:.40}"
    return f"a {type(value).__name__}"


# -- names -------------------------------------------------------------------------


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


def _is_sklstm(cls):
    return cls.__module__.startswith("sklstm.")


def _is_fitted(name):
    return name.isidentifier() and name.endswith("_") and not name.startswith("_")


def _is_attribute(cls, name):
    """Whether a file may set ``name`` on a ``cls`` as a fitted attribute."""
    private = (_PRIVATE_ATTRIBUTES.get(c.__qualname__, ()) for c in cls.__mro__)
    # sklstm's own classes hold the attributes _STATE types, no others.
    fitted = name in state_checks(cls) if _is_sklstm(cls) else _is_fitted(name)
    known = fitted or any(name in names for names in private)
    # A name the class defines (a method, a property, any descriptor) is
    # never data; looked up without running the descriptors.
    return known and not any(name in vars(base) for base in cls.__mro__)
