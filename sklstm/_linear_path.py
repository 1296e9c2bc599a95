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

#: The ridge penalties tried, relative to the average eigenvalue of the
#: centred Gram matrix of the standardised windows, in half-decades. The range
#: reaches far down because the lags of a trending series are nearly
#: collinear: the directions that carry its slope (differences between lags)
#: have eigenvalues many orders of magnitude below the average, and a penalty
#: fixed relative to the average would erase them.
RELATIVE_PENALTIES = tuple(10.0 ** (exponent / 2) for exponent in range(-20, 5))

_BATCH = 4096


@torch.no_grad()
def initialise_linear_path(
    network: RecurrentNetwork,
    data: Batches,
    *,
    penalty: float | None = None,
) -> float | None:
    """Set the linear path to the ridge fit of ``data`` and zero the LSTM head.

    The normal equations are accumulated batch by batch from the window
    view, in float64 on the CPU, so memory stays O(inputs²), never
    O(samples x lookback). The penalty, relative to the average eigenvalue
    of the centred Gram matrix, is ``penalty`` when given; otherwise it is
    chosen among :data:`RELATIVE_PENALTIES` by the exact leave-one-out error,
    as ``sklearn.linear_model.RidgeCV`` chooses it, computed from the
    eigendecomposition of the Gram matrix in one more pass over the windows:
    the untrained network is ``RidgeCV`` on the lags. (Choosing it on the
    held-out last rows instead was measured too: with few of them, it picked
    penalties that extrapolated wildly.)

    Parameters
    ----------
    network : RecurrentNetwork
        A freshly built network with a linear path.
    data : Batches
        The training windows and standardised targets.
    penalty : float or None, default=None
        A relative penalty to use instead of choosing one.

    Returns
    -------
    float or None
        The relative penalty used, or None when the closed form was not used
        (the window has more than :data:`MAX_CLOSED_FORM_INPUTS` inputs, the
        network has no linear path, or the solution was not finite).
    """
    linear = network.linear
    if linear is None or linear.in_features > MAX_CLOSED_FORM_INPUTS:
        return None
    n_inputs, n_outputs = linear.in_features, data.targets.shape[1]
    gram = torch.zeros(n_inputs, n_inputs, dtype=torch.float64)
    cross = torch.zeros(n_inputs, n_outputs, dtype=torch.float64)
    input_sum = torch.zeros(n_inputs, dtype=torch.float64)
    target_sum = torch.zeros(n_outputs, dtype=torch.float64)
    for windows, targets, weights in _batches(data, n_inputs):
        weighted = windows if weights is None else windows * weights[:, None]
        gram += windows.T @ weighted
        cross += weighted.T @ targets
        input_sum += weighted.sum(dim=0)
        target_sum += (
            targets.sum(dim=0)
            if weights is None
            else (targets * weights[:, None]).sum(dim=0)
        )
    total = float(len(data)) if data.weights is None else float(data.weights.sum())
    input_mean, target_mean = input_sum / total, target_sum / total
    gram -= total * torch.outer(input_mean, input_mean)
    cross -= total * torch.outer(input_mean, target_mean)
    eigenvalues, vectors = torch.linalg.eigh(gram)
    eigenvalues = eigenvalues.clamp_min(0.0)
    projected = vectors.T @ cross  # (inputs, outputs), in the eigenbasis
    scale = max(float(eigenvalues.mean()), 1e-12)
    relative = torch.tensor(
        RELATIVE_PENALTIES if penalty is None else (penalty,), dtype=torch.float64
    )
    inverse = 1.0 / (eigenvalues[None, :] + relative[:, None] * scale)
    coefficients = projected[None] * inverse[:, :, None]  # (penalties, in, out)
    best = 0
    if penalty is None:
        errors = torch.zeros(len(relative), dtype=torch.float64)
        for windows, targets, weights in _batches(data, n_inputs):
            rotated = (windows - input_mean) @ vectors
            residual = (targets - target_mean)[:, None, :] - torch.einsum(
                "bi,pio->bpo", rotated, coefficients
            )
            # Leave-one-out: divide by 1 - leverage (intercept included).
            leverage = rotated.square() @ inverse.T + 1.0 / total
            if weights is not None:
                leverage = leverage * weights[:, None]
            residual = residual / (1.0 - leverage).clamp_min(1e-12)[:, :, None]
            if weights is not None:
                residual = residual * weights[:, None, None].sqrt()
            errors += residual.square().sum(dim=(0, 2))
        finite = torch.isfinite(errors)
        if not bool(finite.any()):
            return None
        best = int(torch.where(finite, errors, torch.inf).argmin())
    coef = vectors @ coefficients[best]
    if not bool(torch.isfinite(coef).all()):
        return None
    intercept = target_mean - input_mean @ coef
    linear.weight.copy_(coef.T.to(linear.weight))
    network.head.weight.zero_()
    network.head.bias.copy_(intercept.to(network.head.bias))
    return float(relative[best])


def _batches(data: Batches, n_inputs: int):
    """(windows, targets, weights) of ``data`` in float64 on the CPU, batch by batch."""
    for start in range(0, len(data), _BATCH):
        stop = start + _BATCH
        windows = data.windows.slice(start, stop).reshape(-1, n_inputs)
        weights = None if data.weights is None else data.weights[start:stop]
        yield (
            windows.to("cpu", torch.float64),
            data.targets[start:stop].to("cpu", torch.float64),
            None if weights is None else weights.to("cpu", torch.float64),
        )
