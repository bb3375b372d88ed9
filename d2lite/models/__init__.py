"""Models the book builds from scratch first and then reuses."""
from .batchnorm import BatchNorm, batch_norm
from .conv import (
    conv_output_shape, corr2d, corr2d_backward, corr2d_multi_in, corr2d_multi_in_out, fashion_cnn,
    lenet, max_pool2d_backward, pool2d, train_lenet,
)
from .dropout import dropout
from .linear import linreg, sgd, squared_loss
from .mlp import init_mlp_params, mlp
from .rnn import RNNLM, RNNScratch, init_rnn_params, rnn_forward
from .softmax import cross_entropy, softmax
