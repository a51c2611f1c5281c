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
from minigrad.nn.conv import Conv2d, ConvTranspose2d
from minigrad.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from minigrad.nn.spatial import BatchNorm2d, Dropout2d, Unflatten
from minigrad.nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss

__all__ = [
    "Parameter", "Layer", "Network", "LoadResult",
    "Linear", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Dropout", "BatchNorm1d",
    "Flatten", "Identity",
    "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d", "Dropout2d", "Unflatten",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCEWithLogitsLoss",
    "functional", "init",
]
