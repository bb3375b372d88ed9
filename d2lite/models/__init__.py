"""Models the book builds from scratch first and then reuses."""
from .linear import linreg, sgd, squared_loss
from .softmax import cross_entropy, softmax
from .dropout import dropout
