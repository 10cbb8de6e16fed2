"""Own data from the page: a CSV file with a class column is uploaded, its columns picked, the
board built and trained, and the outputs carry the class names; a bad file shows its row and
column. Screenshots of the form at a phone's and a laptop's size go to test-artifacts/."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import ARTIFACTS, TIMEOUT_MS, open_board, server_session, wait_step

pytestmark = pytest.mark.browser

CLASSES = ("setosa", "versicolor", "virginica")


def iris_like() -> str:
    """30 rows: two measurements and the species, as the csv writer writes them."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["sepal length", "petal width", "note", "species"])
    for k in range(30):
        species = CLASSES[k % 3]
        w.writerow([f"{4.8 + (k % 3) * 1.1 + (k % 5) * 0.1:.1f}", f"{0.2 + (k % 3) * 0.9:.1f}",
                    f"n{k}", species])
    return out.getvalue()


def open_form(page: Any) -> None:
    page.click(".custom-open")
    page.select_option("[data-testid=form-dataset]", "csv")
    page.wait_for_selector("[data-testid=csv-data]:not([hidden])")


def test_a_class_column_names_the_outputs_after_training(page: Any, server: Any,
                                                         tmp_path: Path) -> None:
    open_board(page, server.url)
    open_form(page)
    file = tmp_path / "iris.csv"
    file.write_text(iris_like(), encoding="utf-8")
    page.set_input_files("[data-testid=csv-file]", str(file))
    summary = page.locator("[data-testid=csv-summary]")
    page.wait_for_function(
        "() => /one output per class: setosa, versicolor, virginica/.test("
        "document.querySelector('[data-testid=csv-summary]').textContent)", timeout=TIMEOUT_MS)
    assert summary.text_content() == "→ 2 inputs, one output per class: " + ", ".join(CLASSES)
    assert page.input_value("input[name=layers]") == "2, 3, 3"
    assert page.input_value("[data-testid=form-output-activation]") == "softmax"
    assert page.input_value("[data-testid=csv-text]") == iris_like().replace("\r\n", "\n")
    assert not page.is_checked("[aria-label='note: input']")  # text cannot be an input
    page.select_option("[data-testid=csv-scaling]", "minmax")
    for size in ((390, 844), (1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.screenshot(path=str(ARTIFACTS / f"csv-form-{size[0]}x{size[1]}.png"))
    page.set_viewport_size({"width": 1600, "height": 900})
    before = page.url
    page.click("text=Build the board")
    page.wait_for_function(f"() => location.href !== {before!r}", timeout=TIMEOUT_MS)
    page.wait_for_function("() => document.querySelectorAll('.outputs .out-name').length === 3",
                           timeout=TIMEOUT_MS)
    for _ in range(3):
        page.click("[data-testid=step]")
    wait_step(page, 3)
    names = page.locator(".outputs .out-name").all_text_contents()
    assert names == list(CLASSES)
    sid = page.evaluate("() => window.dialboard.state().session.id")
    info = server_session(server.url, sid)
    assert info["step"] == 3 and info["config"]["dataset"] == {"inline": True, "rows": 30}
    page.locator("#network").screenshot(path=str(ARTIFACTS / "csv-outputs.png"))


def test_a_bad_csv_shows_its_row_and_column(page: Any, server: Any, errors: Any) -> None:
    errors.allow("422")  # Chromium logs every refused request
    open_board(page, server.url)
    open_form(page)
    page.fill("[data-testid=csv-text]", "a,b,label\n1,2,x\n3,4\n")
    page.click("[data-testid=csv-read]")
    error = page.locator("[data-testid=csv-error]")
    error.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert error.text_content() == ("row 3 has 2 values but the header names 3 columns "
                                    "(no value for column 'label')")
    page.fill("[data-testid=csv-text]", "a,b,label\n1,2,x\n3,4,y\n5,oops,x\n7,8,y\n")
    page.click("[data-testid=csv-read]")
    error.wait_for(state="hidden", timeout=TIMEOUT_MS)
    problem = "row 4, column 'b': 'oops' is text in a column of numbers"
    assert page.locator(".csv-problem").all_text_contents() == [problem]
    page.check("[aria-label='b: input']")
    assert page.text_content("[data-testid=csv-summary]") == problem
    page.click("text=Build the board")
    refused = page.locator(".custom-form > .form-error[role=alert]")
    refused.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert refused.text_content() == f"dataset: {problem}"
    page.screenshot(path=str(ARTIFACTS / "csv-form-bad.png"))


def test_a_numeric_target_is_a_number_or_classes_as_the_teacher_says(page: Any,
                                                                      server: Any) -> None:
    open_board(page, server.url)
    open_form(page)
    page.fill("[data-testid=csv-text]", "x;y;grade\n1,5;2;9\n2,5;1;10\n3;0;9\n4;1;10\n")
    page.click("[data-testid=csv-read]")
    summary = page.locator("[data-testid=csv-summary]")
    summary.filter(has_text="one output: the number").wait_for(timeout=TIMEOUT_MS)
    assert page.input_value("input[name=layers]") == "2, 3, 1"
    assert page.input_value("[data-testid=form-output-activation]") == "linear"
    assert page.input_value("[data-testid=form-loss]") == "mse"
    page.select_option("[data-testid=csv-task]", "classification")
    assert summary.text_content() == "→ 2 inputs, one output per class: 9, 10"
    assert page.input_value("input[name=layers]") == "2, 3, 2"
    assert page.input_value("[data-testid=form-output-activation]") == "softmax"
    page.click("text=Build the board")
    page.wait_for_function("() => [...document.querySelectorAll('.outputs .out-name')]"
                           ".map((e) => e.textContent).join() === '9,10'", timeout=TIMEOUT_MS)
