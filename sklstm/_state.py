"""The fitted state of an estimator: what it holds, and how it is encoded.

Each estimator class declares ``_fitted_state_schema``: a dict from each
fitted attribute to a :class:`Field` that knows how to encode a value and
how to check and decode it again, in an order where an attribute comes after
those it refers to. The same fields serve both ways of storing a model:

* **pickle** (``__getstate__`` / ``__setstate__``): :func:`pickled_state`
  replaces the live objects by numpy arrays and Python builtins (with the
  conversions of :mod:`sklstm._plain`), so a model
  trained on a GPU unpickles on a CPU-only machine, pickling does not touch
  the live estimator, and ``skops.io`` saves it with the estimator class as
  the only type to trust. Pickle executes code on load: unpickle only files
  you trust.
* **sklstm.save** (a file that runs no code when read):
  :func:`encode_estimator` turns the state into JSON plus named arrays, and
  :func:`decode_estimator` checks every value against the field that
  declares it before it builds anything. :mod:`sklstm._saving` writes and
  reads the zip file around them.

A field whose length or shape refers to another attribute (``length=``,
``width=``, ``shape=``) names an integer attribute set before it, or a
parameter that the estimator records in ``_architecture``; ``"*"`` in a
shape allows any length. ``optional=True`` lets the attribute be ``None`` or
absent. Any fitted attribute that the schema does not declare makes
:func:`sklstm.save` refuse, so the schema cannot silently fall behind the
estimator. A class with a :class:`Network` field provides
``_new_network()`` and ``_network_parameter_count()`` (the number of weights
and of weight tensors, computed without building the network).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from torch import nn

from sklstm._compat import validate_parameter_constraints
from sklstm._device import device_for_loading
from sklstm._plain import (
    arrays_to_network,
    named_whole,
    network_to_arrays,
    optimizer_from_state,
    optimizer_to_plain,
    pandas_to_plain,
    plain_to_pandas,
    python_scalar,
)
from sklstm._scaling import Standardizer
from sklstm._validation import FLOAT32_MAX, bools_posing_as_numbers
from sklstm._warnings import warn

#: The pickle layout this sklstm writes; it also reads those listed in
#: ``READABLE_PICKLE_FORMATS`` (format 1: forecasters of sklstm 0.2, whose
#: state the forecaster upgrades).
PICKLE_FORMAT_VERSION = 2
READABLE_PICKLE_FORMATS = (1, 2)
#: The largest size (features, outputs...) a saved file may declare.
MAX_SIZE = 2**24
MAX_NESTING = 4
#: The most estimators a list of them (an ensemble) may hold in a file.
MAX_ESTIMATORS = 1000
#: Parameters of earlier sklstm versions that are now chosen automatically:
#: files that still name them load, and the value is dropped.
RETIRED_PARAMS = frozenset({"fused_optimizer"})

_ESTIMATOR_KEYS = {"class", "params", "fitted"}
_JSON_SCALARS = (type(None), bool, int, float, str)


class RefusedFileError(ValueError):
    """What is wrong with a file, before the file's name is put in front."""


# ------------------------------------------------------------------ fields


@dataclass(frozen=True, kw_only=True)
class Field:
    """How one fitted attribute is pickled, saved, checked and loaded.

    Subclasses override :meth:`encode` (value to JSON, arrays added to
    ``arrays``) and :meth:`decode` (JSON to value, refusing what does not
    match); those whose value is not plain data override :meth:`pickle` and
    :meth:`unpickle` too.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._state import Array
    >>> field = Array(shape=("*", "n_outputs_"), optional=True)
    >>> arrays = {}
    >>> field.encode(np.zeros((3, 2)), "residuals_", "residuals_", arrays)
    True
    >>> field.axes(), arrays["residuals_"].shape
    (('*', 'n_outputs_'), (3, 2))
    """

    optional: bool = False
    #: Where :func:`pickled_state` keeps the values this field converts.
    pickle_slot: ClassVar[str | None] = None
    #: Whether the value is rebuilt only once the rest of the state is set.
    rebuilt_last: ClassVar[bool] = False
    #: Whether :func:`sklstm.save` stores it (else a loaded model lacks it).
    saved: ClassVar[bool] = True

    def axes(self) -> tuple[str, ...]:
        """The names of the lengths this field's value must have."""
        return ()

    def encode(self, value, attribute: str, key: str, arrays: dict) -> Any:
        return value

    def decode(self, value, context: _Context) -> Any:
        raise NotImplementedError

    def pickle(self, value) -> tuple[str | None, Any]:
        """``(slot, plain)``: the plain value, and where the pickle keeps it."""
        return None, value

    def unpickle(self, plain) -> Any:
        return plain

    def rebuild(self, estimator: BaseEstimator, plain) -> Any:
        """The live value, built once the rest of ``estimator`` is set (for
        fields with ``rebuilt_last``)."""
        return self.unpickle(plain)


@dataclass(frozen=True, kw_only=True)
class Count(Field):
    """An integer >= 0."""

    low: ClassVar[int] = 0
    high: ClassVar[int] = 2**63 - 1

    def encode(self, value, attribute, key, arrays):
        return int(value)

    def decode(self, value, context):
        return _integer(value, context, low=self.low, high=self.high)


@dataclass(frozen=True, kw_only=True)
class Size(Count):
    """An integer from 1 to ``MAX_SIZE``."""

    low: ClassVar[int] = 1
    high: ClassVar[int] = MAX_SIZE


@dataclass(frozen=True, kw_only=True)
class Float(Field):
    """A float (infinities allowed)."""

    def encode(self, value, attribute, key, arrays):
        return float(value)

    def decode(self, value, context):
        return _real(value, context)


@dataclass(frozen=True, kw_only=True)
class _Typed(Field):
    """A value of the Python type ``kind``."""

    kind: ClassVar[type]

    def encode(self, value, attribute, key, arrays):
        return self.kind(value)

    def decode(self, value, context):
        if not isinstance(value, self.kind):
            raise RefusedFileError(
                f"{context.key!r} must be a {self.kind.__name__}; got {value!r}"
            )
        return value


@dataclass(frozen=True, kw_only=True)
class Flag(_Typed):
    """A bool."""

    kind: ClassVar[type] = bool


@dataclass(frozen=True, kw_only=True)
class Text(_Typed):
    """A str."""

    kind: ClassVar[type] = str


@dataclass(frozen=True, kw_only=True)
class Scalar(Field):
    """None, a bool, int, float or str."""

    def encode(self, value, attribute, key, arrays):
        value = value.item() if isinstance(value, np.generic) else value
        if not isinstance(value, _JSON_SCALARS):
            raise ValueError(
                f"sklstm.save cannot store {attribute}={value!r}: it must be "
                "None, a bool, int, float or str."
            )
        return value

    def decode(self, value, context):
        if not isinstance(value, _JSON_SCALARS):
            raise RefusedFileError(
                f"{context.key!r} must be a JSON scalar; got {value!r}"
            )
        return value


@dataclass(frozen=True, kw_only=True)
class Floats(Field):
    """A list of floats; with ``finite=True``, of finite floats only."""

    finite: bool = False

    def encode(self, value, attribute, key, arrays):
        return [float(number) for number in value]

    def decode(self, value, context):
        if not isinstance(value, list):
            raise RefusedFileError(f"{context.key!r} must be a list of numbers")
        context.check_length(len(value))
        numbers = [_real(number, context) for number in value]
        if self.finite and not all(math.isfinite(number) for number in numbers):
            raise RefusedFileError(f"{context.key!r} must hold finite numbers only")
        return numbers


@dataclass(frozen=True, kw_only=True)
class Params(Field):
    """Some of the estimator's parameters (the values a fitted state was built
    with), checked against its ``_parameter_constraints``."""

    def encode(self, value, attribute, key, arrays):
        return {name: python_scalar(item) for name, item in value.items()}

    def decode(self, value, context):
        if not isinstance(value, dict):
            raise RefusedFileError(f"{context.key!r} must be a JSON object")
        cls = type(context.estimator)
        constraints = cls._parameter_constraints
        unknown = sorted(set(value) - set(constraints))
        if unknown:
            raise RefusedFileError(
                f"{context.key!r} names no parameter(s) {unknown[:5]}"
            )
        if not all(isinstance(item, _JSON_SCALARS) for item in value.values()):
            raise RefusedFileError(f"{context.key!r} must hold JSON scalars")
        _refuse_bools_posing_as_numbers(value, constraints, repr(context.key))
        try:
            validate_parameter_constraints(
                {name: constraints[name] for name in value},
                value,
                caller_name=cls.__name__,
            )
        except ValueError as error:
            raise RefusedFileError(f"{context.key!r} is invalid: {error}") from None
        return dict(value)


def _refuse_bools_posing_as_numbers(params: dict, constraints: dict, where: str):
    """Refuse true or false for a parameter that takes no bool.

    A bool is an Integral to Python, so scikit-learn's constraints take
    JSON's true for 1; ``sklstm.save`` never writes one there.
    """
    posing = bools_posing_as_numbers(params, constraints)
    if posing:
        raise RefusedFileError(
            f"{where} holds true or false for {posing[:5]}, which take numbers "
            "or strings"
        )


@dataclass(frozen=True, kw_only=True)
class Names(Field):
    """A list of str, held as an object array (like ``feature_names_in_``)."""

    length: str | None = None

    def axes(self):
        return () if self.length is None else (self.length,)

    def encode(self, value, attribute, key, arrays):
        return [str(name) for name in value]

    def decode(self, value, context):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RefusedFileError(f"{context.key!r} must be a list of strings")
        context.check_length(len(value))
        return np.asarray(value, dtype=object)


@dataclass(frozen=True, kw_only=True)
class Labels(Field):
    """Series labels, held as a NumPy array: all numbers, all bools, all
    strs, or NumPy dates or durations (``datetime64``, ``timedelta64``).

    Dates and durations are written as their integer ticks beside their
    dtype, so they load as the same labels: a bare list of ints would load
    as numbers, which no longer find the series fitted under dates.
    """

    def encode(self, value, attribute, key, arrays):
        value = np.asarray(value)
        if value.dtype.kind in "mM":
            return {"dtype": str(value.dtype), "ticks": value.view(np.int64).tolist()}
        labels = [v.item() if isinstance(v, np.generic) else v for v in value]
        if not _labels_of_one_kind(labels):
            kinds = sorted({type(label).__name__ for label in labels})
            raise ValueError(
                f"sklstm.save cannot store the labels {attribute} (of type "
                f"{', '.join(kinds)}): they must be all numbers, all bools, all "
                "strings, or NumPy datetime64 or timedelta64 values. Refit with "
                "the groups converted, for example with astype(str), or keep "
                "this model with pickle or joblib, which store any label."
            )
        return labels

    def decode(self, value, context):
        if isinstance(value, dict):
            return _dated_labels(value, context)
        if not isinstance(value, list) or not _labels_of_one_kind(value):
            raise RefusedFileError(
                f"{context.key!r} must be a list of all numbers (not NaN), all "
                "bools or all strings, or the ticks of dates or durations"
            )
        context.check_length(len(value))
        if _beyond_int64(value):
            # Unsigned 64-bit labels (hashed ids): read as float64 by default,
            # they would lose their last digits and could collide. Integers
            # no 64-bit type holds stay Python ints, as fit holds them.
            if 0 <= min(value) and max(value) <= np.iinfo(np.uint64).max:
                return np.asarray(value, dtype=np.uint64)
            return np.asarray(value, dtype=object)
        if value and isinstance(value[0], str):
            # Held as objects, as fit holds a column of strings: NumPy's own
            # strings all take the width of the longest, so one long label
            # among many short ones would build far more than the file holds.
            return np.asarray(value, dtype=object)
        return np.asarray(value)


def _dated_labels(value: dict, context) -> np.ndarray:
    """Labels written as ``{"dtype": "datetime64[ns]", "ticks": [...]}``."""
    check_keys(value, {"dtype", "ticks"}, context.key)
    dtype, ticks = value["dtype"], value["ticks"]
    try:
        dated = isinstance(dtype, str) and np.dtype(dtype).kind in "mM"
    except TypeError:
        dated = False
    if not dated or str(np.dtype(dtype)) != dtype:
        raise RefusedFileError(
            f"{context.key!r} must name a datetime64 or timedelta64 dtype; "
            f"got {dtype!r}"
        )
    # The smallest int64 is NaT, a missing label, which no fit accepts.
    if not isinstance(ticks, list) or not all(
        isinstance(tick, int)
        and not isinstance(tick, bool)
        and np.iinfo(np.int64).min < tick <= np.iinfo(np.int64).max
        for tick in ticks
    ):
        raise RefusedFileError(
            f"{context.key!r} must hold its ticks as a list of 64-bit integers "
            "(none of them NaT)"
        )
    context.check_length(len(ticks))
    return np.asarray(ticks, dtype=np.int64).view(dtype)


def _beyond_int64(labels: list) -> bool:
    """Whether ``labels`` are ints, some too large for a signed 64-bit one."""
    return (
        all(isinstance(label, int) and not isinstance(label, bool) for label in labels)
        and max(labels, default=0) > np.iinfo(np.int64).max
    )


def _refuse_beyond_float32(array: np.ndarray, key: str) -> None:
    """Refuse values float32 cannot hold: ``fit`` refuses data beyond its
    range, so a fitted state never holds them, and the networks would turn
    them into infinite forecasts."""
    finite = array[np.isfinite(array)]
    if finite.size and np.abs(finite).max() > FLOAT32_MAX:
        raise RefusedFileError(
            f"{key!r} holds values beyond float32's range (as large as "
            f"{np.abs(finite).max():.3g}), which no fit stores"
        )


@dataclass(frozen=True, kw_only=True)
class Array(Field):
    """A float64 array, saved among the arrays; ``shape`` names each axis.

    With ``errors``, it holds absolute errors: none negative or infinite
    (NaN, an error not observed, is allowed).
    """

    shape: tuple[str, ...] = ()
    errors: bool = False

    def axes(self):
        return self.shape

    def encode(self, value, attribute, key, arrays):
        arrays[key] = np.ascontiguousarray(value, dtype=np.float64)
        return True

    def decode(self, value, context):
        _stored(value, context)
        if context.plan is not None:
            context.plan.add(context.shape, 8)
            return None
        array = context.array(context.key, np.float64)
        context.check_shape(array.shape)
        if self.errors and ((array < 0).any() or np.isinf(array).any()):
            raise RefusedFileError(
                f"{context.key!r} holds absolute errors, which cannot be "
                "negative or infinite"
            )
        _refuse_beyond_float32(array, context.key)
        return array.copy()


@dataclass(frozen=True, kw_only=True)
class Scaler(Field):
    """A :class:`~sklstm._scaling.Standardizer` of ``width`` columns."""

    width: str
    pickle_slot: ClassVar[str] = "_scalers"

    def axes(self):
        return (self.width,)

    def encode(self, value, attribute, key, arrays):
        arrays[f"{key}.mean"] = np.asarray(value.mean, dtype=np.float64)
        arrays[f"{key}.scale"] = np.asarray(value.scale, dtype=np.float64)
        return True

    def decode(self, value, context):
        _stored(value, context)
        if context.plan is not None:
            context.plan.add([2, *context.shape], 8, arrays=2)
            return None
        mean = context.array(f"{context.key}.mean", np.float64)
        scale = context.array(f"{context.key}.scale", np.float64)
        if mean.ndim != 1 or mean.shape != scale.shape:
            raise RefusedFileError(
                f"the scaling statistics {context.key!r} must be two 1-D arrays"
            )
        context.check_length(len(mean))
        if not (
            np.all(np.isfinite(mean))
            and np.all(np.isfinite(scale))
            and np.all(scale > 0)
        ):
            raise RefusedFileError(
                f"the scaling statistics {context.key!r} must be finite with a "
                "positive scale"
            )
        _refuse_beyond_float32(mean, context.key)
        _refuse_beyond_float32(scale, context.key)
        return Standardizer(mean.copy(), scale.copy())

    def pickle(self, value):
        return self.pickle_slot, {"mean": value.mean, "scale": value.scale}

    def unpickle(self, plain):
        return Standardizer(plain["mean"], plain["scale"])


@dataclass(frozen=True, kw_only=True)
class _IndexValue(Field):
    """An int, or a pandas value stored as a dict of strings."""

    pickle_slot: ClassVar[str] = "_pandas_values"
    keysets: ClassVar[tuple[frozenset[str], ...]]
    what: ClassVar[str]

    def encode(self, value, attribute, key, arrays):
        if isinstance(value, (pd.Timestamp, pd.Period, pd.DateOffset)):
            try:
                return pandas_to_plain(value)
            except ValueError as error:
                raise ValueError(
                    f"sklstm.save cannot store the dates of the series: {error}. "
                    "pickle or joblib keep it whole; or fit on dates whose "
                    "frequency its name describes (for example 'B', 'W-SUN')."
                ) from None
        return int(value)

    def decode(self, value, context):
        if not isinstance(value, dict):
            return _integer(value, context, low=-(2**63))
        keys = frozenset(value)
        if keys not in self.keysets:
            check_keys(value, set(self.keysets[0]), repr(context.key))
        if not all(isinstance(value[key], str) for key in keys - {"tz"}) or not (
            value.get("tz") is None or isinstance(value["tz"], str)
        ):
            raise RefusedFileError(f"{context.key!r} must hold strings")
        try:
            return plain_to_pandas(value)
        except (ValueError, TypeError, KeyError, OverflowError) as error:
            raise RefusedFileError(
                f"{context.key!r} is not a valid {self.what} ({error})"
            ) from None

    def pickle(self, value):
        # A frequency its name does not describe whole is pickled as itself.
        if isinstance(value, (pd.Timestamp, pd.Period)) or (
            isinstance(value, pd.DateOffset) and named_whole(value)
        ):
            return self.pickle_slot, pandas_to_plain(value)
        return None, value

    def unpickle(self, plain):
        return plain_to_pandas(plain)


@dataclass(frozen=True, kw_only=True)
class Label(_IndexValue):
    """An index label: an int, a pandas Timestamp or a pandas Period."""

    keysets: ClassVar[tuple[frozenset[str], ...]] = (
        frozenset({"timestamp", "tz"}),
        frozenset({"period", "freq"}),
    )
    what: ClassVar[str] = "timestamp or period"


@dataclass(frozen=True, kw_only=True)
class Step(_IndexValue):
    """An index step: an int or a pandas offset."""

    keysets: ClassVar[tuple[frozenset[str], ...]] = (frozenset({"offset"}),)
    what: ClassVar[str] = "pandas frequency"


@dataclass(frozen=True, kw_only=True)
class Network(Field):
    """The torch module, rebuilt by the estimator's ``_new_network()`` and
    checked weight by weight (name, dtype, shape)."""

    pickle_slot: ClassVar[str] = "_network_arrays"
    rebuilt_last: ClassVar[bool] = True

    def encode(self, value, attribute, key, arrays):
        for weight, array in network_to_arrays(value).items():
            arrays[f"{key}.{weight}"] = array
        return True

    def decode(self, value, context):
        _stored(value, context)
        estimator = context.estimator
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
            raise RefusedFileError(
                f"its weights do not match the architecture its parameters "
                f"describe (missing: {missing}, unexpected: {extra})"
            )
        weights = {}
        for key, name in names.items():
            array = context.array(key, np.float32)
            expected = tuple(architecture[name].shape)
            if array.shape != expected:
                raise RefusedFileError(
                    f"the weight {name!r} has shape {array.shape}, but the "
                    f"architecture needs {expected}"
                )
            if not np.isfinite(array).all():
                raise RefusedFileError(
                    f"the weight {name!r} holds NaN or infinite values: such a "
                    "network can only predict NaN"
                )
            weights[name] = array
        return self.rebuild(estimator, weights, context.device)

    def pickle(self, value):
        return self.pickle_slot, network_to_arrays(value)

    def rebuild(
        self, estimator: BaseEstimator, plain, device: torch.device | None = None
    ) -> nn.Module:
        """The network holding the weights ``plain``, on ``device`` (by default
        where it was trained when this machine has it: see ``device_``)."""
        if device is None:
            device = device_for_loading(getattr(estimator, "device_", "cpu"))
        estimator.device_ = str(device)
        return arrays_to_network(estimator._new_network(), plain, device)


@dataclass(frozen=True, kw_only=True)
class Optimizer(Field):
    """The Adam optimiser of ``network_`` (its moments and step counts).

    Pickled, so that ``partial_fit`` resumes Adam where it stopped; not
    saved by :func:`sklstm.save`, after which ``partial_fit`` starts Adam
    afresh.
    """

    pickle_slot: ClassVar[str] = "_optimizer_state"
    rebuilt_last: ClassVar[bool] = True
    saved: ClassVar[bool] = False

    def pickle(self, value):
        return self.pickle_slot, optimizer_to_plain(value)

    def rebuild(self, estimator: BaseEstimator, plain) -> torch.optim.Optimizer:
        return optimizer_from_state(estimator.network_, plain)


@dataclass(frozen=True, kw_only=True)
class Estimator(Field):
    """A nested sklstm estimator, saved the same way."""

    def encode(self, value, attribute, key, arrays):
        return encode_estimator(value, f"{key}/", arrays)

    def decode(self, value, context):
        return decode_estimator(
            value,
            f"{context.key}/",
            context.arrays,
            context.device,
            context.used,
            context.plan,
        )


@dataclass(frozen=True, kw_only=True)
class Estimators(Field):
    """A list of nested sklstm estimators (at most ``MAX_ESTIMATORS``)."""

    def encode(self, value, attribute, key, arrays):
        return [
            encode_estimator(member, f"{key}/{index}/", arrays)
            for index, member in enumerate(value)
        ]

    def decode(self, value, context):
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_ESTIMATORS:
            raise RefusedFileError(
                f"{context.key!r} must be a list of 1 to {MAX_ESTIMATORS} estimators"
            )
        return [
            decode_estimator(
                member,
                f"{context.key}/{index}/",
                context.arrays,
                context.device,
                context.used,
                context.plan,
            )
            for index, member in enumerate(value)
        ]


def _integer(value, context, low=0, high=2**63 - 1):
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not low <= value <= high
    ):
        raise RefusedFileError(
            f"{context.key!r} must be an integer from {low} to {high}; got {value!r}"
        )
    return value


def _real(value, context):
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise RefusedFileError(f"{context.key!r} must be a number; got {value!r}")
    return float(value)


def _labels_of_one_kind(values: list) -> bool:
    """All numbers (ints and floats, not NaN), all bools or all strings.

    These are the labels that ``groups`` accepts (one comparable type, no
    missing label), so every forecaster that fits can be saved.
    """
    numbers = all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and v == v
        for v in values
    )
    return (
        numbers
        or all(isinstance(v, bool) for v in values)
        or all(isinstance(v, str) for v in values)
    )


def _stored(value, context) -> None:
    if value is not True:
        raise RefusedFileError(
            f"{context.key!r} must be true (stored among the arrays)"
        )


# ------------------------------------------------------------------ pickle


def pickled_state(schema: dict[str, Field], state: dict) -> dict:
    """An estimator's ``__dict__`` with its live objects replaced by plain data.

    Each field of ``schema`` that converts its value puts the plain value in
    its ``pickle_slot``; the other attributes are kept as they are.
    """
    state = dict(state)
    for attribute, field in schema.items():
        value = state.get(attribute)
        if value is None:
            continue
        slot, plain = field.pickle(value)
        if slot is None:
            continue
        del state[attribute]
        if field.rebuilt_last:
            state[slot] = plain
        else:
            state.setdefault(slot, {})[attribute] = plain
    state["_sklstm_pickle_format"] = PICKLE_FORMAT_VERSION
    return state


def unpickled_state(schema: dict[str, Field], state: dict) -> tuple[dict, dict]:
    """Undo :func:`pickled_state`: the attributes, and what is rebuilt last.

    The second dict maps the attributes that need the estimator itself (its
    network, its optimiser) to their plain values: pass it to
    :func:`rebuild_live` once the rest of the state is set.
    """
    # Parameters of earlier versions, chosen automatically since: dropped, as
    # load drops them from files, or save would refuse the model.
    state = {key: value for key, value in state.items() if key not in RETIRED_PARAMS}
    version = state.pop("_sklstm_pickle_format", None)
    if version not in READABLE_PICKLE_FORMATS:
        warn(
            f"This model was pickled with sklstm pickle format {version}; this "
            f"sklstm reads format {PICKLE_FORMAT_VERSION}. It may not load or "
            "predict correctly: refit it, or load it with the sklstm version "
            "that saved it.",
            UserWarning,
        )
    deferred = {}
    groups = {}
    for attribute, field in schema.items():
        slot = field.pickle_slot
        if slot is None:
            continue
        if field.rebuilt_last:
            if slot in state:
                deferred[attribute] = state.pop(slot)
            continue
        if slot not in groups:
            groups[slot] = state.pop(slot, {})
        group = groups[slot]
        if attribute in group:
            state[attribute] = field.unpickle(group[attribute])
    return state, deferred


def with_default_params(cls: type[BaseEstimator], state: dict) -> dict:
    """``state`` with each parameter of ``cls`` it lacks at its default.

    A model pickled before a parameter existed then reports, clones and
    refits as :func:`load` gives it from a file saved then (which builds it
    with ``cls(**params)``), instead of failing in ``get_params``.
    """
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if name in cls._get_param_names()
        and name not in state
        and parameter.default is not parameter.empty
    }
    return {**defaults, **state}


def rebuild_live(estimator: BaseEstimator, deferred: dict) -> None:
    """Rebuild the live attributes that :func:`unpickled_state` deferred."""
    schema = type(estimator)._fitted_state_schema
    for attribute, plain in deferred.items():
        setattr(estimator, attribute, schema[attribute].rebuild(estimator, plain))


# ------------------------------------------------------------- sklstm.save


def encode_estimator(
    estimator: BaseEstimator, prefix: str, arrays: dict[str, np.ndarray]
) -> dict:
    """An estimator as JSON (class, parameters, fitted state), plus ``arrays``."""
    name = type(estimator).__name__
    if savable_classes().get(name) is not type(estimator):
        raise ValueError(
            f"sklstm.save stores sklstm estimators ({sorted(savable_classes())}); "
            f"got {type(estimator).__qualname__}. Use skops.io or pickle for "
            "other objects."
        )
    params = {}
    for key, value in estimator.get_params(deep=False).items():
        value = python_scalar(value)  # np.int64(4), as GridSearchCV sets, is 4
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
    unknown = sorted(set(vars(estimator)) - set(schema) - set(params))
    if unknown:
        raise ValueError(
            f"sklstm.save does not know how to store the fitted attribute(s) "
            f"{unknown} of {type(estimator).__name__}: add them to its "
            "_fitted_state_schema."
        )
    fitted = {}
    for attribute, field in schema.items():
        if not field.saved:
            continue
        if not hasattr(estimator, attribute):
            if not field.optional:
                raise ValueError(f"the fitted attribute {attribute!r} is missing")
            continue
        value = getattr(estimator, attribute)
        if value is None:
            fitted[attribute] = None
        else:
            key = f"{prefix}{attribute}"
            fitted[attribute] = field.encode(value, attribute, key, arrays)
    return fitted


def decode_estimator(
    document: Any,
    prefix: str,
    arrays: dict[str, np.ndarray],
    device: torch.device | None,
    used: set[str],
    plan: ArrayPlan | None = None,
    *,
    legacy: bool = False,
) -> BaseEstimator:
    """Rebuild an estimator; with ``plan``, only add up its arrays' sizes.

    With ``legacy`` (a file of format 1), a class that declares a
    ``_legacy_fitted_state_schema`` is decoded with it and then upgraded by
    its ``_upgrade_legacy_state()``. A class with a ``_check_fitted_state()``
    has its decoded state checked by it: parts that each look valid but do
    not fit together are refused.
    """
    if prefix.count("/") > MAX_NESTING:
        raise RefusedFileError("estimators are nested too deeply")
    where = f"the estimator at {prefix!r}" if prefix else "the estimator"
    check_keys(document, _ESTIMATOR_KEYS, where)
    classes = savable_classes()
    cls = classes.get(document["class"])
    if cls is None:
        raise RefusedFileError(
            f"its class {document['class']!r} is not one sklstm can load "
            f"({sorted(classes)})"
        )
    params = document["params"]
    if not isinstance(params, dict):
        raise RefusedFileError(f"the parameters of {where} must be a JSON object")
    params = {key: value for key, value in params.items() if key not in RETIRED_PARAMS}
    unknown = sorted(set(params) - set(cls._get_param_names()))
    if unknown:
        raise RefusedFileError(f"{cls.__name__} has no parameter(s) {unknown}")
    for key, value in params.items():
        if not isinstance(value, _JSON_SCALARS):
            raise RefusedFileError(
                f"the parameter {key} must be a JSON scalar; got {value!r}"
            )
    _refuse_bools_posing_as_numbers(params, cls._parameter_constraints, where)
    estimator = cls(**params)
    try:
        estimator._validate_params()
    except ValueError as error:
        raise RefusedFileError(f"its parameters are invalid: {error}") from None
    fitted = document["fitted"]
    if fitted is None:
        return estimator
    if not isinstance(fitted, dict):
        raise RefusedFileError(
            f"the fitted state of {where} must be a JSON object or null"
        )
    legacy = legacy and hasattr(cls, "_legacy_fitted_state_schema")
    schema = cls._legacy_fitted_state_schema if legacy else cls._fitted_state_schema
    saved = {name for name, field in schema.items() if field.saved}
    check_keys(fitted, saved, f"the fitted state of {where}", exact=False)
    for attribute, field in schema.items():
        if not field.saved:
            continue
        if attribute not in fitted or fitted[attribute] is None:
            if not field.optional:
                raise RefusedFileError(f"the fitted attribute {attribute!r} is missing")
            if attribute in fitted:
                vars(estimator)[attribute] = None
            continue
        expected = [
            None if axis == "*" else _axis(estimator, axis) for axis in field.axes()
        ]
        context = _Context(
            f"{prefix}{attribute}", arrays, device, used, expected, estimator, plan
        )
        # Into __dict__: a former attribute may now be a derived property.
        vars(estimator)[attribute] = field.decode(fitted[attribute], context)
    if plan is None:
        _check_decoded(estimator, legacy)
    return estimator


def _check_decoded(estimator: BaseEstimator, legacy: bool) -> None:
    """Upgrade a legacy state, then check that its parts fit together."""
    if legacy:
        estimator._upgrade_legacy_state()
    check = getattr(estimator, "_check_fitted_state", None)
    if check is None:
        return
    try:
        check()
    except (ValueError, LookupError, TypeError) as problem:
        raise RefusedFileError(
            f"its fitted state does not fit together: {problem}"
        ) from None


def _axis(estimator: BaseEstimator, name: str) -> int:
    """A length named in a schema: a fitted attribute, or a fitted parameter."""
    recorded = getattr(estimator, "_architecture", None)
    if isinstance(recorded, dict) and name in recorded:
        return recorded[name]
    return getattr(estimator, name)


class ArrayPlan:
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


class _Context:
    """What a field needs besides the JSON value: arrays, device, bounds.

    With a ``plan``, array fields add the bytes they would read to it and
    return None, reading nothing.
    """

    def __init__(self, key, arrays, device, used, shape, estimator, plan):
        self.key, self.arrays, self.device = key, arrays, device
        self.used, self.shape = used, shape
        self.estimator, self.plan = estimator, plan

    def array(self, name: str, dtype: type) -> np.ndarray:
        if name not in self.arrays:
            raise RefusedFileError(f"the array {name!r} is missing")
        array = self.arrays[name]
        if array.dtype != dtype:
            raise RefusedFileError(
                f"the array {name!r} must be {np.dtype(dtype)}; got {array.dtype}"
            )
        self.used.add(name)
        return array

    def check_length(self, n: int) -> None:
        if self.shape and n != self.shape[0]:
            raise RefusedFileError(
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
            raise RefusedFileError(
                f"the array {self.key!r} has shape {shape}, but must have {wanted}"
            )


def check_keys(document: Any, keys: set[str], where: str, exact: bool = True):
    """Refuse a JSON object with keys beyond ``keys`` (or, if exact, fewer)."""
    if not isinstance(document, dict):
        raise RefusedFileError(f"{where} must be a JSON object")
    unknown = sorted(set(document) - keys)
    if unknown:
        raise RefusedFileError(f"{where} has unknown key(s) {unknown[:5]}")
    missing = sorted(keys - set(document))
    if exact and missing:
        raise RefusedFileError(f"{where} lacks the key(s) {missing}")


def savable_classes() -> dict[str, type]:
    """The estimator classes :func:`sklstm.load` may build, by public name."""
    import sklstm

    classes = {}
    for name in sklstm.__all__:
        candidate = getattr(sklstm, name)
        if isinstance(candidate, type) and hasattr(candidate, "_fitted_state_schema"):
            classes[name] = candidate
    return classes
