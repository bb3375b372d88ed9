"""Models the book builds from scratch first and then reuses."""
from .linear import linreg, squared_loss, sgd
