"""The typed result of a cell-tracking study (``kind = "cell_tracking"``).

``theradose.run_study`` returns a :class:`CellTrackingResult` for such a study; an existing
output folder reads back with :meth:`CellTrackingResult.load`. The rows carry the columns of the
study's CSV files, in the same units:

- :class:`DetectabilityRow`, ``detectability.csv``: ``time_h, region, cells, activity_bq, cnr,
  detectable, min_detectable_cells`` (plus ``contrast_bq_ml``, ``noise_bq_ml`` and
  ``min_detectable_cells_voxel`` of ``sweep.csv`` and ``summary.json``);
- :class:`CellDoseRow`, ``cell_dose.csv``: ``strategy, activity_per_cell_bq, nucleus_dose_gy,
  self_fraction, surviving_fraction`` (plus ``self_dose_gy``, ``cross_dose_gy``,
  ``s_nucleus_gy_per_bq_s`` and ``cumulated_per_cell_bq_s`` of ``summary.json``).

A minimum detectable number of cells that the study could not compute (a region outside the
scan) is ``math.inf``, as in the CSV files.
"""

import json as _json
import math as _math
import pathlib as _pathlib
from dataclasses import dataclass, fields

__all__ = ["CellTrackingResult", "DetectabilityRow", "CellDoseRow"]


def _number(v):
    """A JSON number; ``null`` (how the library writes an infinite value) is ``math.inf``."""
    return _math.inf if v is None else float(v)


@dataclass(frozen=True)
class DetectabilityRow:
    """One region at one scan: the cells there, their activity at the scan start, the
    contrast-to-noise ratio, whether it reaches the Rose threshold and the fewest cells that
    would."""

    time_h: float
    region: str
    cells: float
    activity_bq: float
    cnr: float
    detectable: bool
    min_detectable_cells: float
    contrast_bq_ml: float
    noise_bq_ml: float
    min_detectable_cells_voxel: float

    @classmethod
    def _from_json(cls, d):
        return cls(time_h=float(d["time_h"]), region=str(d["region"]), cells=float(d["cells"]),
                   activity_bq=float(d["activity_bq"]), cnr=float(d["cnr"]),
                   detectable=bool(d["detectable"]),
                   min_detectable_cells=_number(d["min_detectable_cells"]),
                   contrast_bq_ml=float(d["contrast_bq_ml"]),
                   noise_bq_ml=float(d["noise_bq_ml"]),
                   min_detectable_cells_voxel=_number(d["min_detectable_cells_voxel"]))


@dataclass(frozen=True)
class CellDoseRow:
    """The nucleus dose of a labelled cell at one point (strategy, activity per cell): self-dose
    from the cellular S value plus cross-dose, and the surviving fraction (LQ)."""

    strategy: str
    activity_per_cell_bq: float
    nucleus_dose_gy: float
    self_fraction: float
    surviving_fraction: float
    self_dose_gy: float
    cross_dose_gy: float
    s_nucleus_gy_per_bq_s: float
    cumulated_per_cell_bq_s: float

    @classmethod
    def _from_json(cls, d):
        def value(name):
            v = d[name]
            if name == "strategy":
                return str(v)
            return _math.nan if v is None else float(v)  # JSON null: a NaN of the library

        return cls(**{f.name: value(f.name) for f in fields(cls)})


@dataclass(frozen=True)
class CellTrackingResult:
    """What a cell-tracking study computed and where it wrote it.

    detectability: the rows of ``detectability.csv`` (the first strategy at its own activity
    per cell); detectability_by_strategy: every strategy's own rows
    (``<strategy>/detectability.csv``); cell_dose: the rows of ``cell_dose.csv`` (every point of
    the sweep); figures: the figure files written (every format); report: ``report.md``;
    summary: ``summary.json`` as a dict (``result["points"]`` reads it, as ``run_study``'s dict
    did before this result).
    """

    name: str
    out_dir: _pathlib.Path
    detectability: list
    detectability_by_strategy: dict
    cell_dose: list
    figures: list
    report: _pathlib.Path
    summary: dict

    @classmethod
    def _from_summary(cls, summary, out_dir):
        out = _pathlib.Path(out_dir)
        by_strategy = {}
        for p in summary["points"]:
            if p["nominal"] and p["strategy"] not in by_strategy:
                by_strategy[p["strategy"]] = [DetectabilityRow._from_json(r) for r in p["scans"]]
        first = next(iter(by_strategy.values()), [])
        # the summary names each figure once (".png"); its files are one per format
        stems = [_pathlib.PurePath(n).stem for n in summary.get("figures", [])]
        files = sorted(f for f in out.iterdir() if f.is_file()) if out.is_dir() else []
        figures = [f for s in stems for f in files
                   if f.stem == s and f.suffix.lower() in (".png", ".svg", ".pdf")]
        return cls(name=str(summary["name"]), out_dir=out, detectability=first,
                   detectability_by_strategy=by_strategy,
                   cell_dose=[CellDoseRow._from_json(p["dose"]) for p in summary["points"]],
                   figures=figures, report=out / "report.md", summary=summary)

    @classmethod
    def load(cls, out_dir):
        """The result of a study already run into ``out_dir`` (from its ``summary.json``)."""
        out = _pathlib.Path(out_dir)
        summary = _json.loads((out / "summary.json").read_text())
        if summary.get("kind") != "cell_tracking":
            raise ValueError(f"out_dir: {out} holds no cell-tracking study "
                             f"(summary.json kind = {summary.get('kind')!r})")
        return cls._from_summary(summary, out)

    def __getitem__(self, key):
        """``summary.json``'s entries: ``result["points"]``."""
        return self.summary[key]
