"""The second volume of deep-learning-from-scratch (oreilly-japan/deep-learning-from-scratch-2)
in `check`: its contract mapped to Keras's layers, beside the first volume's adapters.

The second volume's contract: `params` and `grads` are LISTS (grads written in place after
backward); `TimeEmbedding(W)`, `TimeAffine(W, b)`, `TimeSoftmaxWithLoss()` (`forward(xs, ts)`,
mean over batch and time), `TimeRNN(Wx, Wh, b, stateful)`, `TimeLSTM(Wx, Wh, b, stateful)`,
`TimeGRU(Wx, Wh[, b], stateful)` on (N, T, D) sequences, their backward returning dxs and keeping
the gradient to the initial state in `dh`; the cells `RNN`, `LSTM`, `GRU` (`forward(x, h_prev[,
c_prev])`); the list-based `Affine`, `Embedding`; the networks `SimpleRnnlm`/`Rnnlm`
(`forward(xs, ts)` -> loss, `backward()`); optimizers `update(params, grads)` on lists.

What the check adapts, and says in the result's notes:
- LSTM gate order: the book lays Wx, Wh, b out as blocks (f, g, i, o), Keras as (i, f, c, o):
  the blocks are reordered both ways;
- GRU: the book applies the reset gate before the recurrent product (Keras reset_after=False),
  orders the blocks (z, r, h) as Keras does, but mixes h = (1 - z) h_prev + z h_hat where Keras
  has h = z h_prev + (1 - z) h_hat: Keras's z is 1 - the book's, i.e. sigmoid of the negated
  pre-activation, so the z block is negated both ways (exact); a GRU without b is use_bias=False;
- the second volume casts to float32 (buffers `np.empty(..., dtype='f')`): an output in float32
  where float64 was asked for is compared at the float32 tier, with a note;
- stateful truncated BPTT: a stateful layer over two consecutive sequences is compared with
  Keras started from the state the first one ended in (recurrent_vjp); a non-stateful one must
  start the second from zeros.
Known mistakes are candidates (NumPy re-computations of the wrong formula, `bptt` below) that a
failed check names: gradients not summed over time steps, dh not carried back, gate slices in
the wrong order, a stateful layer not reset between sequences, scatter without np.add.at.
"""
import inspect
import itertools

import numpy as np

import reference_keras
import scratchnet
from scratchnet import layers as sn_layers

from ..core.check import Check, compare
from ..core.tolerances import tolerance
from .common import INF, LearnerFailure, build_layer, call, failure
from .recognize import NotMappable, construct, has_methods, plain_name, working_copy

# Exact class names (lower case, no "_") -> kind; the Time* names also with any prefix (Simple_TimeAffine).
EXACT_KINDS = {"rnn": "rnn_cell", "lstm": "lstm_cell", "gru": "gru_cell", "embedding": "embedding",
               "simplernnlm": "rnnlm", "rnnlm": "rnnlm"}
TIME_KINDS = {"timeembedding": "time_embedding", "timeaffine": "time_affine",
              "timesoftmaxwithloss": "time_softmax_loss", "timernn": "time_rnn", "timelstm": "time_lstm",
              "timegru": "time_gru", "timedropout": "time_dropout"}
KIND_WORDS = {"rnn_cell": "RNN cell", "lstm_cell": "LSTM cell", "gru_cell": "GRU cell",
              "embedding": "embedding layer (volume 2)", "rnnlm": "RNN language model (volume 2)",
              "time_embedding": "time embedding layer", "time_affine": "time affine layer",
              "time_softmax_loss": "time softmax cross-entropy loss layer", "time_rnn": "time RNN layer",
              "time_lstm": "time LSTM layer", "time_gru": "time GRU layer",
              "affine_lists": "affine layer (volume 2, params/grads lists)", "time_dropout": "time dropout layer"}
RECURRENT = {"time_rnn": "rnn", "time_lstm": "lstm", "time_gru": "gru", "rnn_cell": "rnn", "lstm_cell": "lstm",
             "gru_cell": "gru"}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
BOOK_GATES = {"lstm": "fgio", "gru": "zrh"}
GATE_WORDS = {"f": "f (forget)", "g": "g (candidate)", "i": "i (input)", "o": "o (output)", "z": "z (update)",
              "r": "r (reset)", "h": "h (candidate)"}
LSTM_TO_KERAS = (2, 0, 1, 3)  # Keras's (i, f, c, o) blocks, as indices into the book's (f, g, i, o)
N, T, D, H, V = 3, 5, 4, 6, 7  # every size different: a swapped axis is a shape error
FLOAT32_NOTE = ("the second volume computes in float32 whatever its input (np.float32 / dtype='f' buffers): its "
                "outputs were float32 where float64 was asked for, so they are compared at the float32 tier; a "
                "copy without the casts is checked at round-off (1e-12) in float64")


def kind_of(obj, first_volume_kind=None):
    """The second volume's kind of `obj` (a class or instance), or None: by the book's names
    (cells and networks exactly, Time* layers also with a prefix); an Affine whose params are a
    list (built as the book builds it) is 'affine_lists'."""
    cls = obj if isinstance(obj, type) else type(obj)
    if not has_methods(cls, "forward", "backward"):
        return None
    plain = plain_name(cls.__name__)
    if plain in EXACT_KINDS:
        return EXACT_KINDS[plain]
    for name in sorted(TIME_KINDS, key=len, reverse=True):
        if plain.endswith(name):  # Simple_TimeAffine, MyTimeRNN
            return TIME_KINDS[name]
    if first_volume_kind == "affine" and _params_are_a_list(obj):
        return "affine_lists"
    return None


def _params_are_a_list(obj):
    if not isinstance(obj, type):
        return isinstance(getattr(obj, "params", None), (list, tuple))
    try:
        layer = build_layer(obj, (np.zeros((2, 3)), np.zeros(3)), 0)
    except NotMappable:
        return False
    return isinstance(getattr(layer, "params", None), (list, tuple))


# -- the comparisons ---------------------------------------------------------------------------------
class Pairs:
    """What one case compares: (label, kind of tolerance, subject, the learner's array, Keras's,
    candidates); `settle` compares them all at one tier: float32 where the learner's arrays
    came out float32 although float64 was asked for."""

    def __init__(self, result, case, dtype, float32=False):
        self.result, self.case, self.dtype, self.items = result, case, np.dtype(dtype), []
        self.float32 = float32  # the learner's object computes in float32 throughout (its weights are float32)

    def add(self, label, kind, subject, ours, theirs, candidates=None):
        self.items.append((label, kind, subject, ours, theirs, candidates))

    def settle(self):
        tier = self.dtype.name
        if tier == "float64" and (self.float32 or any(isinstance(item[3], np.ndarray) and
                                                      item[3].dtype == np.float32 for item in self.items)):
            tier = "float32"
            if FLOAT32_NOTE not in self.result.notes:
                self.result.notes.append(FLOAT32_NOTE)
        for label, kind, subject, ours, theirs, candidates in self.items:
            tol = tolerance(tier, "forward" if kind in ("forward", "loss") else "gradient")
            name = f"{label} ({self.case})"
            if ours is None:
                self.result.checks.append(Check(name, INF, tol, False, f"no {label} after backward",
                                                kind=kind, subject=subject))
                continue
            ours = np.asarray(ours)
            if ours.dtype.kind != "f":
                ours = ours.astype(np.float64)
            self.result.checks.append(compare(name, ours.astype(np.float64), np.asarray(theirs, np.float64), tol,
                                              N, candidates=candidates, kind=kind, subject=subject))
        self.items = []


def _grads(layer, names):
    """The layer's gradients after backward: its `grads` list (the second volume), else its
    d<name> attributes."""
    grads = getattr(layer, "grads", None)
    if isinstance(grads, (list, tuple)) and len(grads) >= len(names):
        return [np.array(g) for g in grads[:len(names)]]
    return [None if getattr(layer, f"d{n}", None) is None else np.array(getattr(layer, f"d{n}")) for n in names]


def _run(result, case, function, *args):
    try:
        function(result, case, *args)
    except LearnerFailure as err:
        result.checks.append(failure(err, case, tolerance(result.dtype, "forward")))


# -- the book's recurrences in NumPy (book layouts): candidates for the known mistakes -------------
def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _blocks(W, kind, order=None):
    """{gate letter: block} of a (.., gates*H) array read in `order` (the book's by default)."""
    order = order or BOOK_GATES.get(kind, "t")
    h = W.shape[-1] // len(order)
    return {g: W[..., k * h:(k + 1) * h] for k, g in enumerate(order)}


def _step(kind, x, h, c, Wx, Wh, b, order=None):
    """One step of the book's cell: (h_next, c_next, cache)."""
    if kind == "rnn":
        h_next = np.tanh(x @ Wx + h @ Wh + b)
        return h_next, None, (x, h, h_next)
    if kind == "lstm":
        a = _blocks(x @ Wx + h @ Wh + b, kind, order)
        f, g, i, o = _sigmoid(a["f"]), np.tanh(a["g"]), _sigmoid(a["i"]), _sigmoid(a["o"])
        c_next = f * c + g * i
        return o * np.tanh(c_next), c_next, (x, h, c, f, g, i, o, c_next)
    wx, wh, bb = _blocks(Wx, kind, order), _blocks(Wh, kind, order), _blocks(b, kind, order)
    z = _sigmoid(x @ wx["z"] + h @ wh["z"] + bb["z"])
    r = _sigmoid(x @ wx["r"] + h @ wh["r"] + bb["r"])
    hh = np.tanh(x @ wx["h"] + (r * h) @ wh["h"] + bb["h"])
    return (1 - z) * h + z * hh, None, (x, h, z, r, hh)


def _step_back(kind, cache, dh, dc, Wx, Wh):
    """(dx, dh_prev, dc_prev, dWx, dWh, db) of one step of the book's cell."""
    if kind == "rnn":
        x, h, h_next = cache
        da = dh * (1 - h_next ** 2)
        return da @ Wx.T, da @ Wh.T, None, x.T @ da, h.T @ da, da.sum(0)
    if kind == "lstm":
        x, h, c, f, g, i, o, c_next = cache
        tc = np.tanh(c_next)
        ds = dc + dh * o * (1 - tc ** 2)
        da = np.hstack((ds * c * f * (1 - f), ds * i * (1 - g ** 2), ds * g * i * (1 - i), dh * tc * o * (1 - o)))
        return da @ Wx.T, da @ Wh.T, ds * f, x.T @ da, h.T @ da, da.sum(0)
    x, h, z, r, hh = cache
    H_ = h.shape[1]
    Whz, Whr, Whh = Wh[:, :H_], Wh[:, H_:2 * H_], Wh[:, 2 * H_:]
    dt = dh * z * (1 - hh ** 2)
    dhr = dt @ Whh.T
    dz = dh * (hh - h) * z * (1 - z)
    dr = dhr * h * r * (1 - r)
    dh_prev = dh * (1 - z) + r * dhr + dz @ Whz.T + dr @ Whr.T
    da = np.hstack((dz, dr, dt))
    dWh = np.hstack((h.T @ dz, h.T @ dr, (r * h).T @ dt))
    return da @ Wx.T, dh_prev, None, x.T @ da, dWh, da.sum(0)


def bptt(kind, xs, h0, c0, Wx, Wh, b, dhs, carry=True, order=None):
    """The book's Time layer in float64: (hs, h_T, c_T, dxs, dh0, [per-step (dWx, dWh, db)]);
    carry=False leaves out the dh (and dc) that flows back from the next step."""
    hs, caches, h, c = [], [], h0, c0
    for t in range(xs.shape[1]):
        h, c, cache = _step(kind, xs[:, t], h, c, Wx, Wh, b, order)
        hs.append(h)
        caches.append(cache)
    dxs, steps = np.zeros(xs.shape), []
    dh_next, dc_next = np.zeros_like(h0), (np.zeros_like(h0) if kind == "lstm" else None)
    for t in reversed(range(xs.shape[1])):
        dh = dhs[:, t] + (dh_next if carry else 0)
        dc = (dc_next if carry else np.zeros_like(h0)) if kind == "lstm" else None
        dxs[:, t], dh_next, dc_next, *grads = _step_back(kind, caches[t], dh, dc, Wx, Wh)
        steps.append(grads)
    return np.stack(hs, axis=1), h, c, dxs, dh_next, steps[::-1]


# -- Keras's side -----------------------------------------------------------------------------------
def to_keras_layout(kind, W):
    """A book-layout Wx, Wh or b (blocks on the last axis) in Keras's layout."""
    if kind == "lstm":
        blocks = np.split(W, 4, axis=-1)
        return np.concatenate([blocks[k] for k in LSTM_TO_KERAS], axis=-1)
    if kind == "gru":
        h = W.shape[-1] // 3
        W = W.copy()
        W[..., :h] *= -1  # Keras's z = 1 - the book's z = sigmoid(-a)
        return W
    return W


def from_keras_layout(kind, W):
    if kind == "lstm":
        blocks = np.split(W, 4, axis=-1)
        back = [None] * 4
        for keras_index, book_index in enumerate(LSTM_TO_KERAS):
            back[book_index] = blocks[keras_index]
        return np.concatenate(back, axis=-1)
    return to_keras_layout(kind, W)  # GRU: negating z is its own inverse


def keras_recurrent(kind, Wx, Wh, b, xs, state, douts):
    """Keras's SimpleRNN/LSTM/GRU(reset_after=False) with return_sequences, from `state`:
    (hs, final states, dxs, dstate, [dWx, dWh(, db)]) in the book's layouts."""
    cls = {"rnn": sn_layers.SimpleRNN, "lstm": sn_layers.LSTM, "gru": sn_layers.GRU}[kind]
    options = {"reset_after": False} if kind == "gru" else {}
    mirror = cls(to_keras_layout(kind, Wx), to_keras_layout(kind, Wh),
                 None if b is None else to_keras_layout(kind, b), return_sequences=True, **options)
    outputs, dxs, dstate, dweights = reference_keras.recurrent_vjp(mirror, xs, state, douts)
    return outputs[0], outputs[1:], dxs, dstate, [from_keras_layout(kind, g) for g in dweights]


def _notes(result, kind):
    if kind == "lstm":
        note = ("gate order: the book's Wx, Wh, b are blocks (f, g, i, o), Keras's LSTM (i, f, c, o): "
                "reordered both ways (the same function, exact)")
    elif kind == "gru":
        note = ("GRU: the book's reset gate multiplies h before the recurrent product (Keras GRU(reset_after=False)), "
                "blocks (z, r, h) as Keras's, but h = (1 - z) h_prev + z h_hat where Keras has z h_prev + (1 - z) "
                "h_hat: Keras's z is sigmoid of the negated pre-activation, so the z blocks are negated both ways "
                "(exact)")
    else:
        return
    if note not in result.notes:
        result.notes.append(note)


# -- TimeRNN, TimeLSTM, TimeGRU --------------------------------------------------------------------
def _has_bias(cls):
    try:
        names = list(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        return True
    return "b" in names or len(names) >= 4


def _recurrent_weights(draws, kind, bias):
    g = GATES[kind]
    return draws.normal((D, g * H), 0.5), draws.normal((H, g * H), 0.5), (draws.normal((g * H,), 0.5) if bias
                                                                          else None)


def _build_time(obj, kind, Wx, Wh, b, stateful, seed):
    values = {"Wx": Wx, "Wh": Wh, "stateful": stateful, **({} if b is None else {"b": b})}
    try:
        return construct(obj, values, seed)
    except NotMappable:
        return build_layer(obj, (Wx, Wh, *([] if b is None else [b]), stateful), seed)


def _weight_names(b):
    return ("Wx", "Wh") + (() if b is None else ("b",))


def _grad_candidates(kind, steps, names, no_carry):
    """{dW name: {cause: array}} for the gradient mistakes of BPTT."""
    out = {}
    for k, name in enumerate(names):
        out[f"d{name}"] = {
            "gradients not summed over time steps: only the first step's gradient is kept (grads[...] = "
            "grad inside the time loop, where it must be +=)": steps[0][k],
            "gradients not summed over time steps: only the last step's gradient is kept (grads[...] = grad "
            "inside the time loop, where it must be +=)": steps[-1][k],
            "dh not carried back: each step's backward got dhs[:, t] alone, without the dh (and dc) that flows "
            "back from the next step": no_carry[k]}
    return out


def _order_candidates(kind, xs, h0, c0, Wx, Wh, b):
    """{cause: hs} for the gate slices read in another order."""
    if kind == "rnn":
        return {}
    book = BOOK_GATES[kind]
    out = {}
    for order in itertools.permutations(book):
        order = "".join(order)
        if order != book:
            hs = bptt(kind, xs, h0, c0, Wx, Wh, b if b is not None else np.zeros(Wx.shape[1]),
                      np.zeros(xs.shape[:2] + (h0.shape[1],)), order=order)[0]
            out[f"gate slices in the wrong order: the blocks of Wx, Wh and b were read as "
                f"({', '.join(GATE_WORDS[g] for g in order)}) where the book lays them out "
                f"({', '.join(GATE_WORDS[g] for g in book)})"] = hs
    return out


def check_time_recurrent(obj, result, draws, x, t):
    kind = RECURRENT[result.kind]
    _notes(result, kind)
    if not isinstance(obj, type):
        raise NotMappable(f"{result.name}: an instance; check the class (the checker builds it with the book's "
                          f"constructor, Time{kind.upper()}(Wx, Wh, b, stateful))")
    bias = kind != "gru" or _has_bias(obj)
    Wx, Wh, b = _recurrent_weights(draws, kind, bias)
    xs1, xs2 = draws.normal((N, T, D)), draws.normal((N, T, D))
    dhs = draws.normal((N, T, H))
    _run(result, "one sequence from h = 0", _time_case, draws, obj, kind, (Wx, Wh, b), None, xs1, dhs, False)
    _run(result, "stateful=True: a second sequence goes on from the first's state", _time_case, draws, obj, kind,
         (Wx, Wh, b), xs1, xs2, dhs, True)
    _run(result, "stateful=False: a second sequence starts from h = 0 again", _time_case, draws, obj, kind,
         (Wx, Wh, b), xs1, xs2, dhs, False)


def _time_case(result, case, draws, obj, kind, weights, xs_before, xs, dhs, stateful):
    Wx, Wh, b = weights
    dtype = draws.dtype
    layer = _build_time(obj, kind, Wx, Wh, b, stateful, draws.seed)
    zeros = [np.zeros((N, H), dtype)] * (2 if kind == "lstm" else 1)
    state = zeros
    carried_hs = None
    nstate = len(zeros)
    if xs_before is not None:
        call("forward (first sequence)", layer.forward, xs_before.copy())
        _, carried, *_ = keras_recurrent(kind, Wx, Wh, b, xs_before, zeros,
                                         [np.zeros((N, T, H), dtype)] + [np.zeros((N, H), dtype)] * nstate)
        if stateful:
            state = carried
        else:
            carried_hs = keras_recurrent(kind, Wx, Wh, b, xs, carried,
                                         [dhs] + [np.zeros((N, H), dtype)] * nstate)[0]
    douts = [dhs] + [np.zeros((N, H), dtype)] * nstate
    hs_ref, _, dxs_ref, dstate_ref, dweights_ref = keras_recurrent(kind, Wx, Wh, b, xs, state, douts)
    f64 = [None if w is None else w.astype(np.float64) for w in (Wx, Wh, b)]
    b64 = f64[2] if f64[2] is not None else np.zeros(Wx.shape[1])
    xs64, dhs64 = xs.astype(np.float64), dhs.astype(np.float64)
    start = (xs64, *[s.astype(np.float64) for s in state], None)[:3]  # (xs, h0, c0 or None)
    numpy = bptt(kind, *start, f64[0], f64[1], b64, dhs64)
    no_carry = bptt(kind, *start, f64[0], f64[1], b64, dhs64, carry=False)
    names = _weight_names(b)
    forward_candidates = _order_candidates(kind, *start, f64[0], f64[1], f64[2])
    if carried_hs is not None:
        forward_candidates["a stateful layer not reset between sequences: with stateful=False every forward must "
                           "start from h = 0 (and c = 0), but the previous sequence's state was carried over"] = \
            carried_hs
    elif xs_before is not None:
        forward_candidates["stateful=True, but the second sequence started from h = 0: the state of the first one "
                           "(self.h, and self.c for an LSTM) was not carried over"] = \
            bptt(kind, xs64, np.zeros((N, H)), np.zeros((N, H)) if kind == "lstm" else None,
                 f64[0], f64[1], b64, dhs64)[0]
    pairs = Pairs(result, case, dtype)
    hs = call("forward", layer.forward, xs.copy())
    pairs.add("forward hs", "forward", "hs", np.asarray(hs), hs_ref, forward_candidates)
    dxs = call("backward", layer.backward, dhs.copy())
    pairs.add("dxs", "gradient", "x", None if dxs is None else np.asarray(dxs), dxs_ref,
              {"dh not carried back: each step's backward got dhs[:, t] alone, without the dh (and dc) that flows "
               "back from the next step": no_carry[3]})
    grad_candidates = _grad_candidates(kind, numpy[5], names, [sum(s[k] for s in no_carry[5])
                                                               for k in range(len(names))])
    for name, ours, ref in zip(names, _grads(layer, names), dweights_ref):
        pairs.add(f"d{name}", "gradient", name, ours, ref, grad_candidates[f"d{name}"])
    dh = getattr(layer, "dh", None)
    if dh is not None:
        pairs.add("dh (to the initial state)", "gradient", "h0", np.asarray(dh), dstate_ref[0])
    pairs.settle()


# -- the cells RNN, LSTM, GRU ------------------------------------------------------------------------
def check_cell(obj, result, draws, x, t):
    kind = RECURRENT[result.kind]
    _notes(result, kind)
    if not isinstance(obj, type):
        raise NotMappable(f"{result.name}: an instance; check the class (built as the book builds it)")
    bias = kind != "gru" or _has_bias(obj)
    Wx, Wh, b = _recurrent_weights(draws, kind, bias)
    layer = build_layer(obj, (Wx, Wh) + (() if b is None else (b,)), draws.seed)
    _run(result, f"N={N}, D={D}, H={H}, h_prev != 0", _cell_case, draws, layer, kind, (Wx, Wh, b))


def _cell_case(result, case, draws, layer, kind, weights):
    Wx, Wh, b = weights
    dtype = draws.dtype
    x, h = draws.normal((N, D)), draws.normal((N, H))
    c = draws.normal((N, H)) if kind == "lstm" else None
    dh, dc = draws.normal((N, H)), (draws.normal((N, H)) if kind == "lstm" else None)
    state = [h] + ([c] if kind == "lstm" else [])
    douts = [dh[:, None, :], np.zeros((N, H), dtype)] + ([dc] if kind == "lstm" else [])
    (ys, finals, dxs, dstate, dweights) = keras_recurrent(kind, Wx, Wh, b, x[:, None, :], state, douts)
    pairs = Pairs(result, case, dtype)
    out = call("forward", layer.forward, x.copy(), *[s.copy() for s in state])
    if kind == "lstm":
        pairs.add("h_next", "forward", "h", np.asarray(out[0]), ys[:, 0])
        pairs.add("c_next", "forward", "c", np.asarray(out[1]), finals[1])
        back = call("backward", layer.backward, dh.copy(), dc.copy())
        labels = ("dx", "dh_prev", "dc_prev")
    else:
        pairs.add("h_next", "forward", "h", np.asarray(out), ys[:, 0])
        back = call("backward", layer.backward, dh.copy())
        labels = ("dx", "dh_prev")
    for label, ours, ref in zip(labels, back, [dxs[:, 0], *dstate]):
        pairs.add(label, "gradient", label, np.asarray(ours), ref)
    names = _weight_names(b)
    for name, ours, ref in zip(names, _grads(layer, names), dweights):
        pairs.add(f"d{name}", "gradient", name, ours, ref)
    pairs.settle()


# -- TimeAffine, TimeEmbedding, Embedding, the list-based Affine, TimeSoftmaxWithLoss ---------------
def check_affine(obj, result, draws, x, t):
    """TimeAffine (N, T, D) and the list-based Affine (N, D) against Keras's Dense on the same input."""
    cases = [("N=3, T=5, D=4 -> M=7", (N, T, D))] if result.kind == "time_affine" else \
        [("N=3, D=4 -> M=7", (N, D)), ("N=4, D=4 -> M=4 (square W)", (4, D))]
    for case, shape in cases:
        M = V if shape[-2] != D else D
        W, b = draws.normal((D, M), 0.5), draws.normal((M,))
        layer = build_layer(obj, (W, b), draws.seed) if isinstance(obj, type) else working_copy(obj)
        _run(result, case, _affine_case, draws, layer, W, b, draws.normal(shape))


def _affine_case(result, case, draws, layer, W, b, x):
    keras_layer = reference_keras.keras_layer(sn_layers.Affine(W.copy(), b.copy()), draws.dtype.name, reuse=True)
    dout = draws.normal(x.shape[:-1] + (W.shape[1],))
    y, dx, (dW, db) = reference_keras.layer_vjp(keras_layer, x, dout)
    pairs = Pairs(result, case, draws.dtype)
    pairs.add("forward", "forward", "y", np.asarray(call("forward", layer.forward, x.copy())), y)
    pairs.add("dx", "gradient", "x", np.asarray(call("backward", layer.backward, dout.copy())), dx)
    ours = _grads(layer, ("W", "b"))
    flat = dout.reshape(-1, W.shape[1])
    pairs.add("dW", "gradient", "W", ours[0], dW)
    pairs.add("db", "gradient", "b", ours[1], db, {
        "db summed over the batch axis only (axis=0), not over time as well": flat[:N].sum(0)} if x.ndim == 3 else {
        "db summed over axes (0, 1): right for 3-D (N, T, M) upstream gradients only; on a 2-D batch it sums the "
        "outputs too, and every bias gets the same total (sum over all axes but the last)": np.full(db.shape,
                                                                                                  flat.sum())})
    pairs.settle()


def check_embedding(obj, result, draws, x, t):
    shape = (N, T) if result.kind == "time_embedding" else (2 * N,)
    W = draws.normal((V, D))
    ids = draws.rng.integers(0, V, size=shape)
    ids.flat[:3] = 2  # repeated ids: their gradients must add up (np.add.at)
    layer = build_layer(obj, (W,), draws.seed) if isinstance(obj, type) else working_copy(obj)
    _run(result, f"ids {shape} with repeats, V={V}, D={D}", _embedding_case, draws, layer, W, ids)


def _embedding_case(result, case, draws, layer, W, ids):
    keras_layer = reference_keras.keras_layer(sn_layers.Embedding(W.copy()), draws.dtype.name, reuse=True)
    dout = draws.normal(ids.shape + (W.shape[1],))
    y, _, (dW,) = reference_keras.layer_vjp(keras_layer, ids, dout)
    overwritten = np.zeros_like(W, dtype=np.float64)
    overwritten[ids.reshape(-1)] = dout.reshape(-1, W.shape[1])
    pairs = Pairs(result, case, draws.dtype)
    pairs.add("forward", "forward", "y", np.asarray(call("forward", layer.forward, ids.copy())), y)
    call("backward", layer.backward, dout.copy())
    pairs.add("dW", "gradient", "W", _grads(layer, ("W",))[0], dW,
              {"dW[ids] = dout overwrote the rows of repeated ids instead of adding them up (np.add.at(dW, ids, "
               "dout))": overwritten})
    pairs.settle()


def check_time_softmax_loss(obj, result, draws, x, t):
    loss = reference_keras.keras_loss(scratchnet.losses.SoftmaxCrossEntropy(), dtype=draws.dtype.name)
    xs = draws.normal((N, T, V), 2.0)
    ts = draws.rng.integers(0, V, size=(N, T))
    layer = build_layer(obj, (), draws.seed) if isinstance(obj, type) else working_copy(obj)
    _run(result, f"N={N}, T={T}, V={V}, labels", _time_loss_case, draws, layer, loss, xs, ts)
    result.notes.append("the book's TimeSoftmaxWithLoss averages over batch and time, as Keras's "
                        "SparseCategoricalCrossentropy(from_logits=True) does over all (N, T) entries: the same "
                        "number (a mean over the batch only would be T = 5 times larger)")


def _time_loss_case(result, case, draws, layer, loss, xs, ts):
    value_ref, dx_ref = reference_keras.loss_vjp(loss, xs, ts)
    value = float(call("forward", layer.forward, xs.copy(), ts.copy()))
    dx = call("backward", layer.backward)
    tol = tolerance(draws.dtype.name, "book_log_loss")  # the book's simpler version takes log(y + 1e-7)
    err = abs(value - value_ref) / abs(value_ref)
    diagnosis = ""
    if err > tol:
        diagnosis = f"loss {value:.8g} vs Keras {value_ref:.8g}"
        if abs(value / value_ref - T) < 1e-6 * T:
            diagnosis = ("the loss is T times Keras's: summed over time steps, averaged over the batch only "
                         "(divide by N * T)")
    result.checks.append(Check(f"loss ({case})", err, tol, err <= tol, diagnosis, kind="loss", subject="loss"))
    pairs = Pairs(result, case, draws.dtype)
    pairs.add("dx", "gradient", "x", None if dx is None else np.asarray(dx), dx_ref)
    pairs.settle()


CHECKERS = {"time_rnn": check_time_recurrent, "time_lstm": check_time_recurrent, "time_gru": check_time_recurrent,
            "rnn_cell": check_cell, "lstm_cell": check_cell, "gru_cell": check_cell,
            "time_affine": check_affine, "affine_lists": check_affine, "time_embedding": check_embedding,
            "embedding": check_embedding, "time_softmax_loss": check_time_softmax_loss}


# -- optimizers on lists ----------------------------------------------------------------------------
class ListOptimizer:
    """A second-volume optimizer (`update(params, grads)` on lists) seen through the first
    volume's dict interface: the dict's arrays go in as lists, in the same order, and an entry
    the learner rebound comes back into the dict (so the in-place check still sees it)."""

    def __init__(self, opt):
        self.opt = opt

    def update(self, params, grads):
        keys = list(params)
        plist, glist = [params[k] for k in keys], [grads[k] for k in keys]
        self.opt.update(plist, glist)
        for key, value in zip(keys, plist):
            params[key] = value


LIST_NOTE = "params and grads passed as lists (the second volume's contract): update(params, grads) refused dicts"


def list_contract(opt, fresh, params, grads):
    """`opt`, or a ListOptimizer around it where its update raises on the first volume's dicts
    and runs on lists (tried on fresh copies, `fresh()`, with copies of the arrays)."""
    def raised(arguments):
        try:
            fresh().update(*arguments)
            return None
        except Exception as err:  # noqa: BLE001  (a learner's update may raise anything)
            return err

    copies = {key: value.copy() for key, value in params.items()}
    given = {key: value.copy() for key, value in grads.items()}
    on_dicts = raised((copies, given))
    if on_dicts is None:
        return opt, None
    copies = {key: value.copy() for key, value in params.items()}
    given = {key: value.copy() for key, value in grads.items()}
    indexed = isinstance(on_dicts, KeyError) and on_dicts.args and isinstance(on_dicts.args[0], int)
    if raised((list(copies.values()), list(given.values()))) is None or indexed:
        return ListOptimizer(opt), LIST_NOTE + ("" if not indexed else " (it indexes them by position)")
    return opt, None


# -- SimpleRnnlm, Rnnlm ---------------------------------------------------------------------------
RNNLM_SIZES = {"vocab_size": V, "wordvec_size": D, "hidden_size": H}


def check_rnnlm(obj, result, draws, x, t):
    """The network's loss and every parameter's gradient against the same Keras layers chained
    (Embedding -> SimpleRNN/LSTM/GRU(return_sequences, from h = 0) -> Dense per step -> sparse
    cross-entropy from logits, mean over batch and time), by Keras's autodiff layer by layer."""
    net = construct(obj, RNNLM_SIZES, draws.seed) if isinstance(obj, type) else working_copy(obj)
    layers = list(getattr(net, "layers", None) or [])
    plan = []
    for index, layer in enumerate(layers):
        kind = kind_of(layer)
        if kind not in ("time_embedding", "time_rnn", "time_lstm", "time_gru", "time_affine"):
            raise NotMappable(f"layer {index} ({type(layer).__name__}) has no Keras twin here (the checker maps "
                              f"TimeEmbedding, TimeRNN/TimeLSTM/TimeGRU and TimeAffine)")
        plan.append((index, kind, layer, [np.array(p) for p in layer.params]))
    loss_layer = getattr(net, "loss_layer", None)
    if loss_layer is None or kind_of(loss_layer) != "time_softmax_loss":
        raise NotMappable("its loss_layer is missing or not a TimeSoftmaxWithLoss")
    for _, kind, _, _ in plan:
        if kind in ("time_lstm", "time_gru"):
            _notes(result, RECURRENT[kind])
    float32 = any(p.dtype == np.float32 for *_, params in plan for p in params)
    xs = draws.rng.integers(0, V, size=(N, T))
    ts = draws.rng.integers(0, V, size=(N, T))
    case = f"N={N}, T={T}, V={V}, D={D}, H={H}"
    try:
        _rnnlm_case(result, case, draws, net, plan, xs, ts, float32)
    except LearnerFailure as err:
        result.checks.append(failure(err, case, tolerance(result.dtype, "loss")))


def _keras_chain(plan, xs, ts, dtype):
    """(loss, [per layer: [d each param]]) by Keras, the layers' weights in `dtype`."""
    outs, h = [], xs
    for _, kind, _, params in plan:
        params = [p.astype(dtype) for p in params]
        outs.append(h)
        if kind == "time_embedding":
            embedding = reference_keras.keras_layer(sn_layers.Embedding(params[0]), dtype, reuse=True)
            h = reference_keras.layer_vjp(embedding, h, np.zeros(h.shape + (params[0].shape[1],), dtype))[0]
        elif kind == "time_affine":
            h = reference_keras.layer_vjp(reference_keras.keras_layer(sn_layers.Affine(*params), dtype, reuse=True), h,
                                          np.zeros(h.shape[:-1] + (params[0].shape[1],), dtype))[0]
        else:
            rec = RECURRENT[kind]
            b = params[2] if len(params) > 2 else None
            state = [np.zeros((h.shape[0], params[1].shape[0]), dtype)] * (2 if rec == "lstm" else 1)
            h = keras_recurrent(rec, params[0], params[1], b, h, state, [np.zeros(h.shape[:2] + (params[1].shape[0],),
                                                                                  dtype)] + state)[0]
    loss = reference_keras.keras_loss(scratchnet.losses.SoftmaxCrossEntropy(), dtype=dtype)
    value, dout = reference_keras.loss_vjp(loss, h, ts)
    grads = [None] * len(plan)
    for k in reversed(range(len(plan))):
        _, kind, _, params = plan[k]
        params = [p.astype(dtype) for p in params]
        x_in = outs[k]
        if kind == "time_embedding":
            _, _, grads[k] = reference_keras.layer_vjp(reference_keras.keras_layer(sn_layers.Embedding(params[0]),
                                                                                   dtype, reuse=True), x_in, dout)
        elif kind == "time_affine":
            _, dout, grads[k] = reference_keras.layer_vjp(reference_keras.keras_layer(sn_layers.Affine(*params),
                                                                                      dtype, reuse=True), x_in, dout)
        else:
            rec = RECURRENT[kind]
            b = params[2] if len(params) > 2 else None
            state = [np.zeros((x_in.shape[0], params[1].shape[0]), dtype)] * (2 if rec == "lstm" else 1)
            _, _, dout, _, grads[k] = keras_recurrent(rec, params[0], params[1], b, x_in, state, [dout] + state)
    return value, grads


def _rnnlm_case(result, case, draws, net, plan, xs, ts, float32):
    dtype = "float64" if float32 else draws.dtype.name
    value_ref, grads_ref = _keras_chain(plan, xs, ts, dtype)
    value = float(call("forward", net.forward, xs.copy(), ts.copy()))
    call("backward", net.backward)
    tier = "float32" if float32 else draws.dtype.name
    if float32 and draws.dtype.name == "float64":
        result.notes.append("the network builds its weights in float32 (.astype('f')), as the second volume "
                            "does: compared at the float32 tier with Keras in float64 on the same weights")
    tol = tolerance(tier, "loss")
    err = abs(value - value_ref) / abs(value_ref)
    result.checks.append(Check(f"loss ({case})", err, tol, err <= tol,
                               "" if err <= tol else f"loss {value:.8g} vs Keras {value_ref:.8g}", kind="loss",
                               subject="loss"))
    pairs = Pairs(result, case, draws.dtype, float32=float32)
    for (index, kind, layer, params), refs in zip(plan, grads_ref):
        names = {"time_embedding": ("W",), "time_affine": ("W", "b")}.get(kind, _weight_names(
            params[2] if len(params) > 2 else None))
        for name, ours, ref in zip(names, _grads(layer, names), refs):
            pairs.add(f"layer {index} ({type(layer).__name__}) d{name}", "gradient", name, ours, ref)
    pairs.settle()


CHECKERS["rnnlm"] = check_rnnlm


class TrainFlagDropout:
    """The second volume's TimeDropout (forward(xs), the mode in its train_flg attribute) seen as
    the first volume's Dropout (forward(x, train_flg)), for book_layers.check_dropout."""

    def __init__(self, layer):
        self.layer = layer

    def __getattr__(self, name):  # the ratio and mask attributes; no special methods (deepcopy copies the wrapper)
        if name.startswith("__") or "layer" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["layer"], name)

    def forward(self, x, train_flg=True):
        self.layer.train_flg = train_flg
        return self.layer.forward(x)

    def backward(self, dout):
        return self.layer.backward(dout)


def check_time_dropout(obj, result, draws, x, t):
    from .book_layers import check_dropout
    layer = build_layer(obj, (), draws.seed) if isinstance(obj, type) else working_copy(obj)
    if not hasattr(layer, "train_flg"):
        raise NotMappable(f"{result.name}: no train_flg attribute (the second volume's TimeDropout keeps its mode "
                          f"there and forward takes xs alone)")
    result.notes.append("TimeDropout: forward(xs) with the mode in train_flg, checked as the first volume's "
                        "Dropout(forward(x, train_flg)) with Keras's own mask handed to np.random.rand")
    check_dropout(TrainFlagDropout(layer), result, draws, x, t)


CHECKERS["time_dropout"] = check_time_dropout


# -- how much each convention difference matters ----------------------------------------------------
def convention_effects(seed=0):
    """{convention: relative difference of the outputs (or the loss)} on one seeded problem (N=3,
    T=5, D=4, H=6, V=7) between the book's convention and Keras's, each side computed by Keras
    (or, for float32, by the book's recurrence in NumPy): what a check that did not adapt would see."""
    from scratchnet.gradcheck import relative_error
    rng = np.random.default_rng(seed)
    xs, dhs = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, H))
    effects = {}
    for kind in ("lstm", "gru"):
        g = GATES[kind]
        Wx, Wh, b = rng.normal(size=(D, g * H)) * .5, rng.normal(size=(H, g * H)) * .5, rng.normal(size=g * H) * .5
        state = [np.zeros((N, H))] * (2 if kind == "lstm" else 1)
        douts = [dhs] + state
        adapted = keras_recurrent(kind, Wx, Wh, b, xs, state, douts)[0]
        untranslated = keras_recurrent(kind, from_keras_layout(kind, Wx), from_keras_layout(kind, Wh),
                                       from_keras_layout(kind, b), xs, state, douts)[0]
        # keras_recurrent translates: handing it the inverse gives Keras the book's blocks as they are
        effects[f"{kind}_untranslated_gates"] = relative_error(untranslated, adapted)
        book32 = bptt(kind, *(a.astype(np.float32) for a in (xs, state[0])),
                      state[1].astype(np.float32) if kind == "lstm" else None,
                      *(a.astype(np.float32) for a in (Wx, Wh, b, dhs)))
        book64 = bptt(kind, xs, state[0], state[1] if kind == "lstm" else None, Wx, Wh, b, dhs)
        effects[f"{kind}_float32_forward"] = relative_error(book32[0].astype(np.float64), book64[0])
        effects[f"{kind}_float32_dWx"] = relative_error(sum(s[0] for s in book32[5]).astype(np.float64),
                                                        sum(s[0] for s in book64[5]))
    logits, ts = rng.normal(size=(N, T, V)) * 2, rng.integers(0, V, size=(N, T))
    keras_loss = reference_keras.loss_vjp(reference_keras.keras_loss(scratchnet.losses.SoftmaxCrossEntropy(),
                                                                     dtype="float64"), logits, ts)[0]
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = -np.take_along_axis(log_p, ts[..., None], axis=-1)[..., 0]
    effects["time_softmax_mean_over_batch_and_time"] = abs(picked.mean() - keras_loss) / keras_loss
    effects["time_softmax_mean_over_batch_only_ratio"] = float(picked.sum() / N / keras_loss)
    return effects


# -- clip_grads: global-norm clipping -------------------------------------------------------------
CLIP_SCALES = (("norm above max_norm (clipped)", 3.0), ("norm below max_norm (untouched)", 0.05))


def clip_grads_checks(function, result, draws):
    """The second volume's `clip_grads(grads, max_norm)` (in place, on a list) against Keras's
    SGD(learning_rate=1, global_clipnorm=max_norm) step on the same gradients, into `result`
    (core.check_clip_grads makes it). Clipping each parameter by its own norm is named."""
    max_norm = 1.0
    tol = tolerance(draws.dtype.name, "book_clip_delta")
    for case, scale in CLIP_SCALES:
        grads = {"W": draws.normal((4, 3), scale), "b": draws.normal((3,), scale)}
        start = {key: np.zeros_like(g) for key, g in grads.items()}
        keras_opt = reference_keras.keras_optimizer(scratchnet.optimizers.SGD(1.0, global_clipnorm=max_norm), start)
        ref = {key: -value for key, value in reference_keras.optimizer_steps(keras_opt, start, [grads])[0].items()}
        per_tensor = [g * max_norm / max(np.linalg.norm(g), max_norm) for g in grads.values()]
        given = [g.copy() for g in grads.values()]
        try:
            returned = call("clip_grads", function, given, max_norm)
        except LearnerFailure as err:
            result.checks.append(failure(err, case, tol))
            continue
        ours = returned if returned is not None and len(returned) == len(given) else given
        flat = np.concatenate([np.asarray(g, np.float64).ravel() for g in ours])
        result.checks.append(compare(
            f"clipped gradients ({case})", flat, np.concatenate([r.astype(np.float64).ravel() for r in ref.values()]),
            tol, candidates={"clipping applied per parameter instead of globally: each gradient scaled by its own "
                             "norm, where clip_grads scales all of them by max_norm / (the norm of all of them "
                             "together)": np.concatenate([g.ravel() for g in per_tensor])},
            kind="gradient", subject="grads"))
    result.notes.append("compared with Keras's global_clipnorm (SGD(learning_rate=1) step from zeros); the book's "
                        "+ 1e-6 in the denominator is within the stated tolerance (book_clip_delta)")
    result.diagnosis = [f"{c.name}: {c.diagnosis}" for c in result.failed]
