"""Course text 001's convention (the textbook-mnist scenario's extra): Keras's mean loss with
lr * N follows the course's sum-loss trajectory; the course's lr on the mean loss does not."""
import numpy as np

from comparisons.scenarios import PRESETS, build_model, load_data
from comparisons.scenarios.course_convention import convention_comparison


def test_course_convention_equals_keras_mean_loss_with_lr_times_batch_size():
    settings = PRESETS["textbook-mnist"].with_options(hidden=(16,))
    data = load_data(settings)
    initial = build_model(settings, 784, 10).get_weights()
    checks, section = convention_comparison(settings, initial, data, steps=40)
    (check,) = checks
    assert check.passed and check.value <= 1e-12  # float64: the same trajectory up to round-off
    course, equivalent, naive = section.rows
    assert equivalent[1] == "0.01" and naive[1] == "0.0001"
    assert course[3] == equivalent[3]  # same test accuracy, printed to 4 decimals
    assert float(naive[2]) > 1e-3  # the course's lr on the mean loss is a different run
    assert np.isclose(float(course[3]), float(equivalent[3]))
