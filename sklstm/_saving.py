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
* ``_fitted_state_schema``: its fitted attributes, each with the
  :class:`~sklstm._state.Field` that encodes and checks it (see
  :mod:`sklstm._state`, which also drives pickling).

Before it inflates the weights or builds anything, :func:`load` works out
from ``model.json`` how many bytes of arrays the architecture implies, and
refuses a weights member that declares more (or fewer), or that inflates
beyond 8 times its compressed size (or 256 MiB, for the state of series
that compresses well) and never beyond what deflate can: the work of
loading is bounded by the size of the file.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import platform
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import sklearn
import torch
from sklearn.base import BaseEstimator

from sklstm._device import resolve_device
from sklstm._state import (
    ArrayPlan,
    RefusedFileError,
    check_keys,
    decode_estimator,
    encode_estimator,
)

FORMAT = "sklstm-model"
#: The version this sklstm writes. Bump it when a change to the layout would
#: make older sklstm versions misread a file, and teach :func:`load` to read
#: the older versions it still can (see ``_upgrade``).
FORMAT_VERSION = 2
#: Marks a document of format 1 once read (never written to a file).
LEGACY_LAYOUT = "_legacy_layout"
DOCUMENT = "model.json"
WEIGHT_FILES = ("weights.safetensors", "weights.npz")

#: Bounds that keep a hostile file from exhausting memory.
MAX_DOCUMENT_BYTES = 64 * 2**20
#: ``model.json`` may hold at most this many JSON values, counted by their
#: separators and brackets before any is built: a few per series label, far
#: fewer than the bytes a crafted document packs as empty lists.
MAX_DOCUMENT_VALUES = 2**22
MAX_WEIGHT_BYTES = 4 * 2**30
#: A weights member may hold this many bytes beyond the arrays the
#: architecture implies (the safetensors or npz header), plus
#: ``HEADER_PER_ARRAY`` for each array, ...
HEADER_ALLOWANCE = 64 * 2**10
HEADER_PER_ARRAY = 256
#: ... must hold at least this many compressed bytes per array (so that the
#: work of building the arrays is bounded by the file's size) ...
MIN_COMPRESSED_PER_ARRAY = 8
#: ... and inflate to at most this many times its compressed size, plus the
#: allowance (weights barely compress) ...
MAX_INFLATION = 8
#: ... or to this many bytes in all, whatever its compressed size: the state
#: of constant or intermittent series, their masks, a long season or
#: horizon compress hundreds of times, and a tighter bound refused files
#: that ``save`` wrote ...
INFLATION_FLOOR = 256 * 2**20
#: ... but never beyond deflate's own limit (as ``model.json``): a file of n
#: bytes makes ``load`` build at most about a thousand times n.
DEFLATE_LIMIT = 1032

_DOCUMENT_KEYS = {"format", "format_version", "versions", "weights", "estimator"}


def save(estimator: BaseEstimator, path: str | os.PathLike) -> None:
    """Save an sklstm estimator to one zip file that loads without running code.

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMForecaster
        The estimator to save, fitted or not.
    path : str, path-like or binary file object
        Where to write the file (conventionally ending in ``.zip``); an
        existing file is replaced (through a link to it, which keeps
        pointing at it).

    Raises
    ------
    ValueError
        If a parameter cannot be written as JSON (for example a
        ``RandomState`` instance as ``random_state``: use an int or None),
        or is invalid (set by ``set_params`` since the last fit): ``load``
        would refuse the file.
    FileNotFoundError
        If the folder of ``path`` does not exist.
    TypeError
        If ``path`` is neither a path nor a binary file object opened for
        writing.
    IsADirectoryError
        If ``path`` is a folder (or ends with a separator).
    OSError
        If ``path`` names something other than a regular file (a pipe, a
        device).
    PermissionError
        If the folder of ``path``, or the file it names, may not be written
        to.

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
        "estimator": encode_estimator(estimator, "", arrays),
    }
    if not isinstance(path, (str, os.PathLike)):
        check_writable_file(path)
    try:  # load validates them: a file it would refuse is not written
        estimator._validate_params()
    except ValueError as error:
        raise ValueError(
            f"sklstm.save refuses {type(estimator).__name__} with invalid "
            f"parameters, which load would refuse: {error} Fix them with "
            "set_params first."
        ) from None
    weights_name, payload = _pack(arrays)
    document["weights"] = weights_name
    text = json.dumps(document, indent=1, allow_nan=True)
    size = len(text.encode())
    if size > MAX_DOCUMENT_BYTES:
        raise ValueError(
            f"sklstm.save refuses this {type(estimator).__name__}: its {DOCUMENT} "
            f"(parameters, series labels) would take {size} bytes, "
            f"more than the {MAX_DOCUMENT_BYTES} load reads. Give the series "
            "shorter labels (for example integer ids, with a table of names "
            "beside the model), or use pickle or joblib."
        )
    archive = io.BytesIO()
    _write_archive(archive, text, weights_name, payload)
    _refuse_what_load_would_refuse(archive, document, estimator)
    written = archive.getvalue()
    if not isinstance(path, (str, os.PathLike)):  # a binary file object
        path.write(written)  # in one go: no seek, as a stream takes it
        return
    _replace_atomically(os.fspath(path), lambda file: file.write(written))


def _refuse_what_load_would_refuse(
    archive: io.BytesIO, document: dict, estimator: BaseEstimator
) -> None:
    """Refuse to write a file that :func:`load` would refuse by its bounds
    (the values of ``model.json``, the inflation of the weights)."""
    try:
        with zipfile.ZipFile(archive) as written:
            _read_document(written)
            info = written.getinfo(document["weights"])
            _weights_bound(document["estimator"], info, legacy=False)
    except RefusedFileError as problem:
        raise ValueError(
            f"sklstm.save refuses this {type(estimator).__name__}: load would "
            f"refuse the file it writes, as {problem} (load bounds what a file "
            "may make it build). Keep such a model with pickle or joblib, for "
            f"files you trust; where {DOCUMENT} is too large, give the series "
            "shorter labels."
        ) from None


def check_writable_file(file) -> None:
    """Refuse, before anything is written, what is neither a path nor a
    binary file object opened for writing."""
    if not hasattr(file, "write"):
        raise TypeError(
            "sklstm.save expects a path (str or pathlib.Path) or a binary file "
            f"object opened for writing; got {type(file).__name__}."
        )
    if "a" in str(getattr(file, "mode", "")):
        raise TypeError(
            "sklstm.save got a file opened for appending, where a zip file "
            "cannot rewrite its headers: open it with mode 'wb', or pass its path."
        )
    writable = getattr(file, "writable", None)
    if callable(writable) and not writable():
        raise TypeError(
            "sklstm.save got a file opened for reading only: open it with mode "
            "'wb', or pass its path."
        )
    try:
        file.write(b"")  # writes nothing to a binary file; a text one refuses
    except TypeError:
        raise TypeError(
            "sklstm.save writes a zip file, which is binary: open the file with "
            "mode 'wb', or pass its path."
        ) from None


def _write_archive(file, text: str, weights_name: str, payload: bytes) -> None:
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DOCUMENT, text)
        archive.writestr(weights_name, payload)


def _replace_atomically(path: str, write: Callable[[Any], None]) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``.

    An interruption (Ctrl-C, a full disk) leaves the previous file as it was
    and removes the partial one.
    """
    asked = path
    path = checked_target(path)
    folder = os.path.dirname(path)
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".partial"
        )
    except PermissionError as error:  # else it names a file never asked for
        raise PermissionError(
            errno.EACCES,
            f"Cannot save to {asked!r}: no permission to write in the folder "
            f"{folder!r} ({error.strerror}). Save elsewhere.",
            asked,
        ) from None
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


_SEPARATORS = tuple(sep for sep in (os.sep, os.altsep) if sep)


def checked_target(path: str | os.PathLike) -> str:
    """The file :func:`save` would write for ``path`` (through a link), once
    checked that it can write it; refuses what it cannot, writing nothing.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklstm._saving import checked_target
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = checked_target(os.path.join(folder, "model.zip"))
    ...     try:
    ...         checked_target(os.path.join(folder, "models") + os.sep)
    ...     except IsADirectoryError:
    ...         print("a folder")
    ...     os.path.basename(target)
    a folder
    'model.zip'
    """
    asked = os.fspath(path)
    # A link is written through, as open(path, "wb") would: it keeps pointing
    # at the file, which now holds the new model.
    path = os.path.realpath(asked)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):  # else mkstemp names its temporary file
        raise FileNotFoundError(
            errno.ENOENT,
            f"Cannot save to {asked!r}: the folder {folder!r} does not exist. "
            "Create it first (os.makedirs), or save elsewhere.",
            asked,
        )
    if os.path.isdir(path) or asked.endswith(_SEPARATORS):
        # realpath drops a trailing separator: "models/" names a folder.
        raise IsADirectoryError(
            errno.EISDIR,
            f"Cannot save to {asked!r}: it is a folder. Pass a file name in it, "
            "such as os.path.join(folder, 'model.zip').",
            asked,
        )
    if os.path.exists(path) and not os.path.isfile(path):
        # A FIFO or a device: renaming over it would replace it with a file.
        raise OSError(
            errno.EINVAL,
            f"Cannot save to {asked!r}: it is not a regular file (a pipe or a "
            "device). Pass the path of a file, or write to an open binary file.",
            asked,
        )
    if os.path.exists(path) and not os.access(path, os.W_OK):
        # Renaming over it would skip the file's own permission.
        raise PermissionError(
            errno.EACCES,
            f"Cannot save to {asked!r}: the file is write-protected. Save "
            "elsewhere, or make it writable first.",
            asked,
        )
    return path


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
        estimator = decode_estimator(
            document["estimator"],
            "",
            arrays,
            target,
            used,
            legacy=document.get(LEGACY_LAYOUT, False),
        )
        unused = sorted(set(arrays) - used)
        if unused:
            raise RefusedFileError(f"it holds arrays no attribute uses: {unused[:5]}")
    except RefusedFileError as problem:
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
        raise RefusedFileError(
            f"expected a path or a binary file object opened for reading; got "
            f"{type(path).__name__}"
        )
    if isinstance(path, (str, os.PathLike)) and os.path.isdir(path):
        # Opening it raises IsADirectoryError (PermissionError on Windows).
        raise RefusedFileError("it is a directory; pass the file sklstm.save wrote")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, TypeError, ValueError):
        raise RefusedFileError("it is not a zip file written by sklstm.save") from None
    with archive:
        names = archive.namelist()
        if len(names) != len(set(names)):
            raise RefusedFileError("it lists a member twice")
        if DOCUMENT not in names:
            raise RefusedFileError(f"it has no {DOCUMENT} (members: {names[:5]})")
        document = _parse_document(_read_document(archive))
        weights_name = document["weights"]
        if weights_name not in WEIGHT_FILES:
            raise RefusedFileError(f"'weights' must be one of {WEIGHT_FILES}")
        extra = sorted(set(names) - {DOCUMENT, weights_name})
        if extra or weights_name not in names:
            raise RefusedFileError(
                f"it must hold exactly {DOCUMENT} and {weights_name}; it holds "
                f"{sorted(names)[:5]}"
            )
        info = archive.getinfo(weights_name)
        limit = _weights_bound(
            document["estimator"], info, document.get(LEGACY_LAYOUT, False)
        )
        payload = _read_member(archive, weights_name, limit)
    return document, _unpack(weights_name, payload, limit)


def _weights_bound(estimator: Any, info: zipfile.ZipInfo, legacy: bool) -> int:
    """The most bytes the weights member may inflate to, checked before reading.

    The arrays' sizes follow from ``model.json`` (the architecture and the
    fitted sizes), so a member that declares more is refused unread, and so
    is one that claims to inflate far beyond its compressed size.
    """
    plan = ArrayPlan()
    decode_estimator(estimator, "", {}, None, set(), plan, legacy=legacy)
    implied = plan.bytes
    if implied > MAX_WEIGHT_BYTES:
        raise RefusedFileError(
            f"its architecture implies {implied} bytes of weights, more than the "
            f"{MAX_WEIGHT_BYTES} sklstm loads"
        )
    compressed = info.compress_size
    if compressed < MIN_COMPRESSED_PER_ARRAY * plan.arrays:
        raise RefusedFileError(
            f"its member {info.filename} holds {compressed} compressed bytes, too "
            f"few for the {plan.arrays} arrays the architecture in {DOCUMENT} needs"
        )
    allowance = HEADER_ALLOWANCE + HEADER_PER_ARRAY * plan.arrays
    most = implied + allowance
    inflation = min(
        DEFLATE_LIMIT * compressed, max(MAX_INFLATION * compressed, INFLATION_FLOOR)
    )
    if plan.free_length:  # arrays of any length: bounded by the file itself
        most += inflation
    most = min(most, inflation + allowance, MAX_WEIGHT_BYTES)
    if info.file_size < implied:
        raise RefusedFileError(
            f"its member {info.filename} holds {info.file_size} bytes, but the "
            f"architecture in {DOCUMENT} needs at least {implied}"
        )
    if info.file_size > most:
        raise RefusedFileError(
            f"its member {info.filename} declares {info.file_size} bytes "
            f"({compressed} compressed), more than the {most} that the "
            f"architecture in {DOCUMENT} and the file's size allow"
        )
    return most


def _read_document(archive: zipfile.ZipFile) -> bytes:
    """``model.json``'s bytes, bounded in size and in values before parsing."""
    compressed = archive.getinfo(DOCUMENT).compress_size
    limit = min(MAX_DOCUMENT_BYTES, DEFLATE_LIMIT * compressed + HEADER_ALLOWANCE)
    data = _read_member(archive, DOCUMENT, limit)
    values = data.count(b",") + data.count(b"[") + data.count(b"{")
    if values > MAX_DOCUMENT_VALUES:
        raise RefusedFileError(
            f"its {DOCUMENT} holds about {values} JSON values, more than the "
            f"{MAX_DOCUMENT_VALUES} a saved model holds"
        )
    return data


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
        raise RefusedFileError(f"its member {name} cannot be read ({error})") from None
    if len(data) > limit:
        raise RefusedFileError(f"its member {name} is larger than {limit} bytes")
    return data


def _parse_document(data: bytes) -> dict:
    def refuse_duplicates(pairs):
        keys = [key for key, _ in pairs]
        if len(keys) != len(set(keys)):
            raise RefusedFileError(f"{DOCUMENT} repeats a key among {keys[:8]}")
        return dict(pairs)

    try:
        document = json.loads(data.decode("utf-8"), object_pairs_hook=refuse_duplicates)
    except (ValueError, RecursionError) as error:  # incl. integers of >4300 digits
        raise RefusedFileError(f"{DOCUMENT} is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RefusedFileError(f"{DOCUMENT} does not say format={FORMAT!r}")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise RefusedFileError(f"format_version must be an integer; got {version!r}")
    check_keys(document, _DOCUMENT_KEYS, "the document")
    document = _upgrade(document, version)
    versions = document["versions"]
    if not isinstance(versions, dict) or not all(
        isinstance(key, str) and isinstance(value, str)
        for key, value in versions.items()
    ):
        raise RefusedFileError("'versions' must map library names to version strings")
    return document


def _upgrade(document: dict, version: int) -> dict:
    """Bring a document of an older format version up to ``FORMAT_VERSION``.

    Format 1 is the first. Format 2 lays out a forecaster's fitted state
    as a collection of series; a format-1 document is the same JSON, read
    with the forecaster's former schema and upgraded
    (:mod:`sklstm._forecaster_legacy`): it is marked ``LEGACY_LAYOUT``.
    Newer versions cannot be read.
    """
    if version == FORMAT_VERSION:
        return document
    if version == 1:
        return {**document, LEGACY_LAYOUT: True}
    written_by = document.get("versions", {})
    written_by = written_by.get("sklstm") if isinstance(written_by, dict) else None
    origin = f" (written by sklstm {written_by})" if isinstance(written_by, str) else ""
    if version > FORMAT_VERSION:
        raise RefusedFileError(
            f"it uses format version {version}{origin}, newer than the version "
            f"{FORMAT_VERSION} this sklstm reads. Upgrade sklstm to load it."
        )
    raise RefusedFileError(
        f"it uses format version {version}{origin}, which this sklstm cannot "
        f"read: it reads format version {FORMAT_VERSION}. Load it with the sklstm "
        "version that wrote it and save it again with this one, or refit."
    )


def _unpack(weights_name: str, payload: bytes, limit: int) -> dict[str, np.ndarray]:
    if weights_name == "weights.safetensors":
        try:
            from safetensors.numpy import load as load_safetensors
        except ImportError:
            raise RefusedFileError(
                "its weights are in safetensors format; install the safetensors "
                "package (pip install sklstm[safe]) to read them"
            ) from None
        try:
            return dict(load_safetensors(payload))
        except Exception as error:  # safetensors raises its own error type
            raise RefusedFileError(f"its weights cannot be read ({error})") from None
    return _read_npz(payload, limit)


def _read_npz(payload: bytes, limit: int) -> dict[str, np.ndarray]:
    """The arrays of an npz payload, read within ``limit`` bytes in all.

    An npz is itself a zip of ``.npy`` members: ``np.load`` would inflate
    whatever a member holds and allocate whatever shape its header declares
    before anything could be checked. Here the members' declared sizes are
    bounded first, each member is read within its declared size, and each
    array's header must describe exactly the bytes that follow it.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise RefusedFileError(f"its weights cannot be read ({error})") from None
    with archive:
        members = archive.infolist()
        declared = sum(member.file_size for member in members)
        if declared > limit:
            raise RefusedFileError(
                f"its weights declare {declared} bytes of arrays, more than the "
                f"{limit} that the architecture in {DOCUMENT} and the file's size "
                "allow"
            )
        arrays = {}
        for member in members:
            name = member.filename.removesuffix(".npy")
            if name in arrays:
                raise RefusedFileError(f"its weights hold the array {name} twice")
            data = _read_member(archive, member.filename, member.file_size)
            arrays[name] = _npy_array(data, name)
    return arrays


def _npy_array(data: bytes, name: str) -> np.ndarray:
    """The array of one ``.npy`` member, whose header must fit its bytes."""
    stream = io.BytesIO(data)
    readers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    try:
        version = np.lib.format.read_magic(stream)
        if version not in readers:
            raise ValueError(f"npy format version {version} is not one numpy writes")
        shape, fortran_order, dtype = readers[version](stream)
    except (ValueError, TypeError, SyntaxError, EOFError, OSError) as error:
        raise RefusedFileError(f"its array {name} cannot be read ({error})") from None
    if dtype.hasobject:
        raise RefusedFileError(f"its array {name} holds Python objects")
    start = stream.tell()
    count = math.prod(shape)
    if count * dtype.itemsize != len(data) - start:
        raise RefusedFileError(
            f"its array {name} declares the shape {shape} of {dtype} "
            f"({count * dtype.itemsize} bytes) but holds {len(data) - start} bytes"
        )
    array = np.frombuffer(data, dtype=dtype, count=count, offset=start)
    return array.reshape(shape, order="F" if fortran_order else "C").copy()
