"""Linear regression from scratch: the model, its loss and its optimizer."""
from mxnet import np


def linreg(X, w, b):
    """The linear model ``X w + b``."""
    return np.dot(X, w) + b


def squared_loss(y_hat, y):
    """Half the squared error of each example, ``(y_hat - y)^2 / 2``."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    """One minibatch SGD step, in place:
    ``param -= lr * grad / batch_size``.

    The gradients are those of the loss *summed* over the minibatch, hence
    the division by ``batch_size``.
    """
    for param in params:
        # in place: the gradient stays attached
        param -= lr * param.grad / batch_size
