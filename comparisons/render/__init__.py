"""Reports as text and files: `print_report` (terminal), `markdown`, `as_json`, `write` (every file
the comparisons write, atomically) and `plots` (the figures of a lockstep run). It imports
comparisons.core only and knows no pipeline.
"""
from .report import (as_json, check_writable, markdown, markdown_table, print_report, terminal_text, write,
                     write_text)

__all__ = ["as_json", "check_writable", "markdown", "markdown_table", "print_report", "terminal_text", "write",
           "write_text"]
