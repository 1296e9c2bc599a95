"""The PyTorch module behind the estimators: a recurrent stack and a linear head."""

from __future__ import annotations

import torch
from torch import nn

RECURRENT_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentNetwork(nn.Module):
    """A stack of LSTM (or GRU) layers, a linear head, and a linear path.

    The head reads the last hidden state of the top layer (for a
    bidirectional stack: the forward direction's last step and the backward
    direction's first step, each having seen the whole window). The optional
    linear path maps the whole window straight to the outputs, as a linear
    autoregressive model on the same lags would; the recurrent part then
    learns what the linear model cannot.

    Parameters
    ----------
    n_features : int
        Features per time step.
    n_outputs : int
        Targets predicted per window.
    lookback : int
        Time steps per window (needed only by the linear path).
    hidden_size : int
        Units per recurrent layer and direction.
    num_layers : int
        Stacked recurrent layers.
    dropout : float
        Dropout between stacked layers and on the last hidden state.
    bidirectional : bool
        Whether each layer also reads the window backwards.
    linear_path : bool
        Whether to add the linear map of the window to the outputs.
    cell : {'lstm', 'gru'}
        The recurrent cell.

    Examples
    --------
    >>> import torch
    >>> from sklstm._network import RecurrentNetwork
    >>> net = RecurrentNetwork(3, 1, lookback=5, hidden_size=4, num_layers=1,
    ...                        dropout=0.0, bidirectional=False, linear_path=True)
    >>> net(torch.zeros(2, 5, 3)).shape
    torch.Size([2, 1])
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int,
        lookback: int,
        hidden_size: int,
        num_layers: int,
        dropout: float,
        bidirectional: bool,
        linear_path: bool,
        cell: str = "lstm",
    ) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.bidirectional = bidirectional
        self.rnn = RECURRENT_CELLS[cell](
            input_size=n_features,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
            batch_first=True,
        )
        self.dropout = nn.Dropout(dropout)
        directions = 2 if bidirectional else 1
        self.head = nn.Linear(hidden_size * directions, n_outputs)
        self.linear = (
            nn.Linear(lookback * n_features, n_outputs, bias=False)
            if linear_path
            else None
        )

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        """Predict one row of outputs per window of shape (lookback, n_features)."""
        sequence, _ = self.rnn(windows)
        if self.bidirectional:
            last = torch.cat(
                [
                    sequence[:, -1, : self.hidden_size],
                    sequence[:, 0, self.hidden_size :],
                ],
                dim=1,
            )
        else:
            last = sequence[:, -1]
        output = self.head(self.dropout(last))
        if self.linear is not None:
            output = output + self.linear(windows.flatten(1))
        return output

    def set_dropout(self, dropout: float) -> None:
        """Train on with another dropout rate: it has no weights to reshape."""
        self.dropout.p = dropout
        if self.rnn.num_layers > 1:
            self.rnn.dropout = dropout


#: Gate blocks per recurrent layer: each has its own input and hidden weights.
_GATES = {"lstm": 4, "gru": 3}


def parameter_count(
    n_features: int,
    n_outputs: int,
    lookback: int,
    hidden_size: int,
    num_layers: int,
    dropout: float,
    bidirectional: bool,
    linear_path: bool,
    cell: str = "lstm",
) -> int:
    """The number of weights of a :class:`RecurrentNetwork`, counted without one.

    Plain integer arithmetic, so that the size of a network described by an
    untrusted file is known before anything is allocated.

    Examples
    --------
    >>> from sklstm._network import RecurrentNetwork, parameter_count
    >>> shape = dict(n_features=3, n_outputs=2, lookback=5, hidden_size=4,
    ...              num_layers=2, dropout=0.0, bidirectional=True,
    ...              linear_path=True, cell="gru")
    >>> net = RecurrentNetwork(**shape)
    >>> parameter_count(**shape) == sum(p.numel() for p in net.parameters())
    True
    """
    directions = 2 if bidirectional else 1
    rows = _GATES[cell] * hidden_size

    def layer(inputs: int) -> int:
        return directions * (rows * (inputs + hidden_size) + 2 * rows)

    # Closed form (no loop over layers): a hostile num_layers costs nothing.
    recurrent = layer(n_features) + (num_layers - 1) * layer(hidden_size * directions)
    head = (hidden_size * directions + 1) * n_outputs
    linear = lookback * n_features * n_outputs if linear_path else 0
    return recurrent + head + linear


def tensor_count(num_layers: int, bidirectional: bool, linear_path: bool) -> int:
    """The number of weight tensors of a :class:`RecurrentNetwork`.

    Examples
    --------
    >>> from sklstm._network import RecurrentNetwork, tensor_count
    >>> net = RecurrentNetwork(2, 1, lookback=3, hidden_size=4, num_layers=3,
    ...                        dropout=0.0, bidirectional=True, linear_path=True)
    >>> tensor_count(3, True, True) == len(net.state_dict())
    True
    """
    # Per layer and direction: input and hidden weights and their two biases.
    return 4 * num_layers * (2 if bidirectional else 1) + 2 + int(linear_path)
