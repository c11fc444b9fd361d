"""The deep-learning-from-scratch book's optimizers (written from their equations) against
scratchnet's closest settings: SGD, Momentum, Nesterov (the book's current form) and Adam are the
same algorithms to round-off; AdaGrad and RMSprop part from the first step, each with its own
signature, and so does the book's pre-2021 Nesterov."""
import numpy as np
import pytest

from comparisons import cli
from comparisons.harness import book_optimizers as book_optimizers_module
from comparisons.harness.book_optimizers import BookEquation
from comparisons.studies import book_optimizers
from scratchnet import optimizers


def one_step(optimizer, g):
    params, grads = {"w": np.zeros_like(g)}, {"w": g}
    optimizer.update(params, grads)
    return params["w"]


def test_same_algorithms_agree_and_the_others_part(mnist_sample):
    x, t = mnist_sample
    rows = book_optimizers.compare(((x[:3000], t[:3000]), (x[3000:], t[3000:])), steps=12)
    gaps = {row["book"]: row["gaps"] for row in rows}
    assert list(gaps["SGD"]) == [1, 10, 12]
    for name in book_optimizers.SAME_ALGORITHM:
        assert max(gaps[name].values()) <= book_optimizers.EXACT, name
    for name in ("AdaGrad", "RMSprop"):
        assert gaps[name][1] > 0.01, name  # apart after the first step already
    assert book_optimizers.passed(rows)
    assert [c.subject for c in book_optimizers.same_algorithm_checks(rows)] == list(book_optimizers.SAME_ALGORITHM)
    headers, body = book_optimizers.table(rows)
    assert [line[-1] for line in body] == ["yes: equal to round-off"] * 3 + ["no: the trajectories part"] * 2 + [
        "yes: equal to round-off"]


def test_first_step_signatures():
    g = np.array([1e-6, -1e-3, 0.5, 0.0])
    lr, momentum = 0.01, 0.9
    keras = one_step(optimizers.SGD(lr, momentum=momentum, nesterov=True), g)
    np.testing.assert_allclose(one_step(BookEquation("nesterov", lr=lr, momentum=momentum), g), keras, rtol=1e-15)
    old_step = book_optimizers_module.trajectory(  # the pre-2021 form: mu**2 on the updated velocity
        book_optimizers_module._nesterov_pre2021, {"lr": lr, "momentum": momentum}, {"w": np.zeros_like(g)},
        [{"w": g}])[0]["w"]
    np.testing.assert_allclose(old_step[:3] / keras[:3], (1 + momentum + momentum ** 2) / (1 + momentum), rtol=1e-12)
    # AdaGrad: the book's 1e-7 outside the square root makes the first step ~lr * sign(g), even for tiny g
    book = one_step(BookEquation("adagrad", lr=lr), g)
    keras = one_step(optimizers.Adagrad(lr, initial_accumulator_value=0.0), g)
    np.testing.assert_allclose(book, -lr * g / (np.abs(g) + 1e-7), rtol=1e-15)
    np.testing.assert_allclose(keras, -lr * g / np.sqrt(g * g + 1e-7), rtol=1e-15)
    assert book[0] == pytest.approx(-lr * 1e-6 / 1.1e-6) and abs(keras[0]) < abs(book[0]) / 100


def test_book_optimizers_usage_error_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["book-optimizers", "--steps", "0", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert "--steps: expected an integer >= 1, got 0" in capsys.readouterr().err
