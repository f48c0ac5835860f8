"""The write-only sheets of the license analysis: text cells that are never formulas, dates in the
reader's format, negative numbers marked, and the columns that would hold nothing left out."""

import re
from datetime import datetime

from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

HEADER_FONT = Font(bold=True)
# Over the license: "available" below zero stands out in red, not by colour alone (the Niveau column).
OVER_FONT = Font(bold=True, color="B42318")
# Dates as the reader's language writes them (Dutch: day-month-year); Excel has no locale of its own here.
DATE_FORMATS = {"nl": "d-m-yyyy hh:mm", "en": "d mmm yyyy hh:mm"}
# What XML 1.0 cannot hold: openpyxl refuses these C0 controls (IllegalCharacterError), and a lone
# surrogate or U+FFFE/U+FFFF would make the file unreadable. Shown as U+FFFD instead.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Sheet:
    """A write-only sheet with a bold, frozen header row, column widths and an auto-filter."""

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        headers: list[tuple[str, int]],
        *,
        header_row: int = 1,
        frozen_columns: int = 0,
    ):
        self.sheet = workbook.create_sheet(title)
        self.width = len(headers)
        self.header_row = header_row
        self.rows = 0
        for column, (_header, width) in enumerate(headers, start=1):
            self.sheet.column_dimensions[get_column_letter(column)].width = width
        # Both must be set before the first row is written in write-only mode.
        self.sheet.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{header_row + 1}"
        self.headers = [header for header, _width in headers]
        self._probe = WriteOnlyCell(self.sheet)

    def text(self, value: str, *, font: Font | None = None) -> str | Cell:
        """Every text cell of the workbook is made here, and is text, never a formula.

        openpyxl turns a str starting with "=" into a formula cell (data type "f") and "#REF!" and
        its kind into an error cell ("e"), see Cell._bind_value: a user named "=HYPERLINK(...)" would
        be a live formula (OWASP formula injection). Such a value gets a cell of its own with data
        type "s"; any other string is left to openpyxl, which the probe shows makes it "s" too.
        """
        value = NOT_XML.sub("\ufffd", value)
        self._probe.value = value
        if self._probe.data_type == "s" and font is None:
            return value
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    def cell(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, datetime):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = DATE_FORMATS.get(translation.get_language(), DATE_FORMATS["nl"])
            return cell
        if isinstance(value, int) and value < 0:
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.font = OVER_FONT
            return cell
        return value

    def _write(self, row) -> None:
        self.sheet.append([self.cell(value) for value in row])
        self.rows += 1

    def preamble(self, *rows) -> None:
        for row in rows:
            self._write(row)

    def header(self) -> None:
        self.sheet.append([self.text(header, font=HEADER_FONT) for header in self.headers])
        self.rows += 1

    def append(self, row) -> None:
        self._write(row)

    def finish(self) -> None:
        self.sheet.auto_filter.ref = f"A{self.header_row}:{get_column_letter(self.width)}{self.rows}"


def without_empty_columns(headers: list, rows: list[list]) -> tuple[list, list[list]]:
    """Leave out the columns that hold nothing in any row (no deviation, no description, ...)."""
    keep = [i for i in range(len(headers)) if not rows or any(row[i] not in (None, "") for row in rows)]
    return [headers[i] for i in keep], [[row[i] for i in keep] for row in rows]


def filled(queryset, field: str) -> bool:
    """Whether any row of `queryset` has `field` filled in: an EXISTS, cheap before streaming."""
    return queryset.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True}).exists()
