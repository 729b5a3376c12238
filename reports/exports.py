"""Report tables as CSV and XLSX files, through tablib (as import-export)."""

import tablib

from reports.selectors import Table

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_dataset(table: Table) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=table.headers, title=table.title[:31])
    for row in table.rows:
        dataset.append(row)
    return dataset


def table_export(table: Table, file_format: str) -> bytes:
    """The table as a file of `file_format` ("csv" or "xlsx")."""
    exported = table_dataset(table).export(file_format)
    return exported.encode() if isinstance(exported, str) else exported
