"""Cells a spreadsheet would run as a formula, made plain text (issue 10, defect 9).

Every CSV and text report the portal writes passes its cells through :func:`neutralise`: a
value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single
quote, as OWASP's "CSV Injection" page recommends, so Excel or LibreOffice show it as text
instead of evaluating ``=HYPERLINK(...)`` or a DDE call. The quote is visible; no value of ours
legitimately starts with those characters except a user-typed one.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """``value`` as text a spreadsheet will not evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def neutralise_row(values) -> list[str]:
    return [neutralise(value) for value in values]
