"""The project's layering, read from the source with `ast` (nothing is imported):

    cli, api -> pipelines (matrix, course, studies, report_diff -> scenarios -> harness) -> render
        -> core -> reference_keras -> scratchnet

A module imports only from its own layer or the layers below it (course, matrix and studies may
use scenarios; harness never uses scenarios; render and core import no pipeline), nothing imports
in a cycle, and scratchnet never imports TensorFlow or Keras, directly or through the others.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scratchnet", "reference_keras", "comparisons")
# Layers, lowest first: a module may import its own layer and those below it.
LAYERS = [
    ("scratchnet",),
    ("reference_keras",),
    ("comparisons.core",),
    ("comparisons.render",),
    ("comparisons.harness",),
    ("comparisons.scenarios",),
    ("comparisons.matrix", "comparisons.course", "comparisons.studies", "comparisons.report_diff"),
    ("comparisons.cli", "comparisons.__main__", "comparisons", "comparisons.api"),
]
KERAS = {"tensorflow", "keras", "tf_keras"}


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


def _is_package(name):
    return MODULES.get(name, Path()).name == "__init__.py"


def imports(name):
    """[(imported module, lineno, lazy)] of module `name`: absolute names, a `from X import Y`
    counted as X.Y when that is a module; `lazy` for an import inside a module-level
    `__getattr__` (a re-export kept for old import paths, loaded on first use)."""
    tree = ast.parse(MODULES[name].read_text(), str(MODULES[name]))
    lazy_lines = {node.lineno for function in tree.body if isinstance(function, ast.FunctionDef)
                  and function.name == "__getattr__" for node in ast.walk(function) if hasattr(node, "lineno")}
    package = name if _is_package(name) else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, node.lineno in lazy_lines) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            for alias in node.names:
                target = f"{source}.{alias.name}"
                found.append((target if target in MODULES else source, node.lineno, node.lineno in lazy_lines))
    return found


def layer_of(name):
    """The index in LAYERS of the most specific prefix of `name`."""
    best = None
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return best[0]


def _project(name):
    return name.split(".")[0] in PACKAGES


def test_every_project_module_is_in_a_layer():
    assert len(MODULES) > 80
    for name in MODULES:
        assert layer_of(name) is not None, name


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down_the_layers(name):
    own = layer_of(name)
    upward = [f"line {line}: {target} (layer {LAYERS[layer_of(target)][0]})" for target, line, _ in imports(name)
              if _project(target) and layer_of(target) > own]
    assert not upward, f"{name} (layer {LAYERS[own][0]}) imports from above: {upward}"


def test_harness_never_uses_scenarios_and_render_no_pipeline():
    pipelines = ("comparisons.harness", "comparisons.scenarios", "comparisons.matrix", "comparisons.course",
                 "comparisons.studies")
    for name in MODULES:
        targets = [target for target, _, _ in imports(name)]
        if name.startswith("comparisons.harness"):
            assert not [t for t in targets if t.startswith("comparisons.scenarios")], name
        if name.startswith(("comparisons.render", "comparisons.core")):
            assert not [t for t in targets if t.startswith(pipelines)], name


def test_scratchnet_never_imports_tensorflow_or_keras():
    for name in MODULES:
        roots = {target.split(".")[0] for target, _, _ in imports(name)}
        if name.startswith("scratchnet"):
            assert not roots & (KERAS | {"reference_keras", "comparisons"}), name
        if name.startswith("reference_keras"):
            assert "comparisons" not in roots, name


def test_no_import_cycles():
    graph = {name: sorted({target for target, _, lazy in imports(name) if target in MODULES and not lazy
                           and target != name}) for name in MODULES}
    state, cycles = {}, []

    def visit(node, path):
        state[node] = "open"
        for target in graph[node]:
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles
