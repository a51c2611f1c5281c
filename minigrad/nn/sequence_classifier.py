"""``RowLSTMClassifier``: an image read as a sequence of rows by an LSTM, classified from its last state."""
from __future__ import annotations

from minigrad.nn.layer import Layer
from minigrad.nn.linear import Linear
from minigrad.nn.recurrent import LSTM


class RowLSTMClassifier(Layer):
    """Sequential MNIST: a (B, rows * cols) image is ``rows`` time steps of ``cols`` pixels.

    An ``LSTM(cols, hidden)`` reads the rows top to bottom and a ``Linear(hidden, classes)``
    maps the final hidden state h_T to class logits.
    """

    def __init__(self, rows: int = 28, cols: int = 28, hidden: int = 128, classes: int = 10,
                 dtype=None, device=None):
        super().__init__()
        self.rows, self.cols = rows, cols
        self.lstm = LSTM(cols, hidden, batch_first=True, dtype=dtype, device=device)
        self.head = Linear(hidden, classes, dtype=dtype, device=device)

    def forward(self, x):
        if x.ndim != 2 or x.shape[1] != self.rows * self.cols:
            raise ValueError(f"RowLSTMClassifier: input has shape {tuple(x.shape)} but expected "
                             f"(B, {self.rows * self.cols}) images of {self.rows} rows of {self.cols} pixels")
        _, (h_n, _) = self.lstm(x.reshape(x.shape[0], self.rows, self.cols))
        return self.head(h_n[-1])

    def extra_repr(self):
        return f"rows={self.rows}, cols={self.cols}"
