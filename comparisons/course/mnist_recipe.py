"""Course text 001's MNIST recipe (exercises 4-1 and 4-2) on the course page: the textbook-mnist
scenario (comparisons.scenarios: its convention comparison and printed log are the scenario's
extras), run short by default and in full with --full, its report written beside the page, and
rows comparing both sides with what the text prints.
"""
from .. import scenarios
from ..scenarios.course_convention import PRINTED_LOG, PRINTED_TEST
from .page import tol

F64 = "float64"


def mnist_recipe(page, ctx):
    """Exercises 4-1 and 4-2: [784, 500, 10], Gaussian(0.1) weights, zero biases, batches of 100 drawn
    at random, SGD lr 1e-4 on the sum gradient; the full run is the textbook-mnist scenario."""
    settings = scenarios.PRESETS["textbook-mnist"]
    if not ctx.full:
        settings = settings.with_options(scenario="course-001-mnist", epochs=1,
                                         steps_per_epoch=ctx.training(600, 50))
    steps = settings.epochs * settings.steps_per_epoch
    (x_train, t_train), (x_test, t_test) = scenarios.load_data(settings)
    if ctx.quick:  # the test suite: 5,000 training and 1,000 test images
        (x_train, t_train), (x_test, t_test) = (x_train[:5000], t_train[:5000]), (x_test[:1000], t_test[:1000])
    result = scenarios.run(settings, progress=ctx.progress, data=((x_train, t_train), (x_test, t_test)))
    page.attachments.append(result)  # written beside the page: course-001-mnist.json, .md and its plots
    passed = sum(check.passed for check in result.checks)
    page.add(f"4-2 recipe on both sides ({steps:,} steps; details in {settings.scenario}.md)", "(not a number)",
             f"{passed}/{len(result.checks)} checks pass: forward, loss, gradients three ways, trajectory, "
             "final numbers, convention", "(the same checks)", result.passed)
    traj, loss_tol = result.data["trajectory"], tol(F64, "trajectory_loss")
    for text_step, text_loss, text_acc in PRINTED_LOG:
        if text_step + 1 in traj.logged_steps:
            i, n = traj.logged_steps.index(text_step + 1), settings.batch_size
            page.compare(f"4-2 Loss {text_step} (per sample: the batch sum / {n})", traj.scratchnet_loss[text_step] / n,
                         traj.keras_loss[text_step] / n, text=f"({text_loss}; an unseeded run)", tol=loss_tol)
            page.compare(f"4-2 Acc % at step {text_step} (on its batch of {n})",
                         100 * traj.scratchnet_batch_accuracy[i], 100 * traj.keras_batch_accuracy[i],
                         text=f"({100 * text_acc:.1f}; an unseeded run)")
    ours, theirs = result.data["sides"]["scratchnet"], result.data["sides"]["keras"]
    page.compare("4-2 Test Loss (per sample)", ours["test_loss"], theirs["test_loss"],
                 text=f"({PRINTED_TEST[0]}; an unseeded run)", tol=tol(F64, "final_loss"))
    full = f"{PRINTED_TEST[1] * 100:.1f}"
    page.compare("4-2 Test Acc %", 100 * ours["test_accuracy"], 100 * theirs["test_accuracy"], precision=4,
                 text=full if ctx.full else f"({full} after 60,000 steps: run with --full)")
    for section in result.sections:
        if section.in_json:  # the recipe's own tables (not its table of both sides)
            page.section(section.title, section.headers, section.rows)
