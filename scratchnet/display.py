"""How scratchnet's objects show themselves: in a terminal, and in a notebook (Jupyter, Colab).

* `ModelSummary(model)`: the layer table of `Sequential.summary()`, as text (`str`) and as an
  HTML table (`_repr_html_`); a notebook shows it for `model.summary()` and for a cell ending in
  `model`.
* `history_text(history)` / `history_html(history)`: a `History` in one line, or as a table of its
  first and last evaluated epochs beside a small SVG plot of the loss. The plot draws at most
  `PLOT_POINTS` points of the step loss (means of equal runs of steps), never every step.
* `progress_bar(total, desc)`: tqdm's notebook widget inside a notebook kernel when ipywidgets is
  installed, else tqdm's text bar on stderr; unlike `tqdm.auto` it never warns that ipywidgets is
  missing. `progress_by_default()`: whether training shows one when not told (a terminal on stderr,
  or a notebook kernel).

* `html_table(...)`: the table markup every HTML display here and in comparisons' reports uses
  (a caption, header cells, body rows, footer rows; every cell escaped unless it is `Markup`), so
  a History, a model summary and a comparison report look alike in a notebook.

Nothing here imports IPython, matplotlib or ipywidgets unless a notebook is running.
"""
import html
import math
import sys

PLOT_POINTS = 200  # at most this many points of step loss in a History plot
_WIDTH, _HEIGHT, _MARGIN = 400, 160, 40  # the plot's size in pixels; the margin holds the axis labels


def in_notebook():
    """True inside an IPython kernel (Jupyter, JupyterLab, Colab, VS Code's notebooks), False in a
    terminal, a plain IPython shell or a script; the test tqdm uses for its auto mode."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
        return shell is not None and "IPKernelApp" in shell.config
    except Exception:  # an IPython too old or too new to answer: not a notebook we know
        return False


def progress_by_default():
    """Show a progress bar when nobody said: yes on a terminal or in a notebook, no when stderr
    goes to a file or a pipe (a CI log)."""
    stderr = sys.stderr
    return bool(stderr is not None and hasattr(stderr, "isatty") and stderr.isatty()) or in_notebook()


def _notebook_widgets():
    """tqdm's notebook bar if ipywidgets imports, else None (and no warning)."""
    try:
        import ipywidgets  # noqa: F401  (tqdm.notebook needs it; checked first so tqdm never warns)
        from tqdm.notebook import tqdm as notebook_tqdm
    except ImportError:
        return None
    return notebook_tqdm


def progress_bar(total, desc, unit="step"):
    """A tqdm bar over `total` units: the notebook widget in a notebook kernel with ipywidgets,
    else the text bar (on stderr)."""
    bar = _notebook_widgets() if in_notebook() else None
    if bar is None:
        from tqdm.std import tqdm as bar
    return bar(total=total, desc=desc, unit=unit)


def show(obj, print_fn=None):
    """Print `obj`'s text line by line with print_fn (default print); in a notebook with no
    print_fn given, display it instead (its HTML, text as the fallback)."""
    if print_fn is None and in_notebook():
        from IPython.display import display
        display(obj)
        return
    for line in str(obj).splitlines():
        (print_fn or print)(line)


# -- HTML tables --------------------------------------------------------------------------------
class Markup(str):
    """Text that is HTML already: html_table puts it in a cell as it is (every other cell is escaped)."""


def _cell_html(cell):
    return cell if isinstance(cell, Markup) else html.escape(str(cell))


def html_table(headers, rows, caption=None, cls=None, row_headers=False, foot=(), column_styles=None):
    """An HTML table: `caption` (one line), `headers`, `rows` (the first cell of each a header
    cell when `row_headers`), `foot` rows of (name, value) spanning the table, and inline
    `column_styles` {column index: CSS} for body cells (inline, as notebooks keep no style sheet
    of ours)."""
    column_styles = column_styles or {}
    head = "".join(f"<th>{_cell_html(cell)}</th>" for cell in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            tag = "th" if row_headers and i == 0 else "td"
            style = f' style="{column_styles[i]}"' if i in column_styles and tag == "td" else ""
            cells.append(f"<{tag}{style}>{_cell_html(cell)}</{tag}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    span = max(len(headers) - 1, 1)
    footer = "".join(f'<tr><th>{_cell_html(name)}</th><td colspan="{span}">{_cell_html(value)}</td></tr>'
                     for name, value in foot)
    return (f'<table{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>'
            + (f"<caption>{_cell_html(caption)}</caption>" if caption is not None else "")
            + (f"<thead><tr>{head}</tr></thead>" if headers else "") + f"<tbody>{''.join(body)}</tbody>"
            + (f"<tfoot>{footer}</tfoot>" if foot else "") + "</table>")


# -- Sequential.summary() ----------------------------------------------------------------------
def bytes_text(nbytes):
    """Keras's summary units: B, KB, MB, ... of 1024."""
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024


class ModelSummary:
    """A Keras-style summary of a scratchnet Sequential: each layer with its output shape and
    parameter count, then the totals (trainable and not, with their bytes), the loss and the dtype."""

    HEADERS = ("Layer (type)", "Output Shape", "Param #")

    def __init__(self, model):
        self.rows, shape = [], model.input_shape
        for layer in model.layers:
            shape = tuple(layer.output_shape(shape)) if shape is not None else None
            count = sum(value.size for value in (*layer.params.values(), *layer.state.values()))
            text = "(None, " + ", ".join(map(str, shape)) + ")" if shape else "?"
            self.rows.append((f"{layer.name} ({type(layer).__name__})", text, f"{count:,}"))
        sizes = {kind: (sum(v.size for v in group.values()), sum(v.nbytes for v in group.values()))
                 for kind, group in (("Total", model.weights), ("Trainable", model.params),
                                     ("Non-trainable", model.state))}
        self.totals = [(f"{kind} params", f"{count:,} ({bytes_text(nbytes)})")
                       for kind, (count, nbytes) in sizes.items()]
        self.totals += [("Loss", repr(model.loss_layer) if model.loss_layer is not None else "none (predict only)"),
                        ("dtype", str(model.dtype))]

    def __str__(self):
        table = [self.HEADERS, *self.rows]
        widths = [max(len(row[i]) for row in table) + 2 for i in range(3)]
        line = lambda row: "".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()  # noqa: E731
        rule = "-" * sum(widths)
        lines = ['Model: "sequential"', rule, line(self.HEADERS), "=" * sum(widths)]
        lines += [line(row) for row in self.rows]
        lines += [rule] + [f"{name}: {value}" for name, value in self.totals]
        return "\n".join(lines)

    def __repr__(self):
        return f"<ModelSummary: {len(self.rows)} layers, {self.totals[0][1]} params>"

    def _repr_html_(self):
        return html_table(self.HEADERS, self.rows, "Model: sequential", "scratchnet-summary", foot=self.totals)


# -- History -----------------------------------------------------------------------------------
_METRICS = (("train loss", "train_loss", "{:.4f}"), ("train accuracy", "train_accuracy", "{:.4f}"),
            ("test loss", "test_loss", "{:.4f}"), ("test accuracy", "test_accuracy", "{:.4f}"))


def _last_metrics(history):
    return [(name, fmt.format(getattr(history, key)[-1])) for name, key, fmt in _METRICS
            if getattr(history, key)]


def history_text(history):
    """One line: epochs, steps and the last evaluated metrics (or the last step's loss)."""
    steps = len(history.step_loss)
    if not steps and not history.epoch:
        return "History(no training yet)"
    epochs = f"{history.epoch[-1]} epochs" if history.epoch else "no evaluated epoch"
    last = _last_metrics(history)
    if last:
        detail = f"epoch {history.epoch[-1]}: " + ", ".join(f"{name} {value}" for name, value in last)
    else:
        detail = f"last step loss {history.step_loss[-1]:.4f}"
    return f"History({epochs}, {steps:,} steps; {detail})"


def binned_means(values, points=PLOT_POINTS):
    """(position, mean) of at most `points` consecutive runs of `values`, positions being the
    runs' centres in units of one value (0-based); every value lies in exactly one run."""
    n = len(values)
    if n == 0:
        return []
    runs = min(points, n)
    edges = [round(i * n / runs) for i in range(runs + 1)]
    return [((a + b - 1) / 2, math.fsum(values[a:b]) / (b - a)) for a, b in zip(edges, edges[1:])]


def _polyline(points, x_of, y_of, colour, dash=""):
    coords = " ".join(f"{x_of(x):.1f},{y_of(y):.1f}" for x, y in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline fill="none" stroke="{colour}" stroke-width="1.5"{dashed} points="{coords}"/>'


def loss_svg(history):
    """An SVG plot of the loss against the epoch: the step loss (as at most PLOT_POINTS means of
    equal runs of steps), and the evaluated train and test losses at the end of their epochs."""
    steps = len(history.step_loss)
    epochs = history.epoch[-1] if history.epoch else 1  # every epoch has the same number of steps
    per_epoch = steps / epochs if steps else 1
    step_points = [((x + 1) / per_epoch, y) for x, y in binned_means(history.step_loss)]
    run = steps / len(step_points) if step_points else 1
    step_name = "step loss" if run == 1 else f"step loss (mean of {run:.3g} steps)"
    series = [(step_name, "#1f77b4", "", step_points),
              ("train loss", "#2ca02c", "", list(zip(history.epoch, history.train_loss))),
              ("test loss", "#d62728", "4 2", list(zip(history.epoch, history.test_loss)))]
    series = [s for s in series if s[3]]
    finite = [y for *_, points in series for _, y in points if math.isfinite(y)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    right = max([x for *_, points in series for x, _ in points] + [1e-12])
    top, bottom = 26, _HEIGHT - 20  # the plot area's y range; the legend sits above it
    x_of = lambda x: _MARGIN + (_WIDTH - _MARGIN - 10) * x / right  # noqa: E731
    y_of = lambda y: top + (bottom - top) * (high - y) / span  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
             f'viewBox="0 0 {_WIDTH} {_HEIGHT}" font-family="sans-serif" font-size="10">',
             f'<line x1="{_MARGIN}" y1="{bottom}" x2="{_WIDTH - 10}" y2="{bottom}" stroke="#888"/>',
             f'<line x1="{_MARGIN}" y1="{top}" x2="{_MARGIN}" y2="{bottom}" stroke="#888"/>',
             f'<text x="{_MARGIN - 3}" y="{top + 4}" text-anchor="end">{high:.3g}</text>',
             f'<text x="{_MARGIN - 3}" y="{bottom}" text-anchor="end">{low:.3g}</text>',
             f'<text x="{_MARGIN}" y="{_HEIGHT - 6}">0</text>',
             f'<text x="{_WIDTH - 10}" y="{_HEIGHT - 6}" text-anchor="end">epoch {right:g}</text>']
    legend_x = _MARGIN
    for name, colour, dash, points in series:
        kept = [(x, y) for x, y in points if math.isfinite(y)]
        parts.append(_polyline(kept, x_of, y_of, colour, dash) if len(kept) > 1 else
                     "".join(f'<circle cx="{x_of(x):.1f}" cy="{y_of(y):.1f}" r="2.5" fill="{colour}"/>'
                             for x, y in kept))
        parts.append(f'<text x="{legend_x}" y="12" fill="{colour}">{html.escape(name)}</text>')
        legend_x += 7 + 5.5 * len(name)  # about 5.5 px per character at font-size 10
    parts.append("</svg>")
    return "".join(parts)


def history_html(history):
    """A table of the first and last evaluated epochs (or the step count and last step loss),
    beside the loss plot."""
    rows = []
    if history.epoch:
        shown = sorted({0, len(history.epoch) - 1})
        headers = ["metric"] + [f"epoch {history.epoch[i]}" for i in shown]
        rows = [[name] + [fmt.format(getattr(history, key)[i]) for i in shown] for name, key, fmt in _METRICS
                if getattr(history, key)]
    else:
        headers = ["steps", "last step loss"]
        if history.step_loss:
            rows.append([f"{len(history.step_loss):,}", f"{history.step_loss[-1]:.4f}"])
    table = html_table(headers, rows, history_text(history), "scratchnet-history", row_headers=bool(history.epoch))
    return f'<div style="display:flex;gap:1em;align-items:flex-start">{table}{loss_svg(history)}</div>'
