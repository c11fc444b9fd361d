"""The bug zoo: classic mistakes in code written to the deep-learning-from-scratch book's contract,
each a small class with exactly one mistake, each run through `comparisons.check`
(`python -m comparisons bugzoo`). An entry is caught when check flags it (a failed check, or a
warning for an entry that writes into the caller's arrays) and its diagnosis names the cause.

The classes are named like the book's, with the mistake in front (the checker recognises
`...Affine`, `...Relu`, `...SoftmaxWithLoss`, ...); the few correct bases below carry the
book's equations, each with one overridable step, so that every entry changes one line.
"""
from dataclasses import dataclass

import numpy as np

from ..core.check import Check
from ..core.result import Report, Section
from . import cs231n
from .core import check


# -- correct bases (one step each for an entry to get wrong) --------------------------------------
class _Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW, self.db = self.weight_gradient(dout), self.bias_gradient(dout)
        return self.input_gradient(dout)

    def weight_gradient(self, dout):
        return self.x.T @ dout

    def bias_gradient(self, dout):
        return dout.sum(axis=0)

    def input_gradient(self, dout):
        return dout @ self.W.T


class _Relu:
    mask = None

    def inactive(self, x):
        return x <= 0

    def forward(self, x):
        self.mask = self.inactive(x)
        return np.where(self.mask, 0, x)

    def backward(self, dout):
        return np.where(self.mask, 0, dout)


class _Sigmoid:
    x = out = None

    def forward(self, x):
        self.x, self.out = x, 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class _Tanh:
    x = out = None

    def forward(self, x):
        self.x, self.out = x, np.tanh(x)
        return self.out

    def backward(self, dout):
        return dout * (1 - self.out ** 2)


class _SoftmaxWithLoss:
    y = t = None

    def probabilities(self, x):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def cross_entropy(self):
        return -np.mean(np.log(np.sum(self.y * self.t, axis=1) + 1e-7))

    def forward(self, x, t):
        self.y = self.probabilities(x)
        self.t = t if t.ndim == 2 else np.eye(x.shape[1], dtype=x.dtype)[t]
        return self.cross_entropy()

    def backward(self, dout=1):
        return (self.y - self.t) / self.t.shape[0]


class _TwoLayerNet:
    """The book's ch05 network with MultiLayerNet's weight decay 0.5 * lambda * sum(W**2)."""
    activation = _Relu

    def __init__(self, input_size, hidden_size, output_size, weight_decay_lambda=0.0):
        self.params = {"W1": 0.1 * np.random.randn(input_size, hidden_size), "b1": np.zeros(hidden_size),
                       "W2": 0.1 * np.random.randn(hidden_size, output_size), "b2": np.zeros(output_size)}
        self.weight_decay_lambda = weight_decay_lambda
        self.layers = {"Affine1": _Affine(self.params["W1"], self.params["b1"]),
                       "Activation_function1": self.activation(),
                       "Affine2": _Affine(self.params["W2"], self.params["b2"])}
        self.lastLayer = _SoftmaxWithLoss()

    def loss(self, x, t):
        for layer in self.layers.values():
            x = layer.forward(x)
        decay = sum(0.5 * self.weight_decay_lambda * np.sum(self.params[w] ** 2) for w in ("W1", "W2"))
        return self.lastLayer.forward(x, t) + decay

    def decay_gradient(self, W):
        return self.weight_decay_lambda * W

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        grads = {}
        for i in (1, 2):
            affine = self.layers[f"Affine{i}"]
            grads[f"W{i}"], grads[f"b{i}"] = affine.dW + self.decay_gradient(affine.W), affine.db
        return grads


def _window_rows(x, fh, fw, stride, pad):
    """im2col: one row per (n, out_h, out_w), columns (c, fh, fw), of NCHW images."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = np.lib.stride_tricks.sliding_window_view(xp, (fh, fw), axis=(2, 3))[:, :, ::stride, ::stride]
    n, c, oh, ow = v.shape[:4]
    return v.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * fh * fw), oh, ow


class _Windows:
    """col2im, the adjoint of im2col: every window cell back where it came from (overlaps add up)."""
    x = stride = pad = None

    def col2im(self, dcol, fh, fw):
        n, c, h, w = self.x.shape
        s, p = self.stride, self.pad
        oh, ow = (h + 2 * p - fh) // s + 1, (w + 2 * p - fw) // s + 1
        cells = dcol.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
        img = np.zeros((n, c, h + 2 * p + s - 1, w + 2 * p + s - 1), dtype=dcol.dtype)
        for i in range(fh):
            for j in range(fw):
                self.add_cell(img[:, :, i:i + s * oh:s, j:j + s * ow:s], cells[:, :, i, j])
        return img[:, :, p:h + p, p:w + p]

    def add_cell(self, window, cell):
        window += cell


class _Convolution(_Windows):
    """The book's Convolution(W, b, stride, pad): NCHW, filters (FN, C, FH, FW), by im2col."""

    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad
        self.x = self.col = self.dW = self.db = None

    def forward(self, x):
        fn = self.W.shape[0]
        self.x = x
        self.col, oh, ow = _window_rows(x, *self.W.shape[2:], self.stride, self.pad)
        out = self.col @ self.W.reshape(fn, -1).T + self.b
        return out.reshape(x.shape[0], oh, ow, fn).transpose(0, 3, 1, 2)

    def backward(self, dout):
        fn = self.W.shape[0]
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.db = dout.sum(axis=0)
        self.dW = self.kernel_gradient(self.col.T @ dout)
        return self.col2im(dout @ self.W.reshape(fn, -1), *self.W.shape[2:])

    def kernel_gradient(self, dcol_W):
        return dcol_W.T.reshape(self.W.shape)


class _Pooling(_Windows):
    """The book's max Pooling(pool_h, pool_w, stride, pad): the gradient to each window's argmax."""

    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad
        self.x = self.rows = None

    def forward(self, x):
        self.x = x
        n, c = x.shape[:2]
        rows, oh, ow = _window_rows(x, self.pool_h, self.pool_w, self.stride, self.pad)
        self.rows = rows.reshape(-1, self.pool_h * self.pool_w)  # one row per (n, oh, ow, c)
        return self.rows.max(axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def routing(self):
        """One 1 per window, at the first maximum (argmax)."""
        chosen = np.zeros_like(self.rows)
        chosen[np.arange(len(self.rows)), self.rows.argmax(axis=1)] = 1
        return chosen

    def backward(self, dout):
        dcol = self.routing() * dout.transpose(0, 2, 3, 1).reshape(-1, 1)
        return self.col2im(dcol, self.pool_h, self.pool_w)


class _Dropout:
    """The book's Dropout, not inverted: x * mask in training, x * (1 - ratio) at inference."""

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def keep(self, shape):
        return np.random.rand(*shape) > self.dropout_ratio

    def forward(self, x, train_flg=True):
        if not train_flg:
            return x * (1.0 - self.dropout_ratio)
        self.mask = self.keep(x.shape)
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class _BatchNormalization:
    """The book's BatchNormalization on (N, D) data: momentum 0.9, epsilon 10e-7."""

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean, self.running_var = running_mean, running_var
        self.xc = self.std = self.xn = self.dgamma = self.dbeta = None

    def variance(self, xc):
        return np.mean(xc ** 2, axis=0)

    def forward(self, x, train_flg=True):
        if self.running_mean is None:
            self.running_mean, self.running_var = np.zeros(x.shape[1]), np.zeros(x.shape[1])
        if not train_flg:
            return self.gamma * (x - self.running_mean) / np.sqrt(self.running_var + 10e-7) + self.beta
        mu = x.mean(axis=0)
        self.xc = x - mu
        var = self.variance(self.xc)
        self.std = np.sqrt(var + 10e-7)
        self.xn = self.xc / self.std
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
        self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        return self.gamma * self.xn + self.beta

    def backward(self, dout):
        n = dout.shape[0]
        self.dbeta, self.dgamma = dout.sum(axis=0), np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dvar = -0.5 * np.sum(dxn * self.xc, axis=0) / self.std ** 3
        dxc = dxc + (2.0 / n) * self.xc * dvar
        return self.centre(dxc)

    def centre(self, dxc):
        return dxc - dxc.mean(axis=0)


# -- the entries --------------------------------------------------------------------------------
class NoBatchMeanSoftmaxWithLoss(_SoftmaxWithLoss):
    def backward(self, dout=1):
        return self.y - self.t  # dx = y - t


class UnshiftedSoftmaxWithLoss(_SoftmaxWithLoss):
    def probabilities(self, x):
        e = np.exp(x)  # exp(x) / sum(exp(x)) without subtracting the max
        return e / e.sum(axis=1, keepdims=True)


class UnprotectedLogSoftmaxWithLoss(_SoftmaxWithLoss):
    def cross_entropy(self):
        return -np.mean(np.log(np.sum(self.y * self.t, axis=1)))  # log(y) without + 1e-7


class BatchAxisSoftmaxWithLoss(_SoftmaxWithLoss):
    def probabilities(self, x):
        e = np.exp(x - x.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)  # normalised over axis 0


class TransposedDWAffine(_Affine):
    def weight_gradient(self, dout):
        return dout.T @ self.x  # dW = dout.T @ x


class UntransposedXAffine(_Affine):
    def weight_gradient(self, dout):
        return self.x @ dout  # dW = x @ dout


class WrongAxisBiasAffine(_Affine):
    def bias_gradient(self, dout):
        return dout.sum(axis=1)  # db = dout.sum(axis=1)


class UntransposedWAffine(_Affine):
    def input_gradient(self, dout):
        return dout @ self.W  # dx = dout @ W


class DoutWritingRelu(_Relu):  # what the book's own Relu does
    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class XWritingRelu(_Relu):
    def forward(self, x):
        self.mask = self.inactive(x)
        x[self.mask] = 0  # x[x <= 0] = 0; return x
        return x


class ZeroActiveRelu(_Relu):
    def inactive(self, x):
        return x < 0  # mask x < 0: x == 0 counts as active


class InputSigmoid(_Sigmoid):
    def backward(self, dout):
        return dout * (1 - self.x) * self.x  # the input where the output belongs


class InputTanh(_Tanh):
    def backward(self, dout):
        return dout * (1 - self.x ** 2)  # 1 - x**2 with x the input


class InputSigmoidNet(_TwoLayerNet):
    activation = InputSigmoid  # the Sigmoid mistake inside a network


class PenaltyWithoutGradientNet(_TwoLayerNet):
    def decay_gradient(self, W):
        return 0  # loss += 0.5*lambda*sum(W**2), grads = dW only


class HalfPenaltyGradientNet(_TwoLayerNet):
    def decay_gradient(self, W):
        return 0.5 * self.weight_decay_lambda * W  # 0.5*lambda*W instead of lambda*W


class ForwardDifferenceNet(_TwoLayerNet):
    def gradient(self, x, t):
        h, grads = 1e-4, {}
        for key, w in self.params.items():
            grads[key] = np.zeros_like(w)
            for idx in np.ndindex(w.shape):  # (f(w + h) - f(w)) / h
                keep, base = w[idx], self.loss(x, t)
                w[idx] = keep + h
                grads[key][idx] = (self.loss(x, t) - base) / h
                w[idx] = keep
        return grads


class WrongSignMomentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        self.v = self.v or {key: np.zeros_like(value) for key, value in params.items()}
        for key in params:
            self.v[key] = self.momentum * self.v[key] + self.lr * grads[key]  # + lr*g
            params[key] += self.v[key]


class NoBiasCorrectionAdam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2, self.m, self.v = lr, beta1, beta2, None, None

    def update(self, params, grads):
        if self.m is None:
            self.m = {key: np.zeros_like(value) for key, value in params.items()}
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        for key in params:
            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])
            params[key] -= self.lr * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)  # lr_t = lr


class Pre2021Nesterov:  # the book's own Nesterov before its January 2021 fix
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        for key in params:
            self.v[key] *= self.momentum
            self.v[key] -= self.lr * grads[key]
            params[key] += self.momentum * self.momentum * self.v[key]
            params[key] -= (1 + self.momentum) * self.lr * grads[key]


class ForgetfulMomentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum = lr, momentum

    def update(self, params, grads):
        for key in params:
            v = np.zeros_like(params[key])  # a fresh velocity at every update
            v = self.momentum * v - self.lr * grads[key]
            params[key] += v


class KeptArraySoftmaxWithLoss:
    def __init__(self):
        self.y, self.t = None, None

    def forward(self, x, t):
        self.t = t
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y = e / e.sum(axis=1, keepdims=True)
        p = self.y[np.arange(x.shape[0]), t] if t.ndim == 1 else np.sum(t * self.y, axis=1)
        return -np.sum(np.log(p + 1e-7)) / x.shape[0]

    def backward(self, dout=1):
        n = self.y.shape[0]
        if self.t.ndim == 1:
            self.y[np.arange(n), self.t] -= 1  # in place: the layer's own y becomes the gradient it returns
        else:
            self.y -= self.t
        self.y /= n
        return self.y


class XWritingDropout:
    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio, self.mask = dropout_ratio, None

    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            x *= self.mask  # into the caller's x
            return x
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout):
        return dout * self.mask


class RebindingSGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] = params[key] - self.lr * grads[key]  # a new array, not in place


class OverwritingCol2imConvolution(_Convolution):
    def add_cell(self, window, cell):
        window[...] = cell  # img[...] = col[...] where overlapping windows must add up


class UntransposedDWConvolution(_Convolution):
    def kernel_gradient(self, dcol_W):
        return dcol_W.reshape(self.W.shape)  # (C*FH*FW, FN) reshaped without .transpose(1, 0)


class AllMaximaPooling(_Pooling):
    def routing(self):
        return (self.rows == self.rows.max(axis=1, keepdims=True)).astype(self.rows.dtype)  # every maximum


class UnmaskedBackwardDropout(_Dropout):
    def backward(self, dout):
        return dout  # the mask forgotten


class MixedConventionDropout(_Dropout):
    def keep(self, shape):
        return (np.random.rand(*shape) > self.dropout_ratio) / (1.0 - self.dropout_ratio)  # inverted, as Keras's,
        # while forward still scales by (1 - ratio) at inference, as the book's


class NoMeanTermBatchNormalization(_BatchNormalization):
    def centre(self, dxc):
        return dxc  # dx = dxc, without - sum(dxc, axis=0) / N


class UnbiasedVarianceBatchNormalization(_BatchNormalization):
    def variance(self, xc):
        return np.sum(xc ** 2, axis=0) / (xc.shape[0] - 1)  # x.var(ddof=1)


# -- the second volume's Time layers (params/grads lists, stateful, dh to the initial state) -------
def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


class _TimeRNN:
    """A second-volume TimeRNN(Wx, Wh, b, stateful): h_t = tanh(x_t Wx + h_{t-1} Wh + b)."""
    summed, carried, resets = True, True, True

    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.stateful, self.h, self.dh, self.cache = stateful, None, None, None

    def forward(self, xs):
        Wx, Wh, b = self.params
        if self.h is None or (not self.stateful and self.resets):
            self.h = np.zeros((xs.shape[0], Wh.shape[0]))
        h0, hs = self.h, []
        for t in range(xs.shape[1]):
            self.h = np.tanh(xs[:, t] @ Wx + self.h @ Wh + b)
            hs.append(self.h)
        self.cache = (xs, h0, np.stack(hs, axis=1))
        return self.cache[2]

    def backward(self, dhs):
        Wx, Wh, _ = self.params
        xs, h0, hs = self.cache
        dxs, dh = np.zeros(xs.shape), np.zeros_like(h0)
        grads = [np.zeros_like(g) for g in self.grads]
        for t in reversed(range(xs.shape[1])):
            da = (dhs[:, t] + (dh if self.carried else 0)) * (1 - hs[:, t] ** 2)
            h_prev = hs[:, t - 1] if t else h0
            step = (xs[:, t].T @ da, h_prev.T @ da, da.sum(axis=0))
            for k, g in enumerate(step):
                if self.summed:
                    grads[k] += g
                else:
                    grads[k] = g
            dxs[:, t], dh = da @ Wx.T, da @ Wh.T
        for mine, g in zip(self.grads, grads):
            mine[...] = g
        self.dh = dh
        return dxs


class NotSummedTimeRNN(_TimeRNN):
    summed = False  # grads[k] = g inside the time loop


class NoCarryTimeRNN(_TimeRNN):
    carried = False  # each step's backward gets dhs[:, t] alone


class NeverResetTimeRNN(_TimeRNN):
    resets = False  # stateful=False, but h is kept from the last forward


class SwappedGatesTimeLSTM:
    """A second-volume TimeLSTM whose forward reads the gate blocks as (i, f, g, o) where the book
    lays them out (f, g, i, o) (forward only: the forward check names the mistake)."""

    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.stateful = stateful

    def forward(self, xs):
        Wx, Wh, b = self.params
        H = Wh.shape[0]
        h = c = np.zeros((xs.shape[0], H))
        hs = []
        for t in range(xs.shape[1]):
            a = xs[:, t] @ Wx + h @ Wh + b
            i, f, g, o = (a[:, k * H:(k + 1) * H] for k in range(4))
            c = _sigmoid(f) * c + np.tanh(g) * _sigmoid(i)
            h = _sigmoid(o) * np.tanh(c)
            hs.append(h)
        return np.stack(hs, axis=1)

    def backward(self, dhs):
        return np.zeros(dhs.shape[:2] + (self.params[0].shape[0],))


@dataclass
class Entry:
    cls: type
    mistake: str  # the line as a learner writes it
    cause: str  # what the diagnosis must say
    dtype: str = "float64"
    warning: bool = False  # caught by a warning (it passes otherwise), not by a failed check
    kind: str = None  # what the class is, where its contract's adapter says so (CS231n's functions)


# -- CS231n's function files (cs231n.py presents them as the book's classes) ----------------------------------
class SummedSvmLoss:
    """CS231n's svm_loss(x, y) -> (loss, dx) with the loss left summed over the batch."""

    def forward(self, x, t):
        n = x.shape[0]
        margins = np.maximum(0.0, x - x[np.arange(n), t][:, None] + 1.0)
        margins[np.arange(n), t] = 0.0
        dx = (margins > 0).astype(x.dtype)
        dx[np.arange(n), t] -= dx.sum(axis=1)
        self.dx = dx / n
        return margins.sum()  # the mistake: no / n

    def backward(self, dout=1):
        return self.dx * dout


def _starter_affine_forward(x, w, b):
    out = None  # the starter code's TODO block, with its `pass`, left as it is
    return out, (x, w, b)


def _starter_affine_backward(dout, cache):
    return None, None, None


def _keep_with_p_dropout_forward(x, dropout_param):
    """- p: Dropout parameter. We drop each neuron output with probability p. (2016's wording)"""
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode != "train":
        return x, (dropout_param, None)
    mask = (np.random.rand(*x.shape) < p) / p  # the mistake: p read as the probability to keep
    return x * mask, (dropout_param, mask)


def _dropout_backward(dout, cache):
    dropout_param, mask = cache
    return dout * mask if dropout_param["mode"] == "train" else dout


def _cs231n(make, name, *args):
    cls = make(*args)
    cls.__name__ = cls.__qualname__ = name
    return cls


NotImplementedAffine = _cs231n(lambda: cs231n._affine({"affine_forward": _starter_affine_forward},
                                                      _starter_affine_backward), "NotImplementedAffine")
KeepProbabilityDropout = _cs231n(lambda: cs231n._dropout({"dropout_forward": _keep_with_p_dropout_forward},
                                                         _dropout_backward, "drop"), "KeepProbabilityDropout")


ZOO = (
    Entry(NotSummedTimeRNN, "TimeRNN.backward: grads[i] = grad in the time loop", "gradients not summed over time"),
    Entry(NoCarryTimeRNN, "TimeRNN.backward: layer.backward(dhs[:, t, :])", "dh not carried back"),
    Entry(NeverResetTimeRNN, "TimeRNN.forward: if self.h is None: (stateful ignored)",
          "a stateful layer not reset between sequences"),
    Entry(SwappedGatesTimeLSTM, "LSTM.forward: i, f, g, o = A's blocks", "gate slices in the wrong order"),
    Entry(NoBatchMeanSoftmaxWithLoss, "backward: dx = y - t", "missing batch mean"),
    Entry(UnshiftedSoftmaxWithLoss, "softmax: exp(x) / sum(exp(x))", "overflow"),
    Entry(UnprotectedLogSoftmaxWithLoss, "loss: -mean(log(y[t]))", "log(0)"),
    Entry(BatchAxisSoftmaxWithLoss, "softmax normalised over axis 0", "softmax over axis 0 (the batch)"),
    Entry(TransposedDWAffine, "dW = dout.T @ x", "transposed"),
    Entry(UntransposedXAffine, "dW = x @ dout", "x used without its transpose"),
    Entry(WrongAxisBiasAffine, "db = dout.sum(axis=1)", "instead of over the batch (axis 0)"),
    Entry(UntransposedWAffine, "dx = dout @ W", "W used without its transpose"),
    Entry(DoutWritingRelu, "backward: dout[mask] = 0; return dout (the book's own)",
          "a real bug for a caller that uses dout again", warning=True),
    Entry(XWritingRelu, "forward: x[x <= 0] = 0; return x", "wrote into the caller's x", warning=True),
    Entry(ZeroActiveRelu, "mask = x < 0", "gradient passed where x == 0 exactly"),
    Entry(InputSigmoid, "backward: dout * (1 - x) * x", "uses the input x where it needs the output"),
    Entry(InputTanh, "backward: dout * (1 - x**2)", "uses the input x where it needs the output"),
    Entry(InputSigmoidNet, "a network whose Sigmoid backward uses x",
          "Affine1's output (from Activation_function1's backward)"),
    Entry(PenaltyWithoutGradientNet, "loss += 0.5*lambda*sum(W**2); grads = dW", "its gradient lambda*W is missing"),
    Entry(HalfPenaltyGradientNet, "grads = dW + 0.5*lambda*W", "wrong factor"),
    Entry(ForwardDifferenceNet, "gradient by (f(w + h) - f(w)) / h, h = 1e-4, in float32",
          "numerical (finite-difference) gradient", dtype="float32"),
    Entry(WrongSignMomentum, "v = momentum*v + lr*g; w += v", "sign"),
    Entry(NoBiasCorrectionAdam, "lr_t = lr", "missing bias correction"),
    Entry(Pre2021Nesterov, "v updated first, then w += mu**2*v - (1 + mu)*lr*g", "the book's pre-2021 Nesterov"),
    Entry(ForgetfulMomentum, "v = zeros at every update", "the velocity is not kept between steps"),
    Entry(KeptArraySoftmaxWithLoss, "backward: self.y -= self.t; return self.y", "an array the layer keeps",
          warning=True),
    Entry(XWritingDropout, "forward: x *= mask; return x", "wrote into the caller's x", warning=True),
    Entry(RebindingSGD, "params[key] = params[key] - lr*grads[key]", "instead of updated in place"),
    Entry(OverwritingCol2imConvolution, "col2im: img[...] = col[...]", "col2im overwrote"),
    Entry(UntransposedDWConvolution, "dW = (col.T @ dout).reshape(FN, C, FH, FW)", "without transposing it back"),
    Entry(AllMaximaPooling, "backward: gradient to every cell equal to the window's max",
          "the gradient went to every maximum"),
    Entry(UnmaskedBackwardDropout, "backward: return dout", "backward does not apply the mask"),
    Entry(MixedConventionDropout, "train: x * mask / (1 - ratio); test: x * (1 - ratio)",
          "the two conventions mixed"),
    Entry(NoMeanTermBatchNormalization, "backward: dx = dxc (no - mean(dxc))", "leaves out the mean term"),
    Entry(UnbiasedVarianceBatchNormalization, "var = sum(xc**2) / (N - 1)", "unbiased"),
    Entry(SummedSvmLoss, "CS231n svm_loss: loss = margins.sum() (no / N)", "summed over the batch", kind="svm_loss"),
    Entry(NotImplementedAffine, "CS231n affine_forward: out = None; pass (the starter code)", "not implemented yet",
          kind="affine"),
    Entry(KeepProbabilityDropout, "CS231n 2016 dropout_forward: mask = rand < p, where p drops",
          "the mask is reversed", kind="dropout"),
)


@dataclass
class Finding:
    entry: Entry
    result: object  # the CheckResult

    @property
    def flagged(self):
        return bool(self.result.warnings) if self.entry.warning else not self.result.passed

    @property
    def evidence(self):
        """The diagnosis (or warning) line that names the cause, else the first one."""
        lines = self.result.warnings if self.entry.warning else self.result.diagnosis
        return next((line for line in lines if self.entry.cause in line), lines[0] if lines else "")

    @property
    def caught(self):
        return self.flagged and self.entry.cause in self.evidence


def findings(seed=0):
    """Every entry of the zoo run through `check`."""
    return [Finding(entry, check(entry.cls, dtype=entry.dtype, seed=seed, kind=entry.kind)) for entry in ZOO]


def run(seed=0):
    """The zoo as a Report: a table of the entries (one check each: caught or not) and, as its
    child, every entry's CheckResult."""
    found = findings(seed)
    caught = sum(f.caught for f in found)
    report = Report("bugzoo", headline="The bug zoo", check_table="none", files=("md",),
                    summary_text=f"bugzoo: {caught} of {len(found)} mistakes flagged with their cause named")
    report.sections.append(Section("", HEADERS, rows(found)))
    report.checks = [Check(f.entry.cls.__name__, 0.0 if f.caught else 1.0, 0.0, f.caught, f.evidence, kind="bugzoo",
                           subject=f.entry.cls.__name__) for f in found]
    details = Report("details", headline="Every entry in detail", lead="Each entry's checks, as `check` reports them.",
                     check_table="none", files=(), on_terminal=False)
    details.children = [f.result for f in found]
    report.children.append(details)
    return report


def rows(findings, width=None):
    """[class, mistake, dtype, flagged by, diagnosis] per entry (the diagnosis cut to `width`)."""
    out = []
    for f in findings:
        failed = len(f.result.failed)
        how = ("warning" if f.entry.warning else f"{failed} failed check{'s' if failed > 1 else ''}") \
            if f.flagged else "MISSED"
        evidence = f.evidence if width is None or len(f.evidence) <= width else f.evidence[:width - 3] + "..."
        verdict = how if f.caught else f"{how}, cause not named"
        out.append([f.entry.cls.__name__, f.entry.mistake, f.entry.dtype, verdict, evidence])
    return out


HEADERS = ["class", "mistake", "dtype", "flagged by", "diagnosis"]
