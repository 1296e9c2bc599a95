"""Seeds and isolated random number generators, so ``fit`` touches no global state."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch
from sklearn.utils import check_random_state

_SEED_BOUND = 2**62
#: scikit-learn's bound on an int ``random_state``.
_RANDOM_STATE_BOUND = 2**32


def draw_seed(random_state: int | np.random.RandomState | None) -> int:
    """A torch seed from a scikit-learn ``random_state``.

    ``None`` draws fresh entropy without touching numpy's global generator;
    an int is used as is; a ``RandomState`` instance is drawn from (advancing
    it, as scikit-learn estimators do).

    Examples
    --------
    >>> from sklstm._random import draw_seed
    >>> draw_seed(7)
    7
    """
    if random_state is None:
        return int(
            np.random.SeedSequence().generate_state(1, np.uint64)[0] % _SEED_BOUND
        )
    if isinstance(random_state, (int, np.integer)):
        return int(random_state) % _SEED_BOUND
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def draw_random_state(random_state: int | np.random.RandomState | None) -> int:
    """An int ``random_state`` that scikit-learn accepts, drawn like a seed.

    A fit shared among processes sets the seed of rank 0 as every process's
    ``random_state``, which scikit-learn bounds to ``[0, 2**32 - 1]``; an
    int within it is kept as is.

    Examples
    --------
    >>> from sklstm._random import draw_random_state
    >>> draw_random_state(7), 0 <= draw_random_state(None) < 2**32
    (7, True)
    """
    return draw_seed(random_state) % _RANDOM_STATE_BOUND


@contextlib.contextmanager
def isolated_torch_rng(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch's generators for the block and restore them afterwards.

    Weight initialisation and dropout draw from torch's global generators;
    forking them makes ``fit`` reproducible while leaving the caller's
    random state exactly as it was.
    """
    if device.type in ("cuda", "mps"):
        devices = (
            [device.index if device.index is not None else 0]
            if device.type == "cuda"
            else []
        )
        fork = torch.random.fork_rng(devices=devices, device_type=device.type)
    else:
        fork = torch.random.fork_rng(devices=[])
    with fork:
        torch.manual_seed(seed)
        yield


def shuffling_generator(seed: int) -> torch.Generator:
    """A private CPU generator for minibatch order."""
    generator = torch.Generator(device="cpu")
    generator.manual_seed(seed)
    return generator
