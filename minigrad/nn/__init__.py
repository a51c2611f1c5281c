"""Neural-network building blocks: layers, models, initializers, the functional API and losses.

``Layer`` is the base class of every layer and model, ``Network`` an ordered
stack of layers, ``Parameter`` a trainable Tensor. ``minigrad.nn.functional``
(``F``) holds the stateless functions and ``minigrad.nn.init`` the initializers.
"""
from minigrad.nn import functional, init
from minigrad.nn.layer import Layer, LoadResult, Parameter
from minigrad.nn.layers import (
    BatchNorm1d, Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh,
)
from minigrad.nn.network import Network
from minigrad.nn.embedding import Embedding
from minigrad.nn.recurrent import GRU, LSTM, RNN
from minigrad.nn.recurrent_cells import GRUCell, LSTMCell, RNNCell
from minigrad.nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss

__all__ = [
    "Parameter", "Layer", "Network", "LoadResult",
    "Linear", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Dropout", "BatchNorm1d",
    "Flatten", "Identity",
    "Embedding", "RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCEWithLogitsLoss",
    "functional", "init",
]
