"""Start the network's linear path at the ridge solution on the same lags.

With ``linear_path=True`` the network is a linear autoregression on the
window plus an LSTM. Solving the linear part in closed form before training,
and starting the LSTM's output layer at zero, makes the untrained network
exactly a ridge regression on the lags: training then only has to learn what
a linear model cannot, and early stopping can fall back to the linear model.
"""

from __future__ import annotations

import torch

from sklstm._network import RecurrentNetwork
from sklstm._training import Batches

#: Beyond this many inputs per window (lookback x features) the d x d normal
#: equations cost more than they save; the linear path then starts at random.
MAX_CLOSED_FORM_INPUTS = 1024

#: Ridge penalty relative to the average eigenvalue of the centred Gram matrix.
RELATIVE_PENALTY = 1e-3

_BATCH = 4096


@torch.no_grad()
def initialise_linear_path(network: RecurrentNetwork, data: Batches) -> bool:
    """Set the linear path to the ridge fit of ``data`` and zero the LSTM head.

    The normal equations are accumulated batch by batch from the window
    view, so memory stays O(inputs²), never O(samples x lookback).

    Parameters
    ----------
    network : RecurrentNetwork
        A freshly built network with a linear path.
    data : Batches
        The training windows and standardised targets.

    Returns
    -------
    bool
        Whether the closed form was used (False when the window has more than
        :data:`MAX_CLOSED_FORM_INPUTS` inputs, or the network has no linear path).
    """
    linear = network.linear
    if linear is None or linear.in_features > MAX_CLOSED_FORM_INPUTS:
        return False
    n_inputs = linear.in_features
    device = data.targets.device
    gram = torch.zeros(n_inputs, n_inputs, device=device)
    cross = torch.zeros(n_inputs, data.targets.shape[1], device=device)
    input_sum = torch.zeros(n_inputs, device=device)
    weights = data.weights
    for start in range(0, len(data), _BATCH):
        windows = data.windows.slice(start, start + _BATCH).reshape(-1, n_inputs)
        targets = data.targets[start : start + _BATCH]
        if weights is not None:
            w = weights[start : start + _BATCH, None]
            gram += windows.T @ (windows * w)
            cross += windows.T @ (targets * w)
            input_sum += (windows * w).sum(dim=0)
        else:
            gram += windows.T @ windows
            cross += windows.T @ targets
            input_sum += windows.sum(dim=0)
    total = weights.sum() if weights is not None else torch.tensor(float(len(data)))
    if weights is not None:
        target_sum = (data.targets * weights[:, None]).sum(dim=0)
    else:
        target_sum = data.targets.sum(dim=0)
    gram, cross = gram.double().cpu(), cross.double().cpu()
    input_mean = input_sum.double().cpu() / float(total)
    target_mean = target_sum.double().cpu() / float(total)
    gram -= float(total) * torch.outer(input_mean, input_mean)
    cross -= float(total) * torch.outer(input_mean, target_mean)
    penalty = RELATIVE_PENALTY * max(float(torch.trace(gram)) / n_inputs, 1e-12)
    coef = torch.linalg.solve(
        gram + penalty * torch.eye(n_inputs, dtype=gram.dtype), cross
    )
    intercept = target_mean - input_mean @ coef
    if not bool(torch.isfinite(coef).all()):
        return False
    linear.weight.copy_(coef.T.to(linear.weight))
    network.head.weight.zero_()
    network.head.bias.copy_(intercept.to(network.head.bias))
    return True
