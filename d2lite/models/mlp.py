"""A multilayer perceptron from scratch: one ReLU hidden layer, then the evidence."""
from mxnet import np

from ..device import try_gpu


def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01,
                    device=None, dtype="float32"):
    """Parameters ``[W1, B1, W2, B2]`` of a 2-layer MLP, with gradients
    attached.

    The weights ``W1`` ``(num_inputs, num_hiddens)`` and ``W2``
    ``(num_hiddens, num_outputs)`` are drawn from a normal distribution
    with standard deviation ``sigma``; the biases start at 0.
    """
    device = device or try_gpu()
    params = [np.random.normal(0, sigma, (num_inputs, num_hiddens),
                               ctx=device).astype(dtype),
              np.zeros(num_hiddens, ctx=device, dtype=dtype),
              np.random.normal(0, sigma, (num_hiddens, num_outputs),
                               ctx=device).astype(dtype),
              np.zeros(num_outputs, ctx=device, dtype=dtype)]
    for param in params:
        param.attach_grad()
    return params


def mlp(X, params):
    """Evidence ``Z2 = relu(X W1 + B1) W2 + B2`` of a 2-layer MLP, one row
    per example.

    Each example of ``X`` is flattened into a row of ``W1.shape[0]``
    numbers.
    """
    W1, B1, W2, B2 = params
    A1 = np.maximum(np.dot(X.reshape(-1, W1.shape[0]), W1) + B1, 0)  # ReLU
    return np.dot(A1, W2) + B2
