"""Save and load estimators in a file that executes no code when it is read.

A saved model is **one zip file** with two members:

``model.json``
    The format and its version, the library versions that wrote it, and for
    the estimator: its class name, ``get_params()`` and its fitted state
    (sizes, feature names, loss curves...), all as plain JSON.
``weights.safetensors`` (or ``weights.npz`` when safetensors is missing)
    Every array: the network's weights (float32) and the fitted arrays such as
    the scaling statistics (float64), read back with ``allow_pickle=False``.

:func:`load` never unpickles. It checks everything it reads against what the
estimator class declares, and refuses a file that does not match with a
``ValueError`` that says what is wrong.

What a class provides to be saved
---------------------------------
* It is exported from :mod:`sklstm` and validates its parameters with
  ``_parameter_constraints`` (``_validate_params``).
* ``_fitted_state_schema``: a dict from each fitted attribute to its *kind*,
  in an order where an attribute comes after those it refers to:

  ``count``  an integer >= 0;  ``size``  an integer from 1 to ``MAX_SIZE``;
  ``real``  a float (infinities allowed);  ``flag``  a bool;  ``text``  a str;
  ``scalar``  None, a bool, int, float or str;  ``reals``  a list of floats;
  ``finites``  a list of finite floats;  ``params``  a dict of some of the
  estimator's parameters, checked against its ``_parameter_constraints``
  (the values a fitted state was built with: a shape axis named after a
  parameter takes its value from there when the estimator records it in
  ``_architecture``);
  ``names``  a list of str (stored as an object array, like
  ``feature_names_in_``);  ``labels``  a list of series labels, all ints or
  all strs (read back as a NumPy array);  ``array``  a float64 array;  ``scaler``  a
  :class:`~sklstm._scaling.Standardizer`;  ``label``  an index label (an int
  or a pandas Timestamp);  ``step``  an index step (an int or a pandas
  offset);  ``network``  the torch module, rebuilt by the estimator's
  ``_new_network()`` and checked weight by weight (name, dtype, shape);
  ``estimator``  a nested sklstm estimator, saved the same way.

  ``kind[a]`` says that the length of a list or of a scaler's statistics
  equals the integer attribute (or parameter) ``a``, set before it. For an
  array, ``array[a,b]`` gives its shape, one entry per axis, where ``*``
  allows any length. A trailing ``?`` lets the attribute be ``None`` or
  absent.
* Any other fitted attribute makes :func:`save` refuse, so the schema cannot
  silently fall behind the estimator.
* ``_network_parameter_count()``, when it has a ``network``: the number of
  weights and of weight tensors, computed without building the network.

Before it inflates the weights or builds anything, :func:`load` works out
from ``model.json`` how many bytes of arrays the architecture implies, and
refuses a weights member that declares more (or fewer), or that inflates
far beyond its compressed size: the work of loading is bounded by the size
of the file.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import platform
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import sklearn
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import validate_parameter_constraints

from sklstm._device import device_for_loading, resolve_device
from sklstm._persistence import (
    LIVE_ATTRIBUTES,
    arrays_to_network,
    network_to_arrays,
    pandas_to_plain,
    plain_to_pandas,
)
from sklstm._scaling import Standardizer

FORMAT = "sklstm-model"
#: The version this sklstm writes. Bump it when a change to the layout would
#: make older sklstm versions misread a file, and teach :func:`load` to read
#: the older versions it still can (see ``_upgrade``).
FORMAT_VERSION = 1
DOCUMENT = "model.json"
WEIGHT_FILES = ("weights.safetensors", "weights.npz")

#: Bounds that keep a hostile file from exhausting memory.
MAX_DOCUMENT_BYTES = 64 * 2**20
MAX_WEIGHT_BYTES = 4 * 2**30
MAX_SIZE = 2**24
MAX_NESTING = 4
#: Parameters of earlier sklstm versions that are now chosen automatically:
#: files that still name them load, and the value is dropped.
RETIRED_PARAMS = frozenset({"fused_optimizer"})
#: A weights member may hold this many bytes beyond the arrays the
#: architecture implies (the safetensors or npz header), plus
#: ``HEADER_PER_ARRAY`` for each array, ...
HEADER_ALLOWANCE = 64 * 2**10
HEADER_PER_ARRAY = 256
#: ... must hold at least this many compressed bytes per array (so that the
#: work of building the arrays is bounded by the file's size) ...
MIN_COMPRESSED_PER_ARRAY = 8
#: ... and inflate to at most this many times its compressed size, plus the
#: allowance: weights barely compress, so more means a crafted file.
MAX_INFLATION = 8

_KIND = re.compile(r"^(?P<kind>[a-z]+)(\[(?P<shape>[\w*,]+)\])?(?P<optional>\?)?$")
_DOCUMENT_KEYS = {"format", "format_version", "versions", "weights", "estimator"}
_ESTIMATOR_KEYS = {"class", "params", "fitted"}
_JSON_SCALARS = (type(None), bool, int, float, str)


class _RefusedFileError(ValueError):
    """What is wrong with a file, before the file's name is put in front."""


def save(estimator: BaseEstimator, path: str | os.PathLike) -> None:
    """Save an sklstm estimator to one zip file that loads without running code.

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMForecaster
        The estimator to save, fitted or not.
    path : str or path-like
        Where to write the file (conventionally ending in ``.zip``); an
        existing file is replaced.

    Raises
    ------
    ValueError
        If a parameter cannot be written as JSON (for example a
        ``RandomState`` instance as ``random_state``: use an int or None).

    See Also
    --------
    load : Read the file back.

    Notes
    -----
    The weights go into ``weights.safetensors`` when the ``safetensors``
    package is installed (``pip install sklstm[safe]``), otherwise into
    ``weights.npz``; :func:`load` reads both.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import sklstm
    >>> X = np.random.default_rng(0).normal(size=(50, 2))
    >>> model = sklstm.LSTMRegressor(lookback=3, hidden_size=4, max_iter=5,
    ...                              random_state=0).fit(X, X[:, 0])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "model.zip")
    ...     sklstm.save(model, path)
    ...     loaded = sklstm.load(path)
    >>> bool(np.array_equal(loaded.predict(X), model.predict(X)))
    True
    """
    arrays: dict[str, np.ndarray] = {}
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "estimator": _encode_estimator(estimator, "", arrays),
    }
    weights_name, payload = _pack(arrays)
    document["weights"] = weights_name
    text = json.dumps(document, indent=1, allow_nan=True)
    if not isinstance(path, (str, os.PathLike)):  # a binary file object
        _write_archive(path, text, weights_name, payload)
        return
    _replace_atomically(
        os.fspath(path), lambda file: _write_archive(file, text, weights_name, payload)
    )


def _write_archive(file, text: str, weights_name: str, payload: bytes) -> None:
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DOCUMENT, text)
        archive.writestr(weights_name, payload)


def _replace_atomically(path: str, write: Callable[[Any], None]) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``.

    An interruption (Ctrl-C, a full disk) leaves the previous file as it was
    and removes the partial one.
    """
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".partial"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _new_file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _new_file_mode(path: str) -> int:
    """The permissions ``open(path, 'w')`` would give (mkstemp's are 0o600)."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def load(
    path: str | os.PathLike, device: str | torch.device | None = None
) -> BaseEstimator:
    """Load an estimator saved by :func:`save`, without running any code from it.

    Parameters
    ----------
    path : str, path-like or binary file object
        A file written by :func:`save`.
    device : str, torch.device or None, default=None
        Where the loaded network lives: ``'auto'``, ``'cpu'``, ``'cuda'``,
        ``'cuda:N'``, ``'mps'`` or a torch.device. ``None`` uses the device it was
        trained on when this machine has it, and otherwise the best device
        available here (with a :class:`~sklstm.exceptions.DeviceWarning`).
        The fitted ``device_`` says where it ended up.

    Returns
    -------
    estimator : LSTMRegressor or LSTMForecaster
        The estimator, with the parameters and fitted state it was saved with.

    Raises
    ------
    ValueError
        If the file is not an sklstm model file, was written in a format
        version this sklstm cannot read, or holds anything that does not
        match what the estimator class expects (unknown keys, wrong types,
        invalid parameters, weights whose names, dtypes or shapes differ from
        the architecture, sizes beyond sane bounds).

    See Also
    --------
    save : Write the file.

    Examples
    --------
    >>> import os, tempfile
    >>> import sklstm
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "unfitted.zip")
    ...     sklstm.save(sklstm.LSTMRegressor(lookback=7), path)
    ...     sklstm.load(path).lookback
    7
    """
    target = None if device is None else resolve_device(device)
    try:
        document, arrays = _read_archive(path)
        used: set[str] = set()
        estimator = _decode_estimator(document["estimator"], "", arrays, target, used)
        unused = sorted(set(arrays) - used)
        if unused:
            raise _RefusedFileError(f"it holds arrays no attribute uses: {unused[:5]}")
    except _RefusedFileError as problem:
        raise ValueError(
            f"{_file_name(path)} cannot be loaded as an sklstm model: {problem}"
        ) from None
    except (ArithmeticError, LookupError, RuntimeError, TypeError, ValueError) as error:
        # Whatever else a crafted file provokes is a refusal too.
        raise ValueError(
            f"{_file_name(path)} cannot be loaded as an sklstm model: "
            f"{type(error).__name__}: {error}"
        ) from None
    return estimator


def _file_name(path) -> str:
    """The file, as an error message names it."""
    if isinstance(path, (str, os.PathLike)):
        return repr(os.fspath(path))
    name = getattr(path, "name", None)
    return f"the file object {name!r}" if name else f"the {type(path).__name__}"


# ------------------------------------------------------------------- writing


def _encode_estimator(
    estimator: BaseEstimator, prefix: str, arrays: dict[str, np.ndarray]
) -> dict:
    name = type(estimator).__name__
    if savable_classes().get(name) is not type(estimator):
        raise ValueError(
            f"sklstm.save stores sklstm estimators ({sorted(savable_classes())}); "
            f"got {type(estimator).__qualname__}. Use skops.io or pickle for "
            "other objects."
        )
    params = {}
    for key, value in estimator.get_params(deep=False).items():
        if isinstance(value, torch.device):
            value = str(value)
        if not isinstance(value, _JSON_SCALARS):
            raise ValueError(
                f"sklstm.save cannot store the parameter {key}={value!r}: only "
                "None, bool, int, float and str parameters can be saved. Set it "
                "to one of those (for random_state: an int or None) and save "
                "again, or use skops.io."
            )
        params[key] = value
    fitted = None
    if estimator.__sklearn_is_fitted__():
        fitted = _encode_fitted(estimator, prefix, arrays)
    return {"class": name, "params": params, "fitted": fitted}


def _encode_fitted(
    estimator: BaseEstimator, prefix: str, arrays: dict[str, np.ndarray]
) -> dict:
    schema = estimator._fitted_state_schema
    params = estimator.get_params(deep=False)
    unknown = sorted(
        set(vars(estimator)) - set(schema) - set(params) - set(LIVE_ATTRIBUTES)
    )
    if unknown:
        raise ValueError(
            f"sklstm.save does not know how to store the fitted attribute(s) "
            f"{unknown} of {type(estimator).__name__}: add them to its "
            "_fitted_state_schema."
        )
    fitted = {}
    for attribute, spec in schema.items():
        kind, _, optional = _parse_kind(spec)
        if not hasattr(estimator, attribute):
            if not optional:
                raise ValueError(f"the fitted attribute {attribute!r} is missing")
            continue
        value = getattr(estimator, attribute)
        key = f"{prefix}{attribute}"
        if value is None:
            fitted[attribute] = None
        elif kind == "network":
            for weight, array in network_to_arrays(value).items():
                arrays[f"{key}.{weight}"] = array
            fitted[attribute] = True
        elif kind == "scaler":
            arrays[f"{key}.mean"] = np.asarray(value.mean, dtype=np.float64)
            arrays[f"{key}.scale"] = np.asarray(value.scale, dtype=np.float64)
            fitted[attribute] = True
        elif kind == "array":
            arrays[key] = np.ascontiguousarray(value, dtype=np.float64)
            fitted[attribute] = True
        elif kind == "estimator":
            fitted[attribute] = _encode_estimator(value, f"{key}/", arrays)
        elif kind == "names":
            fitted[attribute] = [str(name) for name in value]
        elif kind == "labels":
            fitted[attribute] = _encode_labels(attribute, value)
        elif kind in ("reals", "finites"):
            fitted[attribute] = [float(number) for number in value]
        elif kind == "params":
            fitted[attribute] = dict(value)
        elif kind in ("label", "step") and isinstance(
            value, (pd.Timestamp, pd.DateOffset)
        ):
            fitted[attribute] = pandas_to_plain(value)
        elif kind == "scalar":
            value = value.item() if isinstance(value, np.generic) else value
            if not isinstance(value, _JSON_SCALARS):
                raise ValueError(
                    f"sklstm.save cannot store {attribute}={value!r}: it must be "
                    "None, a bool, int, float or str."
                )
            fitted[attribute] = value
        else:
            fitted[attribute] = _SCALAR_ENCODERS[kind](value)
    return fitted


def _encode_labels(attribute: str, value) -> list:
    labels = [v.item() if isinstance(v, np.generic) else v for v in value]
    if not (
        all(isinstance(v, int) and not isinstance(v, bool) for v in labels)
        or all(isinstance(v, str) for v in labels)
    ):
        raise ValueError(
            f"sklstm.save cannot store the labels {attribute}: they must be all "
            "integers or all strings."
        )
    return labels


_SCALAR_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "count": int,
    "size": int,
    "real": float,
    "flag": bool,
    "text": str,
    "label": int,
    "step": int,
}


def _pack(arrays: dict[str, np.ndarray]) -> tuple[str, bytes]:
    try:
        from safetensors.numpy import save as save_safetensors
    except ImportError:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return "weights.npz", buffer.getvalue()
    return "weights.safetensors", save_safetensors(
        {name: np.ascontiguousarray(array) for name, array in arrays.items()}
    )


def _versions() -> dict[str, str]:
    from sklstm import __version__

    return {
        "sklstm": __version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


# ------------------------------------------------------------------- reading


def _read_archive(path) -> tuple[dict, dict[str, np.ndarray]]:
    if not isinstance(path, (str, os.PathLike)) and not all(
        hasattr(path, method) for method in ("read", "seek", "tell")
    ):
        raise _RefusedFileError(
            f"expected a path or a binary file object opened for reading; got "
            f"{type(path).__name__}"
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, TypeError, ValueError):
        raise _RefusedFileError("it is not a zip file written by sklstm.save") from None
    with archive:
        names = archive.namelist()
        if len(names) != len(set(names)):
            raise _RefusedFileError("it lists a member twice")
        if DOCUMENT not in names:
            raise _RefusedFileError(f"it has no {DOCUMENT} (members: {names[:5]})")
        document = _parse_document(_read_member(archive, DOCUMENT, MAX_DOCUMENT_BYTES))
        weights_name = document["weights"]
        if weights_name not in WEIGHT_FILES:
            raise _RefusedFileError(f"'weights' must be one of {WEIGHT_FILES}")
        extra = sorted(set(names) - {DOCUMENT, weights_name})
        if extra or weights_name not in names:
            raise _RefusedFileError(
                f"it must hold exactly {DOCUMENT} and {weights_name}; it holds "
                f"{sorted(names)[:5]}"
            )
        info = archive.getinfo(weights_name)
        limit = _weights_bound(document["estimator"], info)
        payload = _read_member(archive, weights_name, limit)
    return document, _unpack(weights_name, payload)


def _weights_bound(estimator: Any, info: zipfile.ZipInfo) -> int:
    """The most bytes the weights member may inflate to, checked before reading.

    The arrays' sizes follow from ``model.json`` (the architecture and the
    fitted sizes), so a member that declares more is refused unread, and so
    is one that claims to inflate far beyond its compressed size.
    """
    plan = _Plan()
    _decode_estimator(estimator, "", {}, None, set(), plan)
    implied = plan.bytes
    if implied > MAX_WEIGHT_BYTES:
        raise _RefusedFileError(
            f"its architecture implies {implied} bytes of weights, more than the "
            f"{MAX_WEIGHT_BYTES} sklstm loads"
        )
    compressed = info.compress_size
    if compressed < MIN_COMPRESSED_PER_ARRAY * plan.arrays:
        raise _RefusedFileError(
            f"its member {info.filename} holds {compressed} compressed bytes, too "
            f"few for the {plan.arrays} arrays the architecture in {DOCUMENT} needs"
        )
    allowance = HEADER_ALLOWANCE + HEADER_PER_ARRAY * plan.arrays
    most = implied + allowance
    if plan.free_length:  # arrays of any length: bounded by the file itself
        most += MAX_INFLATION * compressed
    most = min(most, MAX_INFLATION * compressed + allowance, MAX_WEIGHT_BYTES)
    if info.file_size < implied:
        raise _RefusedFileError(
            f"its member {info.filename} holds {info.file_size} bytes, but the "
            f"architecture in {DOCUMENT} needs at least {implied}"
        )
    if info.file_size > most:
        raise _RefusedFileError(
            f"its member {info.filename} declares {info.file_size} bytes "
            f"({compressed} compressed), more than the {most} that the "
            f"architecture in {DOCUMENT} and the file's size allow"
        )
    return most


class _Plan:
    """What the arrays of a document add up to, worked out before reading them."""

    def __init__(self) -> None:
        self.bytes = 0
        self.arrays = 0
        self.free_length = False

    def add(self, shape: list[int | None], itemsize: int, arrays: int = 1) -> None:
        known = [length for length in shape if length is not None]
        self.free_length |= len(known) < len(shape)
        self.bytes += itemsize * math.prod(known)
        self.arrays += arrays


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    try:
        with archive.open(name) as member:
            data = member.read(limit + 1)
    except (
        RuntimeError,
        zipfile.BadZipFile,
        OSError,
        EOFError,
        zlib.error,
        NotImplementedError,
    ) as error:
        raise _RefusedFileError(f"its member {name} cannot be read ({error})") from None
    if len(data) > limit:
        raise _RefusedFileError(f"its member {name} is larger than {limit} bytes")
    return data


def _parse_document(data: bytes) -> dict:
    def refuse_duplicates(pairs):
        keys = [key for key, _ in pairs]
        if len(keys) != len(set(keys)):
            raise _RefusedFileError(f"{DOCUMENT} repeats a key among {keys[:8]}")
        return dict(pairs)

    try:
        document = json.loads(data.decode("utf-8"), object_pairs_hook=refuse_duplicates)
    except (ValueError, RecursionError) as error:  # incl. integers of >4300 digits
        raise _RefusedFileError(f"{DOCUMENT} is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _RefusedFileError(f"{DOCUMENT} does not say format={FORMAT!r}")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _RefusedFileError(f"format_version must be an integer; got {version!r}")
    document = _upgrade(document, version)
    _check_keys(document, _DOCUMENT_KEYS, "the document")
    versions = document["versions"]
    if not isinstance(versions, dict) or not all(
        isinstance(key, str) and isinstance(value, str)
        for key, value in versions.items()
    ):
        raise _RefusedFileError("'versions' must map library names to version strings")
    return document


def _upgrade(document: dict, version: int) -> dict:
    """Bring a document of an older format version up to ``FORMAT_VERSION``.

    Format 1 is the first; older or newer versions cannot be read. When
    format 2 arrives, a function here turns a version-1 document into a
    version-2 one, and every version-1 file keeps loading.
    """
    if version == FORMAT_VERSION:
        return document
    written_by = document.get("versions", {})
    written_by = written_by.get("sklstm") if isinstance(written_by, dict) else None
    origin = f" (written by sklstm {written_by})" if isinstance(written_by, str) else ""
    if version > FORMAT_VERSION:
        raise _RefusedFileError(
            f"it uses format version {version}{origin}, newer than the version "
            f"{FORMAT_VERSION} this sklstm reads. Upgrade sklstm to load it."
        )
    raise _RefusedFileError(
        f"it uses format version {version}{origin}, which this sklstm cannot "
        f"read: it reads format version {FORMAT_VERSION}. Load it with the sklstm "
        "version that wrote it and save it again with this one, or refit."
    )


def _unpack(weights_name: str, payload: bytes) -> dict[str, np.ndarray]:
    if weights_name == "weights.safetensors":
        try:
            from safetensors.numpy import load as load_safetensors
        except ImportError:
            raise _RefusedFileError(
                "its weights are in safetensors format; install the safetensors "
                "package (pip install sklstm[safe]) to read them"
            ) from None
        try:
            return dict(load_safetensors(payload))
        except Exception as error:  # safetensors raises its own error type
            raise _RefusedFileError(f"its weights cannot be read ({error})") from None
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise _RefusedFileError(f"its weights cannot be read ({error})") from None


def _decode_estimator(
    document: Any,
    prefix: str,
    arrays: dict[str, np.ndarray],
    device: torch.device | None,
    used: set[str],
    plan: _Plan | None = None,
) -> BaseEstimator:
    """Rebuild an estimator; with ``plan``, only add up its arrays' sizes."""
    if prefix.count("/") > MAX_NESTING:
        raise _RefusedFileError("estimators are nested too deeply")
    where = f"the estimator at {prefix!r}" if prefix else "the estimator"
    _check_keys(document, _ESTIMATOR_KEYS, where)
    classes = savable_classes()
    cls = classes.get(document["class"])
    if cls is None:
        raise _RefusedFileError(
            f"its class {document['class']!r} is not one sklstm can load "
            f"({sorted(classes)})"
        )
    params = document["params"]
    if not isinstance(params, dict):
        raise _RefusedFileError(f"the parameters of {where} must be a JSON object")
    params = {key: value for key, value in params.items() if key not in RETIRED_PARAMS}
    unknown = sorted(set(params) - set(cls._get_param_names()))
    if unknown:
        raise _RefusedFileError(f"{cls.__name__} has no parameter(s) {unknown}")
    for key, value in params.items():
        if not isinstance(value, _JSON_SCALARS):
            raise _RefusedFileError(
                f"the parameter {key} must be a JSON scalar; got {value!r}"
            )
    estimator = cls(**params)
    try:
        estimator._validate_params()
    except ValueError as error:
        raise _RefusedFileError(f"its parameters are invalid: {error}") from None
    fitted = document["fitted"]
    if fitted is None:
        return estimator
    if not isinstance(fitted, dict):
        raise _RefusedFileError(
            f"the fitted state of {where} must be a JSON object or null"
        )
    schema = cls._fitted_state_schema
    _check_keys(fitted, set(schema), f"the fitted state of {where}", exact=False)
    for attribute, spec in schema.items():
        kind, shape, optional = _parse_kind(spec)
        if attribute not in fitted or fitted[attribute] is None:
            if not optional:
                raise _RefusedFileError(
                    f"the fitted attribute {attribute!r} is missing"
                )
            if attribute in fitted:
                setattr(estimator, attribute, None)
            continue
        expected = [None if axis == "*" else _axis(estimator, axis) for axis in shape]
        context = _Context(f"{prefix}{attribute}", arrays, device, used, expected)
        context.plan = plan
        value = _DECODERS[kind](fitted[attribute], context, estimator)
        setattr(estimator, attribute, value)
    return estimator


def _axis(estimator: BaseEstimator, name: str) -> int:
    """A length named in a schema: a fitted attribute, or a fitted parameter."""
    recorded = getattr(estimator, "_architecture", None)
    if isinstance(recorded, dict) and name in recorded:
        return recorded[name]
    return getattr(estimator, name)


class _Context:
    """What a decoder needs besides the JSON value: arrays, device, bounds.

    With a ``plan``, array decoders add the bytes they would read to it and
    return None, reading nothing.
    """

    plan: _Plan | None = None

    def __init__(self, key, arrays, device, used, shape):
        self.key, self.arrays, self.device = key, arrays, device
        self.used, self.shape = used, shape

    def array(self, name: str, dtype: type) -> np.ndarray:
        if name not in self.arrays:
            raise _RefusedFileError(f"the array {name!r} is missing")
        array = self.arrays[name]
        if array.dtype != dtype:
            raise _RefusedFileError(
                f"the array {name!r} must be {np.dtype(dtype)}; got {array.dtype}"
            )
        self.used.add(name)
        return array

    def check_length(self, n: int) -> None:
        if self.shape and n != self.shape[0]:
            raise _RefusedFileError(
                f"{self.key!r} has length {n}, but must have {self.shape[0]}"
            )

    def check_shape(self, shape: tuple[int, ...]) -> None:
        if self.shape and (
            len(shape) != len(self.shape)
            or any(
                want is not None and got != want
                for got, want in zip(shape, self.shape, strict=True)
            )
        ):
            wanted = tuple("any" if want is None else want for want in self.shape)
            raise _RefusedFileError(
                f"the array {self.key!r} has shape {shape}, but must have {wanted}"
            )


def _integer(value, context, _estimator, low=0, high=2**63 - 1):
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not low <= value <= high
    ):
        raise _RefusedFileError(
            f"{context.key!r} must be an integer from {low} to {high}; got {value!r}"
        )
    return value


def _size(value, context, estimator):
    return _integer(value, context, estimator, low=1, high=MAX_SIZE)


def _real(value, context, _estimator):
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise _RefusedFileError(f"{context.key!r} must be a number; got {value!r}")
    return float(value)


def _typed(kind: type) -> Callable:
    def decode(value, context, _estimator):
        if not isinstance(value, kind):
            raise _RefusedFileError(
                f"{context.key!r} must be a {kind.__name__}; got {value!r}"
            )
        return value

    return decode


def _reals(value, context, estimator):
    if not isinstance(value, list):
        raise _RefusedFileError(f"{context.key!r} must be a list of numbers")
    context.check_length(len(value))
    return [_real(number, context, estimator) for number in value]


def _finites(value, context, estimator):
    numbers = _reals(value, context, estimator)
    if not all(math.isfinite(number) for number in numbers):
        raise _RefusedFileError(f"{context.key!r} must hold finite numbers only")
    return numbers


def _params(value, context, estimator):
    """Parameter values a fitted state was built with, checked like parameters."""
    if not isinstance(value, dict):
        raise _RefusedFileError(f"{context.key!r} must be a JSON object")
    constraints = type(estimator)._parameter_constraints
    unknown = sorted(set(value) - set(constraints))
    if unknown:
        raise _RefusedFileError(f"{context.key!r} names no parameter(s) {unknown[:5]}")
    if not all(isinstance(item, _JSON_SCALARS) for item in value.values()):
        raise _RefusedFileError(f"{context.key!r} must hold JSON scalars")
    try:
        validate_parameter_constraints(
            {name: constraints[name] for name in value},
            value,
            caller_name=type(estimator).__name__,
        )
    except ValueError as error:
        raise _RefusedFileError(f"{context.key!r} is invalid: {error}") from None
    return dict(value)


def _names(value, context, _estimator):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _RefusedFileError(f"{context.key!r} must be a list of strings")
    context.check_length(len(value))
    return np.asarray(value, dtype=object)


def _labels(value, context, _estimator):
    if not isinstance(value, list) or not (
        all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or all(isinstance(v, str) for v in value)
    ):
        raise _RefusedFileError(
            f"{context.key!r} must be a list of all integers or all strings"
        )
    context.check_length(len(value))
    return np.asarray(value)


def _stored(value, context) -> None:
    if value is not True:
        raise _RefusedFileError(
            f"{context.key!r} must be true (stored among the arrays)"
        )


def _array(value, context, _estimator):
    _stored(value, context)
    if context.plan is not None:
        context.plan.add(context.shape, 8)
        return None
    array = context.array(context.key, np.float64)
    context.check_shape(array.shape)
    return array.copy()


def _scaler(value, context, _estimator):
    _stored(value, context)
    if context.plan is not None:
        context.plan.add([2, *context.shape], 8, arrays=2)
        return None
    mean = context.array(f"{context.key}.mean", np.float64)
    scale = context.array(f"{context.key}.scale", np.float64)
    if mean.ndim != 1 or mean.shape != scale.shape:
        raise _RefusedFileError(
            f"the scaling statistics {context.key!r} must be two 1-D arrays"
        )
    context.check_length(len(mean))
    if not (
        np.all(np.isfinite(mean)) and np.all(np.isfinite(scale)) and np.all(scale > 0)
    ):
        raise _RefusedFileError(
            f"the scaling statistics {context.key!r} must be finite with a "
            "positive scale"
        )
    return Standardizer(mean.copy(), scale.copy())


def _network(value, context, estimator):
    _stored(value, context)
    if context.plan is not None:
        weights, tensors = estimator._network_parameter_count()
        context.plan.add([weights], 4, arrays=tensors)
        return None
    with torch.device("meta"):
        architecture = estimator._new_network().state_dict()
    names = {f"{context.key}.{name}": name for name in architecture}
    stored = {name for name in context.arrays if name.startswith(f"{context.key}.")}
    if set(names) != stored:
        missing = sorted(set(names) - stored)[:3]
        extra = sorted(stored - set(names))[:3]
        raise _RefusedFileError(
            f"its weights do not match the architecture its parameters describe "
            f"(missing: {missing}, unexpected: {extra})"
        )
    weights = {}
    for key, name in names.items():
        array = context.array(key, np.float32)
        expected = tuple(architecture[name].shape)
        if array.shape != expected:
            raise _RefusedFileError(
                f"the weight {name!r} has shape {array.shape}, but the "
                f"architecture needs {expected}"
            )
        weights[name] = array
    device = context.device
    if device is None:
        device = device_for_loading(getattr(estimator, "device_", "cpu"))
    estimator.device_ = str(device)
    return arrays_to_network(estimator._new_network(), weights, device)


def _pandas_value(keys: set[str], what: str) -> Callable:
    """Decode an int, or a timestamp or frequency stored by ``pandas_to_plain``."""

    def decode(value, context, estimator):
        if not isinstance(value, dict):
            return _integer(value, context, estimator, low=-(2**63))
        _check_keys(value, keys, repr(context.key))
        if not all(isinstance(value[key], str) for key in keys - {"tz"}) or not (
            value.get("tz") is None or isinstance(value["tz"], str)
        ):
            raise _RefusedFileError(f"{context.key!r} must hold strings")
        try:
            return plain_to_pandas(value)
        except (ValueError, TypeError, KeyError) as error:
            raise _RefusedFileError(
                f"{context.key!r} is not a valid {what} ({error})"
            ) from None

    return decode


def _scalar(value, context, _estimator):
    if not isinstance(value, _JSON_SCALARS):
        raise _RefusedFileError(f"{context.key!r} must be a JSON scalar; got {value!r}")
    return value


def _nested(value, context, _estimator):
    return _decode_estimator(
        value,
        f"{context.key}/",
        context.arrays,
        context.device,
        context.used,
        context.plan,
    )


_DECODERS: dict[str, Callable] = {
    "count": _integer,
    "size": _size,
    "real": _real,
    "flag": _typed(bool),
    "text": _typed(str),
    "reals": _reals,
    "finites": _finites,
    "params": _params,
    "names": _names,
    "labels": _labels,
    "array": _array,
    "scaler": _scaler,
    "label": _pandas_value({"timestamp", "tz"}, "timestamp"),
    "step": _pandas_value({"offset"}, "pandas frequency"),
    "scalar": _scalar,
    "network": _network,
    "estimator": _nested,
}


def _parse_kind(spec: str) -> tuple[str, str | None, bool]:
    match = _KIND.match(spec)
    if match is None or match["kind"] not in _DECODERS:
        raise TypeError(f"unknown fitted-state kind {spec!r}")
    shape = match["shape"].split(",") if match["shape"] else []
    return match["kind"], shape, match["optional"] is not None


def _check_keys(document: Any, keys: set[str], where: str, exact: bool = True):
    if not isinstance(document, dict):
        raise _RefusedFileError(f"{where} must be a JSON object")
    unknown = sorted(set(document) - keys)
    if unknown:
        raise _RefusedFileError(f"{where} has unknown key(s) {unknown[:5]}")
    missing = sorted(keys - set(document))
    if exact and missing:
        raise _RefusedFileError(f"{where} lacks the key(s) {missing}")


def savable_classes() -> dict[str, type]:
    """The estimator classes :func:`load` may build, by public name."""
    import sklstm

    classes = {}
    for name in sklstm.__all__:
        candidate = getattr(sklstm, name)
        if isinstance(candidate, type) and hasattr(candidate, "_fitted_state_schema"):
            classes[name] = candidate
    return classes
