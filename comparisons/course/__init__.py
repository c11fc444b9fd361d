"""The five course texts, runnable: `python -m comparisons course 000|001|002|003|004|all`, or in
Python `comparisons.course.run("001")`.

One module per text (text_000 ... text_004); each has `TITLE` and `run(ctx) -> Page` (a Report),
and each exercise in it is a short function with the scratchnet side and the Keras side next to
each other. page.py holds the rows and their verdicts, keras_side.py the shared Keras-side
helpers, mnist_recipe.py text 001's MNIST recipe (the textbook-mnist scenario).
"""
import importlib
from dataclasses import dataclass

TEXTS = ("000", "001", "002", "003", "004")


@dataclass
class Context:
    progress: bool | None = None  # progress bars for the training runs (None: when stderr is a terminal)
    full: bool = False  # text 001: the full 60,000-step MNIST recipe instead of the short run
    quick: bool = False  # shorter training runs, for the test suite; the page says so

    def training(self, full_value, quick_value):
        """A training length: `quick_value` in quick mode, else `full_value`."""
        return quick_value if self.quick else full_value


def module(text):
    """The module of course text `text` ("000" ... "004")."""
    if text not in TEXTS:
        raise ValueError(f"unknown course text {text!r}; known: {', '.join(TEXTS)}")
    return importlib.import_module(f".text_{text}", __name__)


def command(text, ctx):
    """The command line that runs `text` as `ctx` says (each page quotes its own)."""
    return " ".join(["python -m comparisons course", text, *(["--full"] if ctx.full and text == "001" else []),
                     *(["--quick"] if ctx.quick else [])])


def run(text, ctx=None, **options):
    """Run every exercise of course text `text` ("000" ... "004"); returns its Page (a Report; not
    yet printed or written), or for "all" the five pages (Reports). The options are Context's
    (progress, full, quick), or `ctx` one.

        comparisons.course.run("001", quick=True)   # in a notebook, the page shows itself
    """
    if ctx is None:
        unknown = [key for key in options if key not in Context.__dataclass_fields__]
        if unknown:
            raise TypeError(f"course.run: {', '.join(unknown)} is not an option (progress, full, quick)")
        if options.get("full") and options.get("quick"):
            raise ValueError("course.run: full and quick exclude each other")
        ctx = Context(**options)
    elif options:
        raise TypeError("course.run: give a Context or its options, not both")
    if text == "all":
        from ..core.result import Reports
        return Reports(run(each, ctx) for each in TEXTS)
    page = module(text).run(ctx)
    page.command = command(text, ctx)
    return page
