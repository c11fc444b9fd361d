"""The traps a learner following the course texts fell into, each now either working or a clear
error: rebinding a parameter, mismatched default dtypes, a model without a loss, a 1-D input,
Keras-style argument names, set_weights with a dict; and the Keras-style summary."""
import copy
import re
from pathlib import Path

import numpy as np
import pytest

import scratchnet
from scratchnet import datasets, optimizers
from scratchnet.layers import Affine, ReLU
from scratchnet.losses import SoftmaxCrossEntropy

README = Path(__file__).resolve().parents[2] / "README.md"


def small(**kw):
    return scratchnet.mlp([3, 4, 2], **{"seed": 0, "weight_init": "he_normal", "dtype": np.float64, **kw})


def data(n=20):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)), rng.integers(0, 2, n)


def test_rebinding_a_parameter_trains_the_layer():
    # the book's loop written with rebinding: params[key] = params[key] - lr * grad
    model, (x, t) = small(), data()
    twin = small()
    W1 = model.params["W1"]
    for _ in range(5):
        grads = model.gradient(x, t)
        for key in model.params:
            model.params[key] = model.params[key] - 0.5 * grads[key]
        twin.backprop(x, t)
        optimizers.SGD(0.5).update(twin.params, twin.grads)
    assert model.params["W1"] is W1 and model.layers[0].params["W"] is W1  # written into the layer's array
    for ours, in_place in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(ours, in_place)  # exactly what the in-place update does


@pytest.mark.parametrize("key, value, error, message", [
    ("W1", np.zeros((3, 5)), ValueError, r"params\['W1'\]: expected shape \(3, 4\), got \(3, 5\)"),
    ("W1", np.zeros((3, 4), dtype=np.float32), TypeError, r"expected dtype float64, got float32"),
    ("W9", np.zeros((3, 4)), KeyError, r"no parameter named 'W9'; the model's parameters are W1, b1, W2, b2"),
])
def test_assigning_a_wrong_parameter_is_refused_and_changes_nothing(key, value, error, message):
    model = small()
    before = model.get_weights()
    with pytest.raises(error, match=message):
        model.params[key] = value
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_parameter_names_are_fixed():
    model = small()
    for remove in (lambda p: p.pop("W1"), lambda p: p.__delitem__("W1"), lambda p: p.clear(),
                   lambda p: p.setdefault("W3", 0), lambda p: p.popitem()):
        with pytest.raises(TypeError, match="names are fixed"):
            remove(model.params)
    assert list(model.params) == ["W1", "b1", "W2", "b2"]
    model.params.update({"b1": np.ones(4)})  # update writes through like assignment
    np.testing.assert_array_equal(model.layers[0].params["b"], np.ones(4))
    twin = copy.deepcopy(model)  # a copy keeps params and layers sharing their arrays
    twin.params["b1"] = np.zeros(4)
    assert not twin.layers[0].params["b"].any() and model.layers[0].params["b"].all()


def test_defaults_agree_with_the_data_sets_and_keras():
    (x_train, t_train), _ = datasets.load("mnist")
    model = scratchnet.mlp([784, 16, 10], seed=0)
    assert x_train.dtype == model.dtype == np.float32
    assert np.isfinite(model.backprop(x_train[:100], t_train[:100]))  # no dtype error at step 1


def test_readme_one_screen_example_runs_as_written(capsys):
    text = README.read_text()
    section = text[text.index("## The library in one screen"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (the README's own code)
    accuracy = float(capsys.readouterr().out.strip().splitlines()[-1].strip("[]"))
    assert namespace["model"].dtype == np.float32
    assert 0.9 < accuracy <= 1.0  # one epoch of a 784-64-10 ReLU net on MNIST


def test_a_model_without_a_loss_predicts_but_refuses_to_train():
    model = scratchnet.Sequential([Affine(np.ones((3, 2)), np.zeros(2)), ReLU()])
    x, t = data()
    assert model.predict(x).shape == (20, 2)
    for call in (lambda: model.loss(x, t), lambda: model.gradient(x, t), lambda: model.evaluate(x, t)):
        with pytest.raises(ValueError, match="this model has no loss, so it cannot"):
            call()
    with pytest.raises(ValueError, match="Trainer: the model has no loss"):
        scratchnet.Trainer(model, optimizers.SGD(), x, t)


def test_a_single_sample_gets_the_reshape_hint():
    model = small()
    with pytest.raises(ValueError, match=r"got shape \(3,\); for a single sample use x.reshape\(1, -1\)"):
        model.predict(np.ones(3))
    assert model.predict(np.ones(3).reshape(1, -1)).shape == (1, 2)


@pytest.mark.parametrize("make, meant", [
    (lambda: optimizers.SGD(lr=0.1), "learning_rate"),
    (lambda: optimizers.Adam(lr=0.1), "learning_rate"),
    (lambda: optimizers.RMSprop(decay_rate=0.99), "rho"),
    (lambda: optimizers.Adam(beta1=0.9), "beta_1"),
    (lambda: optimizers.SGD(0.1, momentun=0.9), "momentum"),
    (lambda: optimizers.Adagrad(eps=1e-7), "epsilon"),
])
def test_other_libraries_argument_names_say_what_was_meant(make, meant):
    with pytest.raises(TypeError, match=f"did you mean '{meant}'"):
        make()


def test_optimizer_options_still_come_from_the_signature():
    shared = {"weight_decay": None, "clipnorm": None, "clipvalue": None, "global_clipnorm": None}
    assert optimizers.SGD.options() == {"momentum": 0.0, "nesterov": False, **shared}
    assert optimizers.SGD(0.1, momentum=0.5).config() == {"learning_rate": 0.1, "momentum": 0.5, "nesterov": False,
                                                          **shared}
    assert optimizers.SGD(0.1, clipnorm=1.0).clipnorm == 1.0  # the shared options pass the argument check


def test_set_weights_accepts_a_dict_keyed_like_params():
    source, target = small(seed=1), small(seed=2)
    target.set_weights({key: value.copy() for key, value in source.params.items()})
    assert all(np.array_equal(a, b) for a, b in zip(source.get_weights(), target.get_weights()))
    with pytest.raises(ValueError, match="a dict needs exactly the keys W1, b1, W2, b2; missing W2, b2; unknown W3"):
        target.set_weights({"W1": source.params["W1"], "b1": source.params["b1"], "W3": 0})
    with pytest.raises(TypeError, match=r"expected a list of arrays in get_weights\(\) order \(W1, b1, W2, b2\)"):
        target.set_weights(source.params["W1"])


def test_summary_lists_layers_shapes_and_parameter_counts_like_keras():
    import reference_keras as rk
    model = scratchnet.mlp([784, 64, 32, 10], "relu", SoftmaxCrossEntropy(), "glorot_uniform", 0, np.float32)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for name, shape, count in (("Affine1 (Affine)", "(None, 64)", "50,240"), ("ReLU1 (ReLU)", "(None, 64)", "0"),
                               ("Affine2 (Affine)", "(None, 32)", "2,080"), ("Affine3 (Affine)", "(None, 10)", "330")):
        assert re.search(rf"^{re.escape(name)}\s+{re.escape(shape)}\s+{count}$", text, re.M), name
    total = rk.to_keras(model).count_params()
    assert f"Total params: {total:,} ({total * 4 / 1024:.2f} KB)" in text  # Keras's count; 4 bytes each
    assert "Loss: SoftmaxCrossEntropy(reduction='mean')" in text and "dtype: float32" in text


def test_a_model_without_a_loss_has_a_keras_twin_that_predicts():
    import reference_keras as rk
    model = scratchnet.Sequential([Affine(np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]]), np.zeros(2)), ReLU()])
    keras_model = rk.to_keras(model)
    x, t = data()
    np.testing.assert_allclose(np.array(keras_model(x)), model.predict(x), rtol=1e-15)
    with pytest.raises(ValueError, match="no loss given and the model has no scratchnet_loss"):
        rk.loss_and_gradients(keras_model, None, x, t)
    with pytest.raises(ValueError, match="softmax_output=True needs a cross-entropy loss; a model without a loss"):
        rk.to_keras(model, softmax_output=True)
