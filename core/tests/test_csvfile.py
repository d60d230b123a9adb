"""Issue 10 item 9: CSV cells are never live formulas."""

from decimal import Decimal

import pytest

from core.csvfile import csv_lines, safe_cell


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_a_formula_is_written_as_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value,written",
    [
        ("Pat", "Pat"),
        ("+15125550100", "+15125550100"),
        ("-12.50", "-12.50"),
        (-3, -3),
        (Decimal("-0.25"), "-0.25"),
        (None, ""),
        ("a=b", "a=b"),
    ],
)
def test_plain_values_are_left_alone(value, written):
    assert safe_cell(value) == written


def test_every_row_goes_through_it():
    lines = list(csv_lines(["name"], [["=cmd|' /C calc'!A0"]]))
    assert lines[1].startswith("'=cmd")
