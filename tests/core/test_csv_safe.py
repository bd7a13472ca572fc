"""Every CSV we write is safe to open in a spreadsheet."""

import csv
import io

import pytest

from core.csv_safe import csv_response, csv_text, escape_cell


@pytest.mark.parametrize(
    "hostile",
    ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_a_cell_a_spreadsheet_would_evaluate_is_written_as_text(hostile: str) -> None:
    assert escape_cell(hostile) == "'" + hostile


def test_ordinary_text_numbers_and_empty_cells_are_unchanged() -> None:
    assert escape_cell("Brum Code Academy") == "Brum Code Academy"
    assert escape_cell(-1250) == -1250
    assert escape_cell(None) == ""
    assert escape_cell(True) == "true"


def test_a_csv_document_round_trips_with_its_escaped_cells() -> None:
    text = csv_text(["name", "amount"], [["=cmd", 100], ["Ada, Lovelace", -5]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["name", "amount"], ["'=cmd", "100"], ["Ada, Lovelace", "-5"]]


def test_a_csv_download_streams_with_its_filename() -> None:
    response = csv_response("spend.csv", ["a"], [["@x"]])
    assert response["Content-Disposition"] == 'attachment; filename="spend.csv"'
    body = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    assert body == "a\r\n'@x\r\n"
