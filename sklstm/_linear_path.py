"""Start the network's linear path at the ridge solution on the same lags.

With ``linear_path=True`` the network is a linear autoregression on the
window plus an LSTM. Solving the linear part in closed form before training,
and starting the LSTM's output layer at zero, makes the untrained network
exactly a ridge regression on the lags: training then only has to learn what
a linear model cannot, and early stopping can fall back to the linear model.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from sklstm._collective import summed
from sklstm._network import RecurrentNetwork
from sklstm._training import Batches, predict_in_batches

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

#: The relative rounding error of a float32 number: the network's inputs are
#: the standardised windows rounded to float32, and it computes in float32.
FLOAT32_ROUNDING = 2.0**-24

#: The largest rounding gain (see :func:`rounding_gains`) a penalty may give.
#: Moving every input by its float32 rounding then moves the prediction by at
#: most ``16 * 2**-24 = 2**-20`` (about 1e-6) of the spread of y, so that the
#: float32 network, a float64 ridge regression and an exported graph that
#: sums in another order agree to about 1e-6 of the spread of y.
#: The small penalties that give larger gains fit directions along which the
#: lags of smooth or collinear columns barely vary (spanned by a few padded
#: windows at the start of a series, say), with coefficients of hundreds
#: that amplify any window a little off that pattern.
MAX_ROUNDING_GAIN = 16.0

#: Steps of expectation-maximisation of the ridge start when targets are
#: missing. On 100 M3 monthly series (direct forecasts of 18 steps), mean
#: MASE with 10 % of the values missing in blocks of 6 went from 0.956
#: (one step) to 0.943 (four), with 30 % missing at random from 0.943 to
#: 0.934.
MISSING_TARGET_STEPS = 4

_BATCH = 4096

#: The windows whose leave-one-out errors choose the penalty: all of them up
#: to this many, else this many evenly spaced ones (every series' share of
#: them, in order). The solution is solved on all windows either way; only
#: the choice among :data:`RELATIVE_PENALTIES` reads a sample, so the start
#: costs one pass over the windows and a bounded one, not two. Each sampled
#: error is exact (the leverage of its window in the fit on all); the
#: penalties are compared on the same windows, so their differences are
#: estimated far better than the level. Up to this many windows the start
#: is exactly ``RidgeCV``.
LEAVE_ONE_OUT_SAMPLES = 8192

#: A window whose leverage is within this of 1 under a penalty has no defined
#: leave-one-out error there; that penalty is then no candidate.
UNDEFINED_LEVERAGE = 1e-6


@dataclass(frozen=True)
class RidgeStart:
    """What :func:`initialise_linear_path` set the network to."""

    #: The penalty used, relative to the average eigenvalue of the Gram matrix.
    penalty: float
    #: The root-mean-square error of the start on the data it was solved on
    #: (weighted, averaged over the outputs, in standardised units), from the
    #: normal equations: no pass over the windows. None when the start does
    #: not know it (some targets missing).
    rms_error: float | None
    #: The sums over the windows it was solved from, which a later solution
    #: on more windows can add to instead of reading these again. None when
    #: some targets were missing (the sums then hold filled-in targets).
    sums: MomentSums | None = None


@dataclass(frozen=True)
class MomentSums:
    """Weighted sums over windows and their targets, summed over processes.

    The normal equations follow from them alone, and the sums of two
    disjoint sets of windows add up to the sums of both (``+``).
    """

    gram: torch.Tensor  # uncentred, (inputs, inputs)
    cross: torch.Tensor  # uncentred, (inputs, outputs)
    input_sum: torch.Tensor
    target_sum: torch.Tensor
    target_squares: torch.Tensor  # uncentred, (outputs,)
    count: torch.Tensor  # the sum of the weights (of the windows, unweighted)

    def __add__(self, other: MomentSums) -> MomentSums:
        return MomentSums(
            *(
                getattr(self, field.name) + getattr(other, field.name)
                for field in fields(self)
            )
        )


@dataclass(frozen=True)
class _NormalEquations:
    """The weighted moments of windows and targets, from one pass."""

    gram: torch.Tensor  # centred, (inputs, inputs)
    cross: torch.Tensor  # centred, (inputs, outputs)
    input_mean: torch.Tensor
    target_mean: torch.Tensor
    input_rms: torch.Tensor  # root mean square of each input, uncentred
    target_std: torch.Tensor
    target_squares: torch.Tensor  # centred, weighted, (outputs,)
    total: float


@torch.no_grad()
def initialise_linear_path(
    network: RecurrentNetwork,
    data: Batches,
    *,
    penalty: float | None = None,
    sums: MomentSums | None = None,
) -> RidgeStart | None:
    """Set the linear path to the ridge fit of ``data`` and zero the LSTM head.

    The normal equations are accumulated batch by batch from the window
    view, in float64 on the CPU, so memory stays O(inputs²), never
    O(samples x lookback). The penalty, relative to the average eigenvalue
    of the centred Gram matrix, is ``penalty`` when given; otherwise it is
    chosen among :data:`RELATIVE_PENALTIES` by the exact leave-one-out error,
    as ``sklearn.linear_model.RidgeCV`` chooses it, computed from the
    eigendecomposition of the Gram matrix, on at most
    :data:`LEAVE_ONE_OUT_SAMPLES` windows evenly spaced: up to that many
    windows the untrained network is ``RidgeCV`` on the lags. Only penalties whose
    solution keeps the float32 network numerically sound are candidates:
    those with a rounding gain of at most :data:`MAX_ROUNDING_GAIN`, as
    long as one has. (Choosing it on the held-out last rows instead was
    measured too: with few of them, it picked penalties that extrapolated
    wildly.)

    Parameters
    ----------
    network : RecurrentNetwork
        A freshly built network with a linear path.
    data : Batches
        The training windows and standardised targets.
    penalty : float or None, default=None
        A relative penalty to use instead of choosing one.
    sums : MomentSums or None, default=None
        The sums over ``data`` (:func:`moment_sums`), already formed: the
        solution then reads only the windows that choose the penalty. Not
        used when some targets are missing.

    Returns
    -------
    RidgeStart or None
        The relative penalty used and the error of the start, or None when
        the closed form was not used (the window has more than
        :data:`MAX_CLOSED_FORM_INPUTS` inputs, the network has no linear
        path, or the solution was not finite).
    """
    linear = network.linear
    if linear is None or linear.in_features > MAX_CLOSED_FORM_INPUTS:
        return None
    if data.weights is not None and data.weights.ndim == 2:
        return _start_with_missing_targets(network, data, penalty)
    if sums is None:
        sums = moment_sums(data, linear.in_features)
    moments = _normal_equations(sums)
    eigenvalues, vectors = torch.linalg.eigh(moments.gram)
    eigenvalues = eigenvalues.clamp_min(0.0)
    projected = vectors.T @ moments.cross  # (inputs, outputs), in the eigenbasis
    scale = max(float(eigenvalues.mean()), 1e-12)
    relative = torch.tensor(
        RELATIVE_PENALTIES if penalty is None else (penalty,), dtype=torch.float64
    )
    inverse = 1.0 / (eigenvalues[None, :] + relative[:, None] * scale)
    coefficients = projected[None] * inverse[:, :, None]  # (penalties, in, out)
    best = 0
    if penalty is None:
        sound = rounding_gains(vectors @ coefficients, moments) <= MAX_ROUNDING_GAIN
        candidates = torch.nonzero(sound).ravel() if bool(sound.any()) else None
        if candidates is None:  # no penalty is sound: the best of them all
            candidates = torch.arange(len(relative))
        errors = _leave_one_out_errors(
            data, moments, vectors, coefficients[candidates], inverse[candidates]
        )
        finite = torch.isfinite(errors)
        if not bool(finite.any()):
            return None
        best = int(candidates[torch.where(finite, errors, torch.inf).argmin()])
    coef = vectors @ coefficients[best]
    if not bool(torch.isfinite(coef).all()):
        return None
    intercept = moments.target_mean - moments.input_mean @ coef
    linear.weight.copy_(coef.T.to(linear.weight))
    network.head.weight.zero_()
    network.head.bias.copy_(intercept.to(network.head.bias))
    error = _root_mean_square_error(moments, eigenvalues, projected, inverse[best])
    return RidgeStart(float(relative[best]), error, sums)


def _root_mean_square_error(
    moments: _NormalEquations,
    eigenvalues: torch.Tensor,
    projected: torch.Tensor,
    inverse: torch.Tensor,
) -> float:
    """The weighted RMS error of one ridge solution, from its normal equations.

    In the eigenbasis, the solution is ``projected * inverse``; it removes
    ``projected² * (2 * inverse - eigenvalues * inverse²)`` from the centred
    sum of squares of each output.
    """
    gain = 2.0 * inverse - eigenvalues * inverse.square()
    explained = (projected.square() * gain[:, None]).sum(dim=0)
    residual = (moments.target_squares - explained).clamp_min(0.0)
    return float((residual.mean() / max(moments.total, 1e-300)).sqrt())


def rounding_gains(coefficients: torch.Tensor, moments: _NormalEquations):
    """How much each solution amplifies the float32 rounding of its inputs.

    The gain of a coefficient vector ``c`` for output ``o`` is
    ``sum_i |c_io| * rms_i / std_o``: in standard deviations of the target,
    the largest change of the prediction when every input moves by its root
    mean square. Rounding each input to float32 moves it by at most
    :data:`FLOAT32_ROUNDING` of its size, and so the prediction by at most
    about the gain times that (the float32 sum in the network adds its own
    rounding of the same order).

    Parameters
    ----------
    coefficients : torch.Tensor of shape (n_penalties, n_inputs, n_outputs)
        The solutions, in the basis of the inputs.
    moments : _NormalEquations
        The moments they were solved from.

    Returns
    -------
    torch.Tensor of shape (n_penalties,)
        The gain of each solution, the largest over the outputs.
    """
    weighted = coefficients.abs() * moments.input_rms[None, :, None]
    return (weighted.sum(dim=1) / moments.target_std).amax(dim=1)


def moment_sums(data: Batches, n_inputs: int) -> MomentSums:
    """The weighted sums over ``data``, in float64, from one pass over it."""
    n_outputs = data.targets.shape[1]
    gram = torch.zeros(n_inputs, n_inputs, dtype=torch.float64)
    cross = torch.zeros(n_inputs, n_outputs, dtype=torch.float64)
    input_sum = torch.zeros(n_inputs, dtype=torch.float64)
    target_sum = torch.zeros(n_outputs, dtype=torch.float64)
    target_squares = torch.zeros(n_outputs, dtype=torch.float64)
    for windows, targets, weights in _batches(data, n_inputs):
        weighted = windows if weights is None else windows * weights[:, None]
        weighted_targets = targets if weights is None else targets * weights[:, None]
        gram += windows.T @ weighted
        cross += weighted.T @ targets
        input_sum += weighted.sum(dim=0)
        target_sum += weighted_targets.sum(dim=0)
        target_squares += (weighted_targets * targets).sum(dim=0)
    total = float(len(data)) if data.weights is None else float(data.weights.sum())
    count = torch.tensor(total, dtype=torch.float64)
    return MomentSums(
        *summed(gram, cross, input_sum, target_sum, target_squares, count)
    )


def _normal_equations(sums: MomentSums) -> _NormalEquations:
    """The centred normal equations and the moments of the sums ``sums``."""
    total = float(sums.count)
    input_mean, target_mean = sums.input_sum / total, sums.target_sum / total
    input_rms = (sums.gram.diagonal() / total).clamp_min(0.0).sqrt()
    variance = sums.target_squares / total - target_mean.square()
    # A constant target (variance 0 up to rounding) is fitted by the intercept.
    target_std = variance.clamp_min(0.0).sqrt().clamp_min(1e-12)
    centred_squares = sums.target_squares - total * target_mean.square()
    return _NormalEquations(
        sums.gram - total * torch.outer(input_mean, input_mean),
        sums.cross - total * torch.outer(input_mean, target_mean),
        input_mean,
        target_mean,
        input_rms,
        target_std,
        centred_squares.clamp_min(0.0),
        total,
    )


def _leave_one_out_errors(
    data: Batches,
    moments: _NormalEquations,
    vectors: torch.Tensor,
    coefficients: torch.Tensor,
    inverse: torch.Tensor,
) -> torch.Tensor:
    """The summed squared leave-one-out errors of each penalty, over at most
    :data:`LEAVE_ONE_OUT_SAMPLES` windows; infinite for a penalty under which
    a window's error is undefined (:data:`UNDEFINED_LEVERAGE`), as long as
    some penalty's is defined for every window.

    ``coefficients`` (penalties, inputs, outputs) and ``inverse`` (penalties,
    inputs) are in the eigenbasis ``vectors`` of the centred Gram matrix.
    """
    errors = torch.zeros(len(coefficients), dtype=torch.float64)
    undefined = torch.zeros(len(coefficients), dtype=torch.float64)
    # Fewer windows per batch with more outputs: a batch's residuals hold
    # windows x penalties x outputs values, several times over.
    rows = max(64, _BATCH // coefficients.shape[2])
    samples = evenly_spaced(len(data), LEAVE_ONE_OUT_SAMPLES)
    for windows, targets, weights in _batches(data, len(vectors), rows, samples):
        rotated = (windows - moments.input_mean) @ vectors
        residual = (targets - moments.target_mean)[:, None, :] - torch.einsum(
            "bi,pio->bpo", rotated, coefficients
        )
        # Leave-one-out: divide by 1 - leverage (intercept included).
        leverage = rotated.square() @ inverse.T + 1.0 / moments.total
        if weights is not None:
            leverage = leverage * weights[:, None]
        residual = residual / (1.0 - leverage).clamp_min(1e-12)[:, :, None]
        if weights is not None:
            residual = residual * weights[:, None, None].sqrt()
        errors += residual.square().sum(dim=(0, 2))
        undefined += (leverage >= 1.0 - UNDEFINED_LEVERAGE).sum(dim=0)
    errors, undefined = summed(errors, undefined)
    # A penalty under which a window has a leverage of nearly 1 fits that
    # window alone (the one window whose mask marks a missing value in some
    # place, or one of no more windows than inputs): its error there is
    # 0 / 0, rounding noise that could decide the choice. Such a penalty
    # cannot be judged: it is no candidate, unless none can be judged.
    judged = undefined == 0
    return torch.where(judged, errors, torch.inf) if bool(judged.any()) else errors


def _start_with_missing_targets(
    network: RecurrentNetwork, data: Batches, penalty: float | None
) -> RidgeStart | None:
    """The ridge start when some targets are missing (per-target weights 0).

    The closed form shares one Gram matrix between the outputs, so it needs
    every target of a sample. It is solved first with the missing targets
    at 0 (the mean of the standardised targets), each sample weighted by
    the share of its targets observed; then :data:`MISSING_TARGET_STEPS`
    times more, each missing target set to the last solution's prediction
    and each sample at full weight: steps of expectation-maximisation
    towards the solution of each output on its own observed targets, with
    the penalty chosen first. (Only the samples whose targets are all
    observed would leave too few with a long horizon: a 30 % share missing
    leaves 0.2 % of 18-step blocks whole.) Its error is left to a pass of
    the network (``rms_error`` None): the normal equations hold the filled
    targets, not the observed ones.
    """
    weights = data.weights
    first = initialise_linear_path(
        network,
        Batches(data.windows, data.targets, weights.mean(dim=1)),
        penalty=penalty,
    )
    if first is None:
        return None
    rows = weights.amax(dim=1)
    # Rescaled to mean 1 over the samples (of every process, in parallel).
    count = torch.tensor(float(len(rows)), dtype=rows.dtype, device=rows.device)
    total, count = summed(rows.sum(), count)
    rows = rows / (total / count)
    for _ in range(MISSING_TARGET_STEPS):
        predicted = predict_in_batches(network, data.windows).to(data.targets.dtype)
        filled = torch.where(weights > 0, data.targets[:], predicted)
        solved = initialise_linear_path(
            network, Batches(data.windows, filled, rows), penalty=first.penalty
        )
        if solved is None:
            return None
    return RidgeStart(penalty=first.penalty, rms_error=None)


def evenly_spaced(n_samples: int, most: int) -> torch.Tensor | None:
    """``most`` sample indices spread evenly over ``n_samples``; None for all.

    Examples
    --------
    >>> from sklstm._linear_path import evenly_spaced
    >>> evenly_spaced(10, 4).tolist(), evenly_spaced(3, 4)
    ([0, 3, 6, 9], None)
    """
    if n_samples <= most:
        return None
    return torch.linspace(0, n_samples - 1, most, dtype=torch.float64).round().long()


def _batches(
    data: Batches,
    n_inputs: int,
    rows: int = _BATCH,
    samples: torch.Tensor | None = None,
):
    """(windows, targets, weights) of ``data`` in float64 on the CPU, by ``rows``.

    ``samples``: only these samples, in their order (None: all).
    """
    n_samples = len(data) if samples is None else len(samples)
    for start in range(0, n_samples, rows):
        stop = start + rows
        if samples is None:
            windows = data.windows.slice(start, stop)
            targets = data.targets[start:stop]
            weights = None if data.weights is None else data.weights[start:stop]
        else:
            taken = samples[start:stop].to(data.windows.view.device)
            windows, targets = data.windows.take(taken), data.targets[taken]
            weights = None if data.weights is None else data.weights[taken]
        yield (
            windows.reshape(-1, n_inputs).to("cpu", torch.float64),
            targets.to("cpu", torch.float64),
            None if weights is None else weights.to("cpu", torch.float64),
        )
