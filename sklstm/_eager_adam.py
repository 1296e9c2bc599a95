"""Adam that never imports ``torch._dynamo``: the first fit costs no 2 s import.

``torch.optim.Optimizer`` wraps ``step``, ``zero_grad``, ``add_param_group``,
``state_dict`` and ``load_state_dict`` in decorators that import
``torch._dynamo`` (and sympy: about 2 s and 100 MB) on first use, to mark
them for ``torch.compile``. sklstm never compiles its optimiser, so
:class:`EagerAdam` calls the undecorated methods instead: the same arithmetic
(the same fused kernel, bit for bit), the same state and learning-rate
schedules, without the import. There is no compiled region before
``torch._dynamo`` is imported, and outside one the decorators change nothing
but the cost of that import.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch


def _undecorated(method):
    """``method`` without the decorators that wrap it (``__wrapped__`` chain)."""
    return inspect.unwrap(method)


class EagerAdam(torch.optim.Adam):
    """:class:`torch.optim.Adam` without the ``torch.compile`` hooks.

    Examples
    --------
    >>> import torch
    >>> from sklstm._eager_adam import EagerAdam
    >>> weight = torch.nn.Parameter(torch.ones(1))
    >>> optimizer = EagerAdam([weight], lr=0.5)
    >>> weight.grad = torch.ones(1)
    >>> optimizer.step()
    >>> round(weight.item(), 6)  # Adam's first step: one learning rate
    0.5
    """

    def step(self, closure=None):  # type: ignore[override]
        """One Adam step, with gradients recorded only if ``differentiable``."""
        enabled = torch.is_grad_enabled()
        try:
            torch.set_grad_enabled(self.defaults["differentiable"])
            return _undecorated(torch.optim.Adam.step)(self, closure)
        finally:
            torch.set_grad_enabled(enabled)

    def zero_grad(self, set_to_none: bool = True) -> None:
        _undecorated(torch.optim.Optimizer.zero_grad)(self, set_to_none)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        _undecorated(torch.optim.Optimizer.add_param_group)(self, param_group)

    def state_dict(self) -> dict[str, Any]:
        return _undecorated(torch.optim.Optimizer.state_dict)(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        _undecorated(torch.optim.Optimizer.load_state_dict)(self, state_dict)
