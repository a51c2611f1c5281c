"""Neural-network building blocks: layers, models, initializers, the functional API and losses.

``Layer`` is the base class of every layer and model (``Module``, its PyTorch name), ``Network`` an
ordered stack of layers (``Sequential``, its PyTorch name), ``ModuleList`` a list of layers with no
forward (``ModuleDict`` a dict of them, ``ParameterList`` a list of Parameters, ``ParameterDict`` a dict of
them), ``Parameter`` a trainable Tensor. ``minigrad.nn.functional`` (``F``) holds the stateless functions and ``minigrad.nn.init`` the initializers.
"""
from minigrad.nn import functional, init, utils
from minigrad.nn.layer import Buffer, Layer, Module, Parameter
from minigrad.nn.layer_state import LoadResult
from minigrad.nn.linear import Identity, Linear
from minigrad.nn.activation import (CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                                   LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, RReLU, Sigmoid, SiLU, Softmax,
                                   Softmax2d, Softmin, Softplus, Softshrink, Softsign, Tanh, Tanhshrink, Threshold)
from minigrad.nn.distance import CosineSimilarity, PairwiseDistance
from minigrad.nn.dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, FeatureAlphaDropout
from minigrad.nn.bilinear import Bilinear
from minigrad.nn.fold import Fold, Unfold
from minigrad.nn.parameter_dict import ParameterDict
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, LocalResponseNorm, RMSNorm
from minigrad.nn.instance_norm import InstanceNorm1d, InstanceNorm2d
from minigrad.nn.flatten import Flatten, Unflatten
from minigrad.nn.network import Network, Sequential
from minigrad.nn.module_list import ModuleList
from minigrad.nn.module_dict import ModuleDict
from minigrad.nn.parameter_list import ParameterList
from minigrad.nn.embedding import Embedding
from minigrad.nn.recurrent import GRU, LSTM, RNN, RNNBase
from minigrad.nn.recurrent_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from minigrad.nn.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from minigrad.nn.pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d,
                                AvgPool2d, LPPool1d, LPPool2d, MaxPool1d, MaxPool2d)
from minigrad.nn.shuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from minigrad.nn.padding import (CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d,
                                ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, ZeroPad1d, ZeroPad2d)
from minigrad.nn.upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from minigrad.nn.fractional_pool import FractionalMaxPool2d, FractionalMaxPool3d
from minigrad.nn.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                              MarginRankingLoss, MSELoss, NLLLoss, NLLLoss2d, SmoothL1Loss, SoftMarginLoss)
from minigrad.nn.embedding_loss import (CosineEmbeddingLoss, HingeEmbeddingLoss, TripletMarginLoss,
                                        TripletMarginWithDistanceLoss)
from minigrad.nn.multiclass_loss import (GaussianNLLLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
                                         PoissonNLLLoss)
from minigrad.nn.summary import Summary, SummaryRow, summary
from minigrad.nn.attention import MultiheadAttention
from minigrad.nn.lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d,
                              LazyConvTranspose2d, LazyConvTranspose3d, LazyInstanceNorm1d,
                              LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear, UninitializedBuffer,
                              UninitializedParameter)
from minigrad.nn.unpooling import MaxUnpool1d, MaxUnpool2d, MaxUnpool3d
from minigrad.nn.embedding_bag import EmbeddingBag
from minigrad.nn.ctc_loss import CTCLoss
from minigrad.nn.adaptive_softmax import AdaptiveLogSoftmaxWithLoss
from minigrad.nn.transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                                     TransformerEncoderLayer)
# volumes (N, C, D, H, W)
from minigrad.nn.conv import Conv3d, ConvTranspose3d
from minigrad.nn.pooling import AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, LPPool3d, MaxPool3d
from minigrad.nn.normalization import BatchNorm3d, CrossMapLRN2d
from minigrad.nn.sync_batch_norm import SyncBatchNorm
from minigrad.nn.instance_norm import InstanceNorm3d
from minigrad.nn.dropout import Dropout3d
from minigrad.nn.padding import CircularPad3d, ConstantPad3d, ReflectionPad3d, ReplicationPad3d, ZeroPad3d
# torch.nn.modules.module's global forward hooks (every layer's call), and the handle every register_*hook returns
from minigrad.nn.layer_forward_hooks import (RemovableHandle, register_module_forward_hook,
                                             register_module_forward_pre_hook, register_module_full_backward_hook,
                                             register_module_full_backward_pre_hook)
# torch.nn.parallel (DistributedDataParallel, loaded from minigrad.distributed on first use; DataParallel)
from minigrad.nn import parallel
from minigrad.nn.parallel import DataParallel

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
    "ZeroPad1d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
    "ReplicationPad2d", "CircularPad1d", "CircularPad2d", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle",
    "ConvTranspose1d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "UpsamplingNearest2d",
    "UpsamplingBilinear2d", "Unfold", "Fold", "Bilinear", "ParameterDict", "Dropout1d", "AlphaDropout",
    "FeatureAlphaDropout", "LPPool1d", "LPPool2d",
    "functional", "init", "summary", "Summary", "SummaryRow",
    "LogSigmoid", "Softsign", "Softmin", "SELU", "CELU", "GLU", "Hardswish", "Hardsigmoid", "Hardshrink", "Softshrink",
    "Tanhshrink", "Threshold", "RReLU", "Softmax2d",
    "CosineEmbeddingLoss", "HingeEmbeddingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
    "GaussianNLLLoss", "PoissonNLLLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss",
    "RMSNorm", "InstanceNorm1d", "InstanceNorm2d", "LocalResponseNorm",
    "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
    "TransformerDecoder", "Transformer",
    # volumes (N, C, D, H, W)
    "Conv3d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "LPPool3d",
    "BatchNorm3d", "InstanceNorm3d", "Dropout3d", "ReflectionPad3d", "ReplicationPad3d", "CircularPad3d",
    "ConstantPad3d", "ZeroPad3d",
    "Buffer", "UninitializedParameter", "UninitializedBuffer", "LazyLinear", "LazyConv1d", "LazyConv2d",
    "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyInstanceNorm1d",
    "LazyInstanceNorm2d", "LazyConv3d", "LazyConvTranspose3d", "LazyBatchNorm3d", "LazyInstanceNorm3d",
    "MaxUnpool1d", "MaxUnpool2d", "EmbeddingBag", "CTCLoss",
    "AdaptiveLogSoftmaxWithLoss",
]
__all__ += ["FractionalMaxPool2d"]   # session 10
__all__ += ["MaxUnpool3d"]   # session 13
__all__ += ["FractionalMaxPool3d"]   # session 14
__all__ += ["RemovableHandle", "register_module_forward_hook", "register_module_forward_pre_hook",
            "register_module_full_backward_hook", "register_module_full_backward_pre_hook"]
__all__ += ["DataParallel", "NLLLoss2d"]
__all__ += ["RNNBase", "RNNCellBase"]
__all__ += ["SyncBatchNorm"]
__all__ += ["CrossMapLRN2d"]
