"""tools/mutation.py (`make mutation`): the rates leave equivalent mutants out."""
import importlib.util
import re
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "mutation.py"


def _load():
    spec = importlib.util.spec_from_file_location("mutation_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mutation = _load()


def test_mutation_rates_leave_equivalent_mutants_out():
    key = next(iter(mutation.EQUIVALENT))
    results = [{"file": "a.py", "outcome": "killed by all"}, {"file": "a.py", "outcome": "killed by all"},
               {"file": "a.py", "outcome": "killed by tests"}, {"file": "b.py", "outcome": "survived"},
               mutation.mark_equivalent({"file": key[0], "before": key[1], "after": key[2], "outcome": "survived"}),
               {"file": "b.py", "outcome": "no mutation"}]
    assert results[4]["outcome"] == "equivalent" and results[4]["reason"]
    table, total = mutation.summarize(results)
    assert (total["mutants"], total["equivalent"], total["survived"]) == (5, 1, 1)
    assert total["all rate"] == 2 / 4 and total["all + tests rate"] == 3 / 4
    assert table["a.py"]["all + tests rate"] == 1.0 and table["b.py"]["all rate"] == 0.0


def test_core_is_the_whole_numerical_core():
    """Every module of the layer package is sampled (a new layer module joins by itself), and so
    are the losses, metrics, optimizers, model, training loop and Keras's random numbers."""
    root = Path(mutation.ROOT)
    layers = {p.relative_to(root).as_posix() for p in (root / "scratchnet" / "layers").glob("*.py")
              if p.name != "__init__.py"}
    assert layers <= set(mutation.CORE)
    for module in ("losses", "metrics", "optimizers", "functions", "model", "initializers", "networks", "training",
                   "philox", "_buffers"):
        assert f"scratchnet/{module}.py" in mutation.CORE
    assert all((root / path).is_file() for path in mutation.CORE)


def test_reliability_page_lists_the_files_of_core():
    page = (Path(mutation.ROOT) / "docs" / "reliability.md").read_text()
    listed = page.split("<!-- mutation-core -->")[1].split("<!-- /mutation-core -->")[0]
    assert [f"scratchnet/{name}" for name in re.findall(r"`([^`]+\.py)`", listed)] == list(mutation.CORE)


SOURCE = '''def f(x, y):
    if x > 0 and (
            y > 0):
        return (x
                + y)
    return 0
'''


def test_statement_lines_are_the_whole_statement_but_not_its_body():
    """A mutant's line maps to every line of its statement (Python reports a multi-line statement on
    any of them), and a compound statement's header leaves its body out, so that a body never
    run marks the header's mutants as never run only if the header itself never ran."""
    assert mutation.statement_lines(SOURCE, 5) == {4, 5}
    assert mutation.statement_lines(SOURCE, 3) == {2, 3}
    assert mutation.statement_lines(SOURCE, 6) == {6}
    assert mutation.statement_lines(SOURCE, 1) == {1}
