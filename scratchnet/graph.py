"""Computational-graph nodes: each keeps its inputs for backward and returns the upstream
gradient times the local derivative for every input."""


class Multiply:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        # d(xy)/dx = y and d(xy)/dy = x: the gradients swap the inputs.
        return dout * self.y, dout * self.x


class Add:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        # d(x+y)/dx = d(x+y)/dy = 1: the gradient passes through unchanged (copied for arrays,
        # so the caller may modify one without changing the other).
        return dout * 1, dout * 1
