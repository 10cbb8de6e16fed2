"""CSV data: columns read as the standard library's csv writer wrote them, one-hot targets and
scalings checked against scikit-learn, every refusal naming its row and column, and a CSV board
that lives on through the REST API, a websocket hello and a restart with SQLite storage."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import LabelBinarizer, MinMaxScaler, StandardScaler

from dialboard.server import csv_data
from dialboard.server.csv_data import CsvError, parse, preview, to_inline
from dialboard.server.registry import Registry
from dialboard.server.session_config import InvalidConfig, build, resolve
from dialboard.server.settings import Settings
from dialboard.server.storage import SQLiteStore
from tests.server.live import Client, Live, run

IRIS_LIKE = [
    ("sepal length", "petal, width", "species"),
    ("5.1", "0.2", "setosa"), ("4.9", "0.2", "setosa"), ("5.0", "0.3", "setosa"),
    ("7.0", "1.4", "versicolor"), ("6.4", "1.5", "versicolor"), ("6.9", "1.5", "versicolor"),
    ("6.3", "2.5", "virginica"), ("5.8", "1.9", "virginica"), ("7.1", "2.1", "virginica"),
    ("6.5", "2.0", "virginica"),
]


def written(rows: Sequence[Sequence[str]], delimiter: str = ",",
            lineterminator: str = "\r\n") -> str:
    """The file as the standard library's csv writer writes it (quotes where needed)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    return out.getvalue()


def board(text: str, **pick: Any) -> dict[str, Any]:
    spec = {"text": text, "inputs": ["sepal length", "petal, width"], "target": "species",
            **pick}
    return {"layers": [len(spec["inputs"]), 3, 3], "output_activation": "softmax",
            "loss": "cross_entropy", "dataset": {"csv": spec}}


@pytest.mark.parametrize("delimiter,ending", [(",", "\r\n"), (";", "\n"), ("\t", "\n"),
                                              (",", "\r")])
def test_columns_are_read_as_the_csv_writer_wrote_them(delimiter: str, ending: str) -> None:
    table = parse("\ufeff\n" + written(IRIS_LIKE, delimiter, ending) + ending)  # BOM, blanks
    assert table.delimiter == delimiter
    assert [c.name for c in table.columns] == list(IRIS_LIKE[0])
    assert [c.kind for c in table.columns] == ["number", "number", "text"]
    assert table.columns[1].numbers == tuple(float(r[1]) for r in IRIS_LIKE[1:])
    assert table.rows == tuple(range(3, 3 + len(IRIS_LIKE) - 1))  # the BOM line is row 1
    shown = preview(table)
    assert shown["rows"] == 10 and shown["head"][0] == list(IRIS_LIKE[1])
    assert shown["columns"][2]["classes"] == ["setosa", "versicolor", "virginica"]
    assert shown["limits"]["rows"] == csv_data.MAX_CSV_ROWS


def test_semicolon_files_may_write_decimal_commas() -> None:
    table = parse("a;b;label\n3,5;1;x\n-0,25;2;y\n")
    assert table.columns[0].numbers == (3.5, -0.25)


def test_a_class_column_becomes_one_hot_targets_with_its_names() -> None:
    data = to_inline(board(written(IRIS_LIKE))["dataset"]["csv"])
    species = [r[2] for r in IRIS_LIKE[1:]]
    reference = LabelBinarizer().fit(species)
    assert data["class_names"] == list(reference.classes_)
    assert np.array_equal(data["targets"], reference.transform(species))
    assert data["inputs"] == [[float(r[0]), float(r[1])] for r in IRIS_LIKE[1:]]
    assert data["columns"] == {"inputs": ["sepal length", "petal, width"], "target": "species"}


def test_numeric_classes_are_ordered_by_value_and_named_as_written() -> None:
    text = "x,grade\n1,10\n2,9\n3,10.0\n4,9\n"
    data = to_inline({"text": text, "inputs": ["x"], "target": "grade",
                      "task": "classification"})
    assert data["class_names"] == ["9", "10"]
    assert data["targets"] == [[0, 1], [1, 0], [0, 1], [1, 0]]
    regression = to_inline({"text": text, "inputs": ["x"], "target": "grade"})
    assert regression["targets"] == [[10.0], [9.0], [10.0], [9.0]] and "class_names" not in \
        regression


@pytest.mark.parametrize("scaling,scaler", [("standardise", StandardScaler),
                                            ("minmax", MinMaxScaler)])
def test_scaling_matches_scikit_learn(scaling: str, scaler: Any) -> None:
    config = resolve(board(written(IRIS_LIKE), scaling=scaling, test_fraction=0))
    data = build(config, max_parameters=100).data
    raw = np.array(config["dataset"]["inputs"])
    assert np.allclose(scaler().fit_transform(raw), data.x_train, rtol=0, atol=1e-12)
    assert scaling in ("standardise", "minmax") and "training-set" in data.description


@pytest.mark.parametrize("scaling", ["standardise", "minmax"])
def test_scaling_is_fitted_on_the_training_rows_and_applied_to_the_test_rows(
        scaling: str) -> None:
    config = resolve(board(written(IRIS_LIKE), scaling=scaling, test_fraction=0.3))
    data = build(config, max_parameters=100).data
    assert len(data.x_test) == 3 and data.y_test.sum(axis=0).tolist() == [1, 1, 1]  # stratified
    if scaling == "standardise":
        assert np.allclose(data.x_train.mean(axis=0), 0) and np.allclose(data.x_train.std(0), 1)
    else:
        assert data.x_train.min(0).tolist() == [0, 0] and data.x_train.max(0).tolist() == [1, 1]
    raw = np.sort(np.array(config["dataset"]["inputs"]), axis=0)
    every = np.sort(np.concatenate([data.x_train, data.x_test]), axis=0)
    for j in range(2):  # one increasing affine map per column takes every raw value to its own
        slope, shift = np.polyfit(raw[:, j], every[:, j], 1)
        assert slope > 0 and np.allclose(slope * raw[:, j] + shift, every[:, j], atol=1e-9)


def test_no_scaling_keeps_the_numbers_and_a_constant_column_becomes_zero() -> None:
    text = "a,b,y\n1,5,p\n2,5,q\n3,5,p\n"
    kept = build(resolve({"layers": [2, 2], "dataset": {"csv": {
        "text": text, "inputs": ["a", "b"], "target": "y", "scaling": "none",
        "test_fraction": 0}}}), max_parameters=100).data
    assert kept.x_train.tolist() == [[1, 5], [2, 5], [3, 5]]
    for scaling in ("standardise", "minmax"):
        spec = {"text": text, "inputs": ["a", "b"], "target": "y", "scaling": scaling}
        data = build(resolve({"layers": [2, 2], "dataset": {"csv": spec}}), max_parameters=100)
        assert (data.data.x_train[:, 1] == 0).all()


GOOD = "a,b,label\n1,2,x\n3,4,y\n5,6,x\n"
WIDE = ",".join(f"c{k}" for k in range(csv_data.MAX_CSV_COLUMNS + 1))
LONG = "a,b\n" + "1,2\n" * (csv_data.MAX_CSV_ROWS + 1)
HUGE = "a,b\n" + ("1," + "9" * 1000 + "\n") * (csv_data.MAX_CSV_BYTES // 1000)

# A file that cannot be a table at all: refused when it is read, naming the row (and column).
FILE_REFUSALS = [
    ("", "the file is empty"),
    ("\n \n", "the file is empty"),
    ("a,b,label\n", "a header row but no rows of data"),
    ("justone\n1\n", "row 1 (the header) has one column 'justone'"),
    ("a,,c\n1,2,3\n", "row 1, column 2: the header is empty"),
    ("a,b,a\n1,2,3\n", "row 1, columns 1 and 3 are both named 'a'"),
    ("a," + "n" * 61 + "\n1,2\n", "row 1, column 2: the name 'nnnn"),
    ("a,<b>\n1,2\n", "row 1, column 2: the name '<b>' must not hold <"),
    (WIDE + "\n", "row 1 (the header) has 1001 columns; at most 1000"),
    ("\n\na,b,c\n1,2,3\n4,5\n", "row 5 has 2 values but the header names 3 columns (no value "
                                "for column 'c')"),
    ("a,b\n1,2\n1,2,3\n", "row 3 has 3 values but the header names 2 columns"),
    ('a,b\n1,"2\n3,4\n', "row 2: a quote opened here is never closed"),
    ('a,b\n1,"2"x\n', "row 2: text follows a closing quote"),
    ("a,b\n1," + "x" * 140_000 + "\n", "row 2: a value is longer than the 131\u202f072 characters"),
    (LONG, "row 10002: the file has more rows than allowed: at most 10\u202f000"),
    (HUGE, "at most 4 MiB"),
    ("a,b\n\ud800,1\n", "row 2: the text holds a character that is not valid Unicode"),
]


@pytest.mark.parametrize("text,needle", FILE_REFUSALS)
def test_a_file_that_is_not_a_table_is_refused_naming_its_row(text: str, needle: str) -> None:
    with pytest.raises(CsvError) as caught:
        parse(text)
    assert needle in str(caught.value)


def test_too_many_cells_is_counted_with_the_columns() -> None:
    cols = 200
    rows = csv_data.MAX_CSV_CELLS // cols
    text = ",".join(f"c{k}" for k in range(cols)) + "\n" + ("1," * (cols - 1) + "1\n") * (rows + 1)
    with pytest.raises(CsvError, match=f"row {rows + 2}: .* at most {rows} rows of data for "
                                       f"{cols} columns"):
        parse(text)


# A file that reads, with a column that cannot be used as picked: the board is refused (422)
# with the row and column, and the preview already shows the column's problem.
COLUMN_REFUSALS = [
    ("a,b,label\n1,2,x\n3,,y\n", ["a", "b"], "label", "row 3, column 'b': the value is missing"),
    ("a,b,label\n1,NA,x\n3,4,y\n", ["a", "b"], "label",
     "row 2, column 'b': the value is missing ('NA')"),
    ("a,b,label\n1,2,x\n3,4,y\n5,oops,x\n", ["a", "b"], "label",
     "row 4, column 'b': 'oops' is text in a column of numbers"),
    ("a,b,label\n1,1e999,x\n3,4,y\n", ["a", "b"], "label",
     "row 2, column 'b': '1e999' is not a finite number"),
    ("a,b,label\n1,2,x\n3,4,x\n", ["a", "b"], "label",
     "column 'label' has one class only ('x', rows 2 to 3)"),
    ("a,b,label\n1,p,x\n3,q,y\n", ["a", "b"], "label",
     "row 2, column 'b': 'p' is text; an input column must hold numbers"),
    ("a,label\n" + "".join(f"{k},n{k}\n" for k in range(51)), ["a"], "label",
     "column 'label' has 51 different values; a class column may have at most 50"),
    ("a,label\n1,x\n2,<script>\n", ["a"], "label",
     "row 3, column 'label': the class name '<script>' must not hold <"),
    ("a,label\n1,x\n2,y\n", ["a"], "label2", "target: the file has no column 'label2'"),
    ("a,label\n1,x\n2,y\n", ["z"], "label", "inputs: the file has no column 'z'"),
    ("a,label\n1,x\n2,y\n", ["a", "label"], "label", "target: column 'label' is also picked"),
    ("a,label\n1,x\n2,y\n", ["a", "a"], "label", "inputs: column 'a' is picked twice"),
    ("a,label\n1,x\n2,y\n", [], "label", "inputs must be a list of one or more column names"),
    ("a,b,label\n1,2,x\n3,4,y\n", ["a"], "label\n", "target: the file has no column"),
]


@pytest.mark.parametrize("text,inputs,target,needle", COLUMN_REFUSALS)
def test_a_column_that_cannot_be_used_is_refused_naming_row_and_column(
        text: str, inputs: list[str], target: str, needle: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        resolve({"dataset": {"csv": {"text": text, "inputs": inputs, "target": target}}})
    assert str(caught.value).startswith("dataset: ") and needle in str(caught.value)
    if "column 'b'" in needle and "text;" not in needle:  # shown before anything is picked
        problem = preview(parse(text))["columns"][1]["problem"]
        assert problem and problem.startswith(needle)


@pytest.mark.parametrize("spec,needle", [
    ({"text": GOOD, "inputs": ["a"], "target": "label", "colour": 1}, "unknown field 'colour'"),
    ({"text": GOOD, "inputs": ["a"], "target": "label", "scaling": "log"},
     "scaling must be one of none, standardise, minmax"),
    ({"text": GOOD, "inputs": ["a"], "target": "label", "task": "regression"},
     "column 'label' holds text ('x' in the first row), so it can only be classes"),
    ({"text": GOOD, "inputs": ["a"], "target": "label", "scaling": ["none"]},
     "scaling must be one of"),
    ({"text": GOOD, "inputs": [["a"]], "target": "label"}, "inputs: the file has no column"),
    ({"text": GOOD, "inputs": ["a"], "target": "label", "task": "ranking"},
     "task must be classification or regression"),
    ({"text": GOOD, "inputs": ["a"], "target": "label", "test_fraction": 0.95},
     "test_fraction must be a number from 0 to 0.9"),
    ({"text": 3}, '{"text": the file'),
    ("a,b", '{"text": the file'),
])
def test_a_bad_csv_request_is_refused_in_words(spec: object, needle: str) -> None:
    with pytest.raises(InvalidConfig, match=r"^dataset: ") as caught:
        build(resolve({"layers": [1, 2], "dataset": {"csv": spec}}), max_parameters=100)
    assert needle in str(caught.value)


def test_csv_sits_alone_in_the_dataset() -> None:
    with pytest.raises(InvalidConfig, match=r'dataset: a CSV dataset is \{"csv": \{…\}\} alone'):
        resolve({"dataset": {"csv": {}, "inputs": [[1]]}})


def test_the_preview_shows_a_column_s_problem_and_which_columns_can_be_classes() -> None:
    text = "a,b,label,id\n1,2,x,1\n3,,y,2\n5,6,x,3\n"
    cols = {c["name"]: c for c in preview(parse(text))["columns"]}
    assert cols["b"]["problem"] == ("row 3, column 'b': the value is missing; fill it in or "
                                    "drop the row")
    assert cols["b"]["kind"] == "number" and cols["b"]["classes"] is None
    assert cols["label"]["classes"] == ["x", "y"] and cols["label"]["distinct"] == 2
    assert cols["id"]["classes"] == ["1", "2", "3"]  # numbers may be classes, when asked


def test_post_csv_previews_json_or_the_file_itself(live: Live) -> None:
    text = written(IRIS_LIKE)
    as_json = httpx.post(f"{live.base}/api/csv", json={"text": text}, timeout=30)
    as_file = httpx.post(f"{live.base}/api/csv", content=text.encode(),
                         headers={"content-type": "text/csv"}, timeout=30)
    assert as_json.status_code == as_file.status_code == 200
    assert as_json.json() == as_file.json() == preview(parse(text))
    names = [s["name"] for s in as_json.json()["scalings"]]
    assert names == ["none", "standardise", "minmax"]


@pytest.mark.parametrize("send,needle", [
    ({"content": b"a,b\n1,2,3\n", "headers": {"content-type": "text/plain"}},
     "row 2 has 3 values but the header names 2 columns"),
    ({"content": b"a,b\n\xff,2\n", "headers": {"content-type": "text/csv"}},
     "the file is not UTF-8 text (byte 5 is 0xff)"),
    ({"json": {"text": "a,b\n1,2,3\n", "extra": 1}}, 'the body must be {"text"'),
    ({"content": b"{nope", "headers": {"content-type": "application/json"}},
     'send {"text": "'),
])
def test_post_csv_refuses_in_words(live: Live, send: dict[str, Any], needle: str) -> None:
    r = httpx.post(f"{live.base}/api/csv", timeout=30, **send)
    assert r.status_code == 422 and needle in r.json()["detail"]


def test_a_csv_board_trains_and_its_hello_names_the_classes(live: Live) -> None:
    created = live.create(**board(written(IRIS_LIKE), test_fraction=0.3))
    assert created["config"]["dataset"] == {"inline": True, "rows": 10}

    async def hello() -> dict[str, Any]:
        c = await Client.connect(live, created["id"])
        return await c.json()

    said = run(hello())
    assert said["dataset"]["class_names"] == ["setosa", "versicolor", "virginica"]
    assert (said["dataset"]["n_train"], said["dataset"]["n_test"]) == (7, 3)
    bad = httpx.post(f"{live.base}/api/sessions", json=board("a,b\n1,2\n"), timeout=30)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("dataset: inputs: the "
                                                                      "file has no column")


def test_a_csv_board_survives_a_restart_with_sqlite_storage(tmp_path: Path) -> None:
    async def first() -> tuple[str, Any]:
        reg = Registry(Settings())
        reg.attach(SQLiteStore(tmp_path))
        reg.start()
        s = reg.create(board(written(IRIS_LIKE), scaling="minmax", test_fraction=0.3))
        with s.action("step"):
            s.trainer.step(3)
        data = s.trainer.data
        await reg.close()
        return s.id, data

    async def second(sid: str, before: Any) -> None:
        reg = Registry(Settings())
        assert reg.attach(SQLiteStore(tmp_path)) == 1
        after = reg.sessions[sid].trainer
        for part in ("x_train", "y_train", "x_test", "y_test"):
            assert getattr(after.data, part).tobytes() == getattr(before, part).tobytes()
        assert after.data.class_names == ("setosa", "versicolor", "virginica")
        assert after.data.description == before.description and "min–max" in after.data.description
        assert after.step_count == 3
        await reg.close()

    sid, before = run(first())
    run(second(sid, before))


CELLS = st.sampled_from(["1", "-2.5", "1e3", "x", "y", "", "NA", '"a,b"', "3,5", "1e999", "<b>",
                         " 7 ", '"', "é", "\t", ";"])


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(rows=st.lists(st.lists(CELLS, min_size=0, max_size=4), max_size=6),
       sep=st.sampled_from([",", ";", "\t"]), ending=st.sampled_from(["\n", "\r\n", "\r"]),
       inputs=st.lists(st.sampled_from(["c0", "c1", "c2", "x", ""]), max_size=3),
       target=st.sampled_from(["c0", "c1", "c2", "c3", 3]),
       task=st.sampled_from([None, "classification", "regression"]))
def test_any_file_and_pick_is_a_board_or_a_refusal_in_words(
        rows: list[list[str]], sep: str, ending: str, inputs: list[str], target: object,
        task: str | None) -> None:
    text = ending.join(sep.join(r) for r in [["c0", "c1", "c2", "c3"][: len(rows[0])]
                                             if rows else [], *rows[1:]])
    spec: dict[str, Any] = {"text": text, "inputs": inputs, "target": target}
    if task:
        spec["task"] = task
    try:
        shown = preview(parse(text))
        assert all(c["problem"] is None or c["problem"].startswith("row ")
                   for c in shown["columns"])
    except CsvError as exc:
        assert str(exc)
    try:
        config = resolve({"dataset": {"csv": spec}})
    except InvalidConfig as exc:
        assert str(exc).startswith("dataset: ")
        return
    data = config["dataset"]
    n_out = len(data["targets"][0])
    try:
        built = build({**config, "layers": [len(inputs), n_out]}, max_parameters=100).data
    except InvalidConfig as exc:  # a split that leaves nothing to train: said in words
        assert str(exc)
        return
    assert built.n_in == len(inputs) and len(built.class_names) in (0, n_out)


def test_a_csv_board_survives_export_to_a_board_file_and_opening_it_again(live: Live) -> None:
    created = live.create(**board(written(IRIS_LIKE), test_fraction=0.3))
    sid = created["id"]
    with httpx.Client(timeout=30) as c:
        file = c.get(f"{live.base}/api/sessions/{sid}/board.safetensors").content
        read = c.post(f"{live.base}/api/board-files", content=file,
                      headers={"content-type": "application/octet-stream"})
        assert read.status_code == 200, read.text
        again = c.post(f"{live.base}/api/sessions", json=read.json()["config"])
    assert again.status_code == 201, again.text
    before, after = live.session(sid).trainer, live.session(again.json()["id"]).trainer
    assert after.data.class_names == before.data.class_names == ("setosa", "versicolor",
                                                                 "virginica")
    def every_row(d: Any) -> np.ndarray:  # inputs and targets as the network saw them, sorted
        both = np.hstack([np.concatenate([d.x_train, d.x_test]),
                          np.concatenate([d.y_train, d.y_test])])
        return both[np.lexsort(both.T[::-1])]

    assert np.array_equal(every_row(after.data), every_row(before.data))
    assert len(after.data.x_test) == len(before.data.x_test) == 3
    assert all(np.array_equal(before.net.params[n], after.net.params[n])
               for n in before.net.params)


ROWS: dict[str, Any] = {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0], [1], [1], [0]]}


@pytest.mark.parametrize("extra,needle", [
    ({"class_names": ["odd", "even", "more"]}, "class_names has 3 names; the data needs 2"),
    ({"class_names": ["odd", "odd"]}, "class_names names 'odd' twice"),
    ({"class_names": ["odd", ""]}, "class_names[1] must be 1 to 60 characters"),
    ({"class_names": ["odd", "a\nb"]}, "class_names[1] must not hold < > or control characters"),
    ({"class_names": "odd"}, "class_names must be a list of names"),
    ({"targets": [[0.5], [1], [1], [0]], "class_names": ["a", "b"]},
     "class_names fits only targets that are 0/1 or one-hot rows"),
    ({"scaling": "log"}, "scaling must be one of none, standardise, minmax"),
    ({"columns": {"inputs": ["a"], "target": "t"}}, "columns.inputs has 1 names; the data needs 2"),
    ({"columns": ["a", "b"]}, 'columns must be {"inputs": [names], "target": name}'),
])
def test_inline_names_and_scaling_are_checked(extra: dict[str, Any], needle: str) -> None:
    dataset: dict[str, Any] = {**ROWS, **extra}
    with pytest.raises(InvalidConfig, match=r"^dataset: ") as caught:
        build(resolve({"layers": [2, 2, 1], "dataset": dataset}), max_parameters=100)
    assert needle in str(caught.value)


def test_inline_data_keeps_its_class_names() -> None:
    dataset: dict[str, Any] = {**ROWS, "class_names": ["same", "differ"]}
    data = build(resolve({"layers": [2, 2, 1], "dataset": dataset}), max_parameters=100).data
    assert data.class_names == ("same", "differ") and "2 classes: same, differ" in \
        data.description
