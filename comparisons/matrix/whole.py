"""`python -m comparisons matrix`: everything scratchnet offers, against Keras, in float64, as one
Report (its sections first, then one row per combination; the row checks named "#N ...").

1. Combinations (design.py, rows.py): every optimizer variant (SGD plain/momentum/Nesterov,
   Adagrad, RMSprop plain/centered/momentum, Adam, Adam with amsgrad, AdamW) with every loss
   variant (softmax cross-entropy on labels and on one-hot rows, each with both reductions;
   sigmoid binary cross-entropy; MSE), one row each. Every row also gets an activation, L2 on or
   off, weight decay on or off and one clip option (none, clipnorm, clipvalue, global_clipnorm),
   chosen greedily so that every pair of levels of any two of these six factors meets in some row
   (a covering design: one row per optimizer and loss variant instead of the full product). Each
   row is a small network on random data: the one-batch checks at the initial weights, a 12-step
   lockstep run, and the final loss and accuracy of both sides; plus, on scratchnet alone, the
   same run without each of the row's options, which must end elsewhere (else the row does not
   exercise that option).
2. Initializers (run first, as are the next sections): a large draw from each scratchnet initializer
   against Keras's (initializers.py).
3. Functions: scratchnet.functions against Keras's ops (functions.py).
4. Optimizer options: every default against Keras's, and values that must be refused or accepted
   beside Keras's verdicts (optimizer_options.py).
5. Round trips of a model through save/load, astype and Keras (roundtrips.py).
6. Layer and loss defaults against Keras's, and the layer rows: every image and MLP layer kind and
   option (convolutions and poolings with strides and both paddings on odd, non-square images;
   BatchNormalization in training, inference and frozen; Dropout with Keras's masks in lockstep;
   Dense without bias or with L2; Rescaling, Normalization, Resizing, Reshape), every activation
   layer and every loss (probabilities, label smoothing, sample weights, (N, 1) labels) with its
   metric, each in a tiny model whose option switched off must move the result (layer_rows.py).
7. Metrics: every metric of scratchnet.metrics against Keras's class, plain and weighted, at its
   options and edge cases (ties at top-k, outputs at a threshold), through its config, and
   Sequential.evaluate_metrics against Keras's metrics on the twin's outputs (metrics.py).
8. Refusals: bad input to layers, losses, metrics, a model and the Trainer raises the stated
   exception naming the culprit and changes nothing (refusals.py).
9. The Trainer: sampling with replacement in lockstep, and the history it records between epochs
   against Keras's evaluate (training_loop.py).
10. Sequence layers (Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Conv1D, the 1-D poolings): one
   option per row on a small network, checked and trained in lockstep, and the run without the option
   must end elsewhere (sequences.py).
"""
import time
from dataclasses import asdict, dataclass

from ..core.result import Report, Section
from .design import covering_rows
from .functions import FUNCTION_HEADERS, function_checks
from .initializers import INITIALIZER_HEADERS, initializer_checks
from .metrics import METRIC_HEADERS, metric_checks
from .layer_rows import DEFAULT_HEADERS, LAYER_ROW_HEADERS, default_checks, layer_row_checks
from .refusals import REFUSAL_HEADERS, refusal_checks
from .optimizer_options import OPTION_HEADERS, optimizer_option_checks
from .roundtrips import ROUNDTRIP_HEADERS, roundtrip_checks
from .sequences import SEQUENCE_HEADERS, sequence_checks
from .training_loop import TRAINING_LOOP_HEADERS, training_loop_checks
from .rows import BATCH, EPOCHS, SAMPLES, SIZES, roundtrip_cases, run_row

ROW_HEADERS = ["#", "optimizer", "loss", "activation", "L2", "options", "forward", "gradient", "trajectory",
               "final", "min option effect", "result"]
INTRO = ("Networks {sizes} on {samples} random samples, batches of {batch_size}, {epochs} epochs of lockstep "
         "training, float64. One row per combination: the worst relative difference from Keras of the forward pass "
         "and loss, the gradients (Keras autodiff), the trajectory (loss and weights at every step) and the final "
         "loss and accuracy; the smallest change that removing one of the row's options makes to the final weights.")


@dataclass
class MatrixSettings:
    scenario: str = "matrix"
    dtype: str = "float64"
    sizes: tuple = SIZES
    samples: int = SAMPLES
    batch_size: int = BATCH
    epochs: int = EPOCHS
    seed: int = 0

    def as_dict(self):
        return {**asdict(self), "sizes": list(self.sizes)}


def _worst(checks, kind):
    values = [c.value for c in checks if c.kind == kind]
    return f"{max(values):.2g}" if values else "-"


def _options_text(settings):
    shown = {k: v for k, v in settings.optimizer_options.items() if k not in ("momentum", "nesterov", "centered",
                                                                               "amsgrad", "beta_2")}
    return ", ".join(f"{k}={v:g}" for k, v in shown.items()) or "-"


def row_cells(number, row, found):
    """The row's line in the table of combinations, from its Report."""
    effects = [c.value for c in found.checks if c.kind == "option_effect"]
    return [number, row.optimizer, row.loss, row.activation, "on" if row.l2 else "off",
            _options_text(found.data["settings"]), _worst(found.checks, "forward"),
            _worst(found.checks, "gradient"), _worst(found.checks, "trajectory"), _worst(found.checks, "final"),
            f"{min(effects):.2g}" if effects else "-", "pass" if found.passed else "FAIL"]


def run(seed=0, rows=None, fail_fast=False):
    """The whole matrix (or the given rows) as a Report: its sections first, then the rows (their
    checks named "#N ..."; the table of rows is data["rows"]). fail_fast stops at the first failing
    section or row (the verdict is the same, the report partial)."""
    start = time.perf_counter()
    settings = MatrixSettings(seed=seed)
    table = []
    report = Report("matrix", dtype=settings.dtype, check_table="failed", data={"settings": settings, "rows": []},
                    intro=[INTRO.format(sizes="-".join(map(str, settings.sizes)), samples=settings.samples,
                                        batch_size=settings.batch_size, epochs=settings.epochs)])
    report.sections.append(Section("Combinations", ROW_HEADERS, table, terminal_title=False, in_json=False))
    for title, (checks, rows_of_section), headers in (
            ("Initializers: scratchnet's draw against Keras's (1000 x 300 values each)", initializer_checks(seed),
             INITIALIZER_HEADERS),
            ("scratchnet.functions against Keras", function_checks(seed), FUNCTION_HEADERS),
            ("Optimizer options: defaults, and values refused or accepted, scratchnet and Keras",
             optimizer_option_checks(), OPTION_HEADERS),
            ("Round trips: save/load, astype, to_keras/from_keras, set_weights, evaluate in chunks",
             roundtrip_checks(roundtrip_cases(seed)), ROUNDTRIP_HEADERS),
            ("Layer and loss defaults against Keras's", default_checks(), DEFAULT_HEADERS),
            ("Layers, activations, losses and metrics: one tiny model each (7x5 images, float64), with the option "
             "switched off on scratchnet alone", layer_row_checks(seed, fail_fast), LAYER_ROW_HEADERS),
            ("Metrics: scratchnet.metrics against Keras's metric classes (two batches, plain and weighted)",
             metric_checks(seed), METRIC_HEADERS),
            ("Refusals: bad input raises the stated exception, names the culprit and changes nothing",
             refusal_checks(), REFUSAL_HEADERS),
            ("Trainer: sampling with replacement in lockstep, the history between epochs against Keras",
             training_loop_checks(seed), TRAINING_LOOP_HEADERS),
            ("Sequence layers: one option per row, checked, trained in lockstep, and moved by turning it off",
             sequence_checks(seed), SEQUENCE_HEADERS)):
        report.checks += checks
        report.sections.append(Section(title, headers, rows_of_section))
        if fail_fast and not report.passed:
            return _finish(report, start)
    for number, row in enumerate(rows if rows is not None else covering_rows(), start=1):
        found = run_row(row, seed + number)
        report.merge(found, f"#{number} ", f"#{number}: ")
        table.append(row_cells(number, row, found))
        report.data["rows"].append(dict(zip(ROW_HEADERS, table[-1])))
        if fail_fast and not report.passed:
            break
    return _finish(report, start)


def _finish(report, start):
    report.data["seconds"] = time.perf_counter() - start
    report.lead = f"{report.summary()}, {report.data['seconds']:.1f} s."
    return report
