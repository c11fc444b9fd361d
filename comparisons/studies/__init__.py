"""Studies: measurements, not pass/fail parity. `speed` (python -m comparisons speed: the
training-step benchmark), `check_latency` (python -m comparisons speed --check: seconds to a
verdict per learner file) and `book_optimizers` (python -m comparisons book-optimizers: the
book's optimizers against scratchnet's closest settings). Each `run(...)` returns a Report.
"""
