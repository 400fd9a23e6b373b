"""The typed result of a cell-tracking study (issue 17): ``run_study`` on a tiny study (a Zr-89
direct label in the mouse at 2 mm, two scans, one swept activity; seconds) returns a
CellTrackingResult whose rows equal the CSV files the study wrote and the command line writes,
column for column, with the figure and report paths."""

import csv
import dataclasses
import math

import pytest

import theradose

STUDY = """name = "py-celltrack"
kind = "cell_tracking"
[phantom]
builtin = "mouse"
voxel_mm = 2.0
[cells]
number = 1e6
cell_radius_um = 10.0
nucleus_radius_um = 5.0
alpha_per_gy = 0.2
alpha_beta_gy = 3.0
[[label]]
name = "zr"
kind = "direct"
nuclide = "Zr-89"
activity_per_cell_bq = 0.05
[migration]
regions = ["lungs", "liver"]
times_h = [0.0, 24.0]
fractions = [[0.8, 0.1], [0.2, 0.6]]
[scans]
times_h = [2.0, 24.0]
scanner = "preclinical"
duration_s = 600.0
iterations = 2
subsets = 4
positron_histories = 2000
[sweep]
activity_per_cell_bq = [0.01]
[figures]
formats = ["svg"]
"""

DETECTABILITY = ["time_h", "region", "cells", "activity_bq", "cnr", "detectable",
                 "min_detectable_cells"]
CELL_DOSE = ["strategy", "activity_per_cell_bq", "nucleus_dose_gy", "self_fraction",
             "surviving_fraction"]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def same(row, csv_row, columns):
    """A result row against a CSV row: strings and booleans exactly, numbers to the CSV's
    printed precision."""
    for c in columns:
        v, text = getattr(row, c), csv_row[c]
        if isinstance(v, bool):
            assert str(v).lower() == text, c
        elif isinstance(v, str):
            assert v == text, c
        elif math.isinf(v):
            assert text in ("inf", "+inf"), c
        else:
            assert v == pytest.approx(float(text), rel=1e-4, abs=1e-12), c


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    d = tmp_path_factory.mktemp("celltrack")
    path = d / "study.toml"
    path.write_text(STUDY)
    return path, d


def test_run_study_returns_a_typed_cell_tracking_result(study, cli):
    path, d = study
    out = d / "py"
    r = theradose.run_study(path, out=out, threads=2)
    assert isinstance(r, theradose.CellTrackingResult)
    assert r.name == "py-celltrack"
    assert r.out_dir == out
    # the row fields start with the CSV contract's columns, in its order
    assert [f.name for f in dataclasses.fields(theradose.DetectabilityRow)][:7] == DETECTABILITY
    assert [f.name for f in dataclasses.fields(theradose.CellDoseRow)][:5] == CELL_DOSE

    det = read_csv(out / "detectability.csv")
    assert list(det[0]) == DETECTABILITY
    assert len(r.detectability) == len(det) == 4  # 2 scans x 2 regions
    for row, c in zip(r.detectability, det):
        assert isinstance(row, theradose.DetectabilityRow)
        same(row, c, DETECTABILITY)
    assert list(r.detectability_by_strategy) == ["zr"]
    assert r.detectability_by_strategy["zr"] == r.detectability
    assert {x.region for x in r.detectability} == {"lungs", "liver"}
    assert all(x.cnr > 0 and x.min_detectable_cells > 0 for x in r.detectability)

    dose = read_csv(out / "cell_dose.csv")
    assert list(dose[0]) == CELL_DOSE
    assert len(r.cell_dose) == len(dose) == 2  # the label's own activity and the swept one
    for row, c in zip(r.cell_dose, dose):
        same(row, c, CELL_DOSE)
        assert row.nucleus_dose_gy == pytest.approx(row.self_dose_gy + row.cross_dose_gy)
    # the nucleus dose is linear in the activity per cell: 0.05 Bq against 0.01 Bq
    assert r.cell_dose[0].nucleus_dose_gy / r.cell_dose[1].nucleus_dose_gy == pytest.approx(5.0)

    assert r.report == out / "report.md" and r.report.exists()
    assert r.figures and all(f.exists() and f.suffix == ".svg" for f in r.figures)
    assert {f.name for f in r.figures} >= {"detectable_cells.svg", "pet_montage_zr.svg"}
    assert r["points"] == r.summary["points"]  # the summary, as the dict run_study returned

    # the same result read back from the folder, and the command line's tables
    assert theradose.CellTrackingResult.load(out) == r
    cli("study", path, "--out", d / "cli")
    for row, c in zip(r.cell_dose, read_csv(d / "cli" / "cell_dose.csv")):
        same(row, c, CELL_DOSE)
    for row, c in zip(r.detectability, read_csv(d / "cli" / "detectability.csv")):
        same(row, c, DETECTABILITY)


def test_load_refuses_a_folder_of_another_kind(tmp_path):
    (tmp_path / "summary.json").write_text('{"kind": "bnct", "name": "x"}')
    with pytest.raises(ValueError, match="out_dir"):
        theradose.CellTrackingResult.load(tmp_path)
