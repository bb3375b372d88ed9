"""d2lite: the code the d2lite book builds once and reuses.

Import it before MXNet: unless you set it yourself, it sets
``OMP_NUM_THREADS`` to the number of CPU cores (MXNet's default leaves half of
a small CPU idle). MXNet reads it only once, when it loads. If other programs
keep the cores busy while you train, also set ``OMP_WAIT_POLICY=PASSIVE``
before Python starts: waiting threads then sleep instead of spinning, which
halves the speed on an idle machine but avoids a several-fold slowdown on a
busy one (``make bench`` measures both).
"""
import os as _os

_os.environ.setdefault("OMP_NUM_THREADS", str(_os.cpu_count() or 1))

from mxnet import npx as _npx  # noqa: E402

_npx.set_np()

from .device import cpu, num_gpus, try_all_gpus, try_gpu  # noqa: E402
from .utils import (  # noqa: E402
    Accumulator, Timer, cached_model_path, glue, num_params, save_parameters, seed_offset,
    set_seed, train_or_load,
)
from .plot import (  # noqa: E402
    Animator, draw_network, plot, plot_decision_boundary, plot_history, set_figsize,
    show_images, show_trace_1d, show_trace_2d,
)
from .data import (  # noqa: E402
    DATA_HUB, DataError, cache_dir, data_dir, fetch, get_fashion_mnist_labels,
    load_array, load_data_fashion_mnist, load_data_mnist, load_data_mnist_validation,
    read_idx, read_mnist, synthetic_data, train_validation_split,
)
from .data.poetry import FORMS, Poem, load_tang_poems, poem_form  # noqa: E402
from .text import (  # noqa: E402
    RESERVED_TOKENS, PoemBatches, Vocab, load_poem_data, load_poem_splits, pad_poems, split_poems,
    tokenize_poem,
)
from .models import (  # noqa: E402
    RNNLM, BatchNorm, RNNScratch, batch_norm, conv_output_shape, corr2d, corr2d_backward,
    corr2d_multi_in, corr2d_multi_in_out, cross_entropy, dropout, fashion_cnn, init_mlp_params,
    init_rnn_params, lenet, linreg, max_pool2d_backward, mlp, pool2d, rnn_forward, sgd,
    softmax, squared_loss, train_lenet,
)
from .training import (  # noqa: E402
    NaNLossError, accuracy, check_finite, evaluate_accuracy, evaluate_loss, fit_full_batch,
    train, train_epoch,
)
from .estimator import Accuracy, EpochLogger, Loss, NumpyMetric  # noqa: E402
from .ngram import (  # noqa: E402
    AddK, KneserNey, PositionKneserNey, best_kneser_ney, best_ngram,
)
from .language_model import (  # noqa: E402
    evaluate_perplexity, grad_clipping, masked_loss, train_lm, train_lm_epoch, train_poem_lm,
)
from .poems import (  # noqa: E402
    PoemForm, decode, is_well_formed, poem_metrics, repetition, rhyme_class, rhymes,
    split_lines, write_poems,
)

__version__ = "0.1.0"

__all__ = [
    "cpu", "num_gpus", "try_gpu", "try_all_gpus",
    "Accumulator", "Timer", "cached_model_path", "num_params", "save_parameters", "set_seed",
    "train_or_load",
    "Animator", "plot", "plot_decision_boundary", "set_figsize", "show_images",
    "show_trace_1d", "show_trace_2d", "draw_network", "plot_history",
    "DATA_HUB", "DataError", "cache_dir", "data_dir", "fetch", "read_idx", "read_mnist",
    "load_data_mnist", "load_data_fashion_mnist", "get_fashion_mnist_labels",
    "load_data_mnist_validation", "train_validation_split",
    "synthetic_data", "load_array", "linreg", "squared_loss", "sgd", "softmax", "cross_entropy",
    "init_mlp_params", "mlp", "dropout", "batch_norm", "BatchNorm",
    "conv_output_shape", "corr2d", "corr2d_multi_in", "corr2d_multi_in_out", "pool2d",
    "corr2d_backward", "max_pool2d_backward", "lenet", "train_lenet", "fashion_cnn",
    "NaNLossError", "accuracy", "check_finite", "evaluate_accuracy", "evaluate_loss",
    "train_epoch", "train", "fit_full_batch",
    "Accuracy", "Loss", "NumpyMetric", "EpochLogger",
    "init_rnn_params", "rnn_forward", "RNNScratch", "RNNLM",
    "AddK", "KneserNey", "PositionKneserNey", "best_ngram", "best_kneser_ney",
    "masked_loss", "grad_clipping", "evaluate_perplexity", "train_lm_epoch", "train_lm",
    "train_poem_lm",
    "PoemForm", "decode", "write_poems", "is_well_formed", "rhyme_class", "rhymes",
    "repetition", "split_lines", "poem_metrics",
    "FORMS", "Poem", "load_tang_poems", "poem_form",
    "RESERVED_TOKENS", "Vocab", "tokenize_poem", "split_poems", "pad_poems", "PoemBatches",
    "load_poem_splits", "load_poem_data",
]
