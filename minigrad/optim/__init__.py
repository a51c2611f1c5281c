"""Optimizers, learning-rate schedules, gradient clipping and weight averaging.

Every optimizer updates the ``data`` of the Tensors it was given, in place,
from their ``grad``; it works on any Tensors that require grad (no layer
classes needed). One import per line, so that several authors can add lines.
"""

from minigrad.optim.optimizer import Optimizer
from minigrad.optim.sgd import SGD
from minigrad.optim.adagrad import Adagrad
from minigrad.optim.rmsprop import RMSprop
from minigrad.optim.adadelta import Adadelta
from minigrad.optim.adam import Adam
from minigrad.optim.adam import AdamW
from minigrad.optim.adam import Adamax
from minigrad.optim.adam import NAdam
from minigrad.optim.adam import RAdam
from minigrad.optim.rprop import Rprop
from minigrad.optim.asgd import ASGD
from minigrad.optim.adafactor import Adafactor
from minigrad.optim.muon import Muon
from minigrad.autograd.grad_clip import clip_grad_norm_  # gradients, not optimizers: nn.utils has them too
from minigrad.autograd.grad_clip import clip_grad_value_
from minigrad.optim.averaging import AveragedModel
from minigrad.optim import lr_scheduler
from minigrad.optim import swa_utils
from minigrad.optim.lbfgs import LBFGS
from minigrad.optim.cg import ConjugateGradient
from minigrad.optim.bfgs import BFGS
from minigrad.optim.newton import Newton
from minigrad.optim.newton import NewtonCG
from minigrad.optim.line_search import strong_wolfe
from minigrad.optim.curvature import gradient_curvature
from minigrad.optim.scipy_bridge import scipy_minimize
