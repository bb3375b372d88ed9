"""Models the book builds from scratch first and then reuses."""
from .batchnorm import BatchNorm, batch_norm
from .dropout import dropout
from .linear import linreg, sgd, squared_loss
from .mlp import init_mlp_params, mlp
from .rnn import RNNLM, RNNScratch, init_rnn_params, rnn_forward
from .softmax import cross_entropy, softmax
