# A learner's transcription of the book's ch07/simple_convnet.py, written for the tests of
# `python -m comparisons check`: conv - relu - pool - affine - relu - affine - softmax, NCHW input.
import os
import sys

sys.path.append(os.pardir)
from collections import OrderedDict  # noqa: E402

import numpy as np  # noqa: E402

from common.layers import Affine, Convolution, Pooling, Relu, SoftmaxWithLoss  # noqa: E402


class SimpleConvNet:
    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100, output_size=10,
                 weight_init_std=0.01):
        conv_param = conv_param or {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}
        filter_num, filter_size = conv_param["filter_num"], conv_param["filter_size"]
        pad, stride = conv_param["pad"], conv_param["stride"]
        conv_output_size = (input_dim[1] - filter_size + 2 * pad) // stride + 1
        pool_output_size = filter_num * (conv_output_size // 2) ** 2

        self.params = {
            "W1": weight_init_std * np.random.randn(filter_num, input_dim[0], filter_size, filter_size),
            "b1": np.zeros(filter_num),
            "W2": weight_init_std * np.random.randn(pool_output_size, hidden_size),
            "b2": np.zeros(hidden_size),
            "W3": weight_init_std * np.random.randn(hidden_size, output_size),
            "b3": np.zeros(output_size)}
        self.layers = OrderedDict([
            ("Conv1", Convolution(self.params["W1"], self.params["b1"], stride, pad)),
            ("Relu1", Relu()),
            ("Pool1", Pooling(pool_h=2, pool_w=2, stride=2)),
            ("Affine1", Affine(self.params["W2"], self.params["b2"])),
            ("Relu2", Relu()),
            ("Affine2", Affine(self.params["W3"], self.params["b3"]))])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        out = x
        for name in self.layers:
            out = self.layers[name].forward(out)
        return out

    def loss(self, x, t):
        logits = self.predict(x)
        return self.last_layer.forward(logits, t)

    def gradient(self, x, t):
        self.loss(x, t)
        grad = self.last_layer.backward(1)
        for name in reversed(self.layers):
            grad = self.layers[name].backward(grad)
        conv, hidden, output = self.layers["Conv1"], self.layers["Affine1"], self.layers["Affine2"]
        return {"W1": conv.dW, "b1": conv.db, "W2": hidden.dW, "b2": hidden.db, "W3": output.dW, "b3": output.db}
