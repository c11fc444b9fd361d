"""The text-lm scenario's extra: perplexity, a language model's usual number, on both sides.

Perplexity is exp(mean cross-entropy per predicted character, in nats): the number of equally
likely characters that would leave the model as uncertain. Two baselines put it in scale: the
uniform model over the vocabulary (perplexity = the vocabulary's size) and the unigram model
(each character's frequency in the training text, context ignored; its perplexity on the test
text is exp of the test characters' cross-entropy under those frequencies). A model below the
unigram perplexity has learned something from the context, which is what the LSTM is for.
The two sides' perplexities are compared as their losses are (exp turns a loss difference d into
a relative perplexity difference of about d).
"""
import numpy as np

from ..core.check import scalar_check
from ..core.result import Section
from ..core.tolerances import tolerance
from .architectures import n_classes


def unigram_perplexity(t_train, t_test, vocabulary_size):
    """exp of the test targets' cross-entropy under the training targets' character
    frequencies (a character never seen in training gets one count, so the log stays finite)."""
    counts = np.bincount(t_train.ravel(), minlength=vocabulary_size).astype(np.float64)
    counts[counts == 0] = 1.0
    log_p = np.log(counts / counts.sum())
    return float(np.exp(-log_p[t_test.ravel()].mean()))


def perplexity_extra(report, run):
    """Both sides' train and test perplexity (from the final losses the report holds), checked
    against each other, and the uniform and unigram baselines; in report.data["perplexity"]."""
    sides = report.data["sides"]
    (_, t_train), (_, t_test) = run.data
    vocabulary = n_classes(run.settings)
    found = {side: {"train": float(np.exp(m["final_loss"])), "test": float(np.exp(m["test_loss"]))}
             for side, m in sides.items()}
    baselines = {"uniform": float(vocabulary), "unigram": unigram_perplexity(t_train, t_test, vocabulary)}
    report.data["perplexity"] = {**found, **baselines}
    dtype = run.settings.dtype
    report.checks += [scalar_check(f"final {split} perplexity", found["scratchnet"][split], found["keras"][split],
                                   tolerance(dtype, "final_loss"), kind="final", subject=f"{split} perplexity")
                      for split in ("train", "test")]
    rows = [[side, f"{p['train']:.4f}", f"{p['test']:.4f}"] for side, p in found.items()]
    rows += [[f"uniform over {vocabulary} characters", f"{baselines['uniform']:.4f}", f"{baselines['uniform']:.4f}"],
             ["unigram (training frequencies)", "", f"{baselines['unigram']:.4f}"]]
    report.sections.append(Section("Perplexity (exp of the mean cross-entropy per character)",
                                   ["model", "train perplexity", "test perplexity"], rows))
