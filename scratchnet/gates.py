"""Perceptron logic gates: AND, NAND and OR as single perceptrons, XOR as a two-layer perceptron.

A single perceptron draws one straight line through the input plane, so XOR (not linearly
separable) needs a second layer: XOR(a, b) = AND(NAND(a, b), OR(a, b)).
"""


class Perceptron:
    """Fires (returns 1) when w1*x1 + w2*x2 > theta, else returns 0."""

    def __init__(self, w1, w2, theta):
        self.w1, self.w2, self.theta = w1, w2, theta

    def forward(self, x1, x2):
        return 1 if self.w1 * x1 + self.w2 * x2 > self.theta else 0

    __call__ = forward


_AND = Perceptron(0.5, 0.5, 0.7)
_NAND = Perceptron(-0.5, -0.5, -0.7)
_OR = Perceptron(0.5, 0.5, 0.2)


def AND(x1, x2):
    return _AND.forward(x1, x2)


def NAND(x1, x2):
    return _NAND.forward(x1, x2)


def OR(x1, x2):
    return _OR.forward(x1, x2)


def XOR(x1, x2):
    return AND(NAND(x1, x2), OR(x1, x2))
