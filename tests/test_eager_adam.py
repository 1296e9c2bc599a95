"""The optimiser is torch's Adam to the bit (that it imports no ``torch._dynamo``
is checked in ``test_reliability.py``, in a fresh process)."""

import pytest
import torch
from torch import nn

from sklstm._eager_adam import EagerAdam


def _trained_weights(optimizer_class, fused):
    torch.manual_seed(0)
    network, head = nn.LSTM(3, 5, batch_first=True), nn.Linear(5, 1)
    recurrent, output = list(network.parameters()), list(head.parameters())
    optimizer = optimizer_class(
        [{"params": recurrent}, {"params": output, "lr": 1e-3}],
        lr=1e-2,
        weight_decay=1e-4,
        fused=fused,
    )
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)
    windows, targets = torch.randn(64, 7, 3), torch.randn(64, 1)
    for step in range(12):
        optimizer.zero_grad(set_to_none=True)
        sequence, _ = network(windows)
        nn.functional.mse_loss(head(sequence[:, -1]), targets).backward()
        optimizer.step()
        if step % 3 == 2:
            schedule.step()
        if step == 5:  # as partial_fit resumes a pickled optimiser
            optimizer.load_state_dict(optimizer.state_dict())
    return torch.cat([p.detach().ravel() for p in recurrent + output])


@pytest.mark.parametrize("fused", [False, True])
def test_eager_adam_trains_exactly_as_torchs_adam(fused):
    eager = _trained_weights(EagerAdam, fused)
    assert torch.equal(eager, _trained_weights(torch.optim.Adam, fused))
