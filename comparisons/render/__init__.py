"""Reports as text and files: `print_report` (terminal), `markdown`, `as_json`, `write` (every file
the comparisons write, atomically), `plots` (the figures of a lockstep run) and `html` (a report in
a notebook). It imports comparisons.core only and knows no pipeline. Importing it gives every
Report its text (`str`) and notebook display (`_repr_html_`): core.result.show_with.
"""
from ..core.result import show_with
from .html import report_html, reports_html
from .report import (as_json, check_writable, markdown, markdown_table, print_report, terminal_text, write,
                     write_text)

show_with(text=terminal_text, html=report_html, reports_html=reports_html)

__all__ = ["as_json", "check_writable", "markdown", "markdown_table", "print_report", "terminal_text", "write",
           "write_text", "report_html", "reports_html"]
