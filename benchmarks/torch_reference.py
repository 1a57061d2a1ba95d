"""The PyTorch reference: the benchmarked network and a plain training loop.

The network mirrors the Keras one layer for layer (stacked ``nn.LSTM``, the
last time step, one linear output) and starts from Keras's initialisation:
Glorot-uniform input kernels, orthogonal recurrent kernels, zero biases but
one on the forget gate, Glorot-uniform output kernel. Training is Adam
(learning rate 1e-3, Keras's epsilon 1e-7) on the mean squared error,
reshuffled every epoch, with the last ``validation_split`` of the rows held
out before shuffling, as Keras does.
"""

import time

import numpy as np
import torch
from torch import nn

# Rows per forward pass in predict, as sklstm's predict does.
PREDICT_CHUNK = 4096


class LSTMNet(nn.Module):
    """Stacked LSTM layers, then a linear output on the last time step.

    Parameters
    ----------
    n_features : int
        Features per time step.
    units : tuple of int
        Units of each LSTM layer.
    """

    def __init__(self, n_features, units):
        super().__init__()
        sizes = (n_features, *units)
        self.lstms = nn.ModuleList(
            nn.LSTM(n_in, n_out, batch_first=True)
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.dense = nn.Linear(units[-1], 1)
        self._init_like_keras()

    def _init_like_keras(self):
        for lstm in self.lstms:
            hidden = lstm.hidden_size
            nn.init.xavier_uniform_(lstm.weight_ih_l0)
            nn.init.orthogonal_(lstm.weight_hh_l0)
            nn.init.zeros_(lstm.bias_ih_l0)
            nn.init.zeros_(lstm.bias_hh_l0)
            with torch.no_grad():
                # PyTorch's gate order is input, forget, cell, output.
                lstm.bias_ih_l0[hidden : 2 * hidden] = 1.0
        nn.init.xavier_uniform_(self.dense.weight)
        nn.init.zeros_(self.dense.bias)

    def forward(self, x):
        for lstm in self.lstms:
            x, _ = lstm(x)
        return self.dense(x[:, -1]).squeeze(-1)


def fit(X, y, *, units, epochs, batch_size, validation_split=0.0, seed=0):
    """Build and train the network the way Keras's ``model.fit`` would.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Training windows.
    y : ndarray of shape (n_samples,)
        Targets.
    units : tuple of int
        Units of each LSTM layer.
    epochs, batch_size : int
        As in ``model.fit``.
    validation_split : float, default=0.0
        Fraction of the rows, taken from the end, evaluated after each epoch.
    seed : int, default=0
        Seeds the weights (``torch.manual_seed``) and the shuffling.

    Returns
    -------
    model : LSTMNet
        The trained network.
    history : dict of str to list of float
        ``"loss"``: the training loss of each epoch, averaged over its
        samples; ``"val_loss"``: the loss on the held-out rows, if any.
    epoch_times : list of float
        Seconds per epoch, validation included.
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    y = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))
    n_train = int(len(X) * (1.0 - validation_split))
    X_train, y_train = X[:n_train], y[:n_train]
    X_val, y_val = X[n_train:], y[n_train:]
    model = LSTMNet(X.shape[2], tuple(units))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.MSELoss()
    history, epoch_times = {"loss": [], "val_loss": []}, []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n_train, generator=generator)
        total = 0.0
        for rows in order.split(batch_size):
            optimizer.zero_grad()
            loss = loss_fn(model(X_train[rows]), y_train[rows])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        history["loss"].append(total / n_train)
        if len(X_val):
            y_pred = predict(model, X_val, chunk=batch_size)
            history["val_loss"].append(float(np.mean((y_pred - y_val.numpy()) ** 2)))
        epoch_times.append(time.perf_counter() - start)
    return model, history, epoch_times


def predict(model, X, chunk=PREDICT_CHUNK):
    """Return the network's outputs for ``X`` as a NumPy array.

    Parameters
    ----------
    model : LSTMNet
        A trained network.
    X : ndarray or torch.Tensor of shape (n_samples, n_timesteps, n_features)
        Windows.
    chunk : int, default=4096
        Rows per forward pass.

    Returns
    -------
    y_pred : ndarray of shape (n_samples,)
        Predictions.
    """
    if not isinstance(X, torch.Tensor):
        X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    model.eval()
    with torch.inference_mode():
        outputs = [model(X[start : start + chunk]) for start in range(0, len(X), chunk)]
    return torch.cat(outputs).numpy()
