"""Neural-network building blocks: layers, models, initializers, the functional API and losses.

``Layer`` is the base class of every layer and model (``Module``, its PyTorch name), ``Network`` an
ordered stack of layers (``Sequential``, its PyTorch name), ``ModuleList`` a list of layers with no
forward (``ModuleDict`` a dict of them, ``ParameterList`` a list of Parameters), ``Parameter`` a trainable Tensor. ``minigrad.nn.functional``
(``F``) holds the stateless functions and ``minigrad.nn.init`` the initializers.
"""
from minigrad.nn import functional, init
from minigrad.nn.layer import Layer, LoadResult, Module, Parameter
from minigrad.nn.linear import Identity, Linear
from minigrad.nn.activation import (ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, Mish, PReLU, ReLU, ReLU6, Sigmoid, SiLU,
                                   Softmax, Softplus, Tanh)
from minigrad.nn.distance import CosineSimilarity, PairwiseDistance
from minigrad.nn.dropout import Dropout, Dropout2d
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from minigrad.nn.flatten import Flatten, Unflatten
from minigrad.nn.network import Network, Sequential
from minigrad.nn.module_list import ModuleList
from minigrad.nn.module_dict import ModuleDict
from minigrad.nn.parameter_list import ParameterList
from minigrad.nn.embedding import Embedding
from minigrad.nn.recurrent import GRU, LSTM, RNN
from minigrad.nn.recurrent_cells import GRUCell, LSTMCell, RNNCell
from minigrad.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from minigrad.nn.pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from minigrad.nn.padding import ZeroPad2d
from minigrad.nn.upsample import Upsample
from minigrad.nn.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                              MarginRankingLoss, MSELoss, NLLLoss, SmoothL1Loss, SoftMarginLoss)
from minigrad.nn.summary import Summary, SummaryRow, summary
from minigrad.nn.attention import MultiheadAttention
from minigrad.nn.transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                                     TransformerEncoderLayer)

__all__ = [
    "Parameter", "Layer", "Module", "Network", "Sequential", "ModuleList", "LoadResult",
    "Linear", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "SiLU", "ELU", "GELU", "Softplus", "Mish", "Hardtanh", "ReLU6",
    "PReLU", "Softmax", "LogSoftmax", "Dropout",
    "BatchNorm1d", "LayerNorm",
    "Flatten", "Identity",
    "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d", "Dropout2d", "Unflatten",
    "Conv1d", "MaxPool1d", "AvgPool1d", "GroupNorm", "ZeroPad2d", "Upsample", "ModuleDict", "ParameterList",
    "Embedding", "CosineSimilarity", "PairwiseDistance", "RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCEWithLogitsLoss",
    "BCELoss", "KLDivLoss", "SoftMarginLoss", "MarginRankingLoss",
    "functional", "init", "summary", "Summary", "SummaryRow",
    "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
    "TransformerDecoder", "Transformer",
]
