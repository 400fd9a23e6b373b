"""theradose: Monte Carlo dosimetry and theranostics, from Python.

The same typed library as the ``theradose`` command line, on numpy arrays. Arrays are indexed
``[i, j, k]`` exactly as the voxel arrays of the NIfTI files the command line writes (nibabel's
order); world coordinates are RAS+ mm. Units: MeV, cm, g/cm3, s, Bq, Gy (``_mm``, ``_h``, ...
where a name says so). The same seed gives the same result as the command line, bit for bit.

    import numpy as np, theradose
    ph = theradose.Phantom.builtin("adult", voxel_mm=8.0, groups=["lesions"])
    tia = np.where(ph.region_mask("kidneys"), 1e9, 0.0)          # Bq s per voxel
    r = theradose.dose(ph, tia, nuclide="Lu-177", method="mc", histories=200_000, seed=1)
    r.dose_gy, r.rel_uncertainty, r.regions

Errors in an argument raise ``ValueError`` naming it; Ctrl-C stops a run and raises
``KeyboardInterrupt``.
"""

import json as _json

import numpy as _np

from . import _theradose
from ._theradose import DoseResult, Phantom, data_dir
from .cell_tracking import CellDoseRow, CellTrackingResult, DetectabilityRow

__version__ = _theradose.__version__

__all__ = [
    "Phantom",
    "DoseResult",
    "dose",
    "tia",
    "decay",
    "bed",
    "calibrate_response",
    "run_study",
    "CellTrackingResult",
    "DetectabilityRow",
    "CellDoseRow",
    "data_dir",
    "__version__",
]

_V_GY = (2.0, 5.0, 10.0, 20.0)


def _regions(self, v_gy=_V_GY):
    """Region statistics: one dict per region with the columns of ``regions.csv``
    (region, mass_g, mean_gy, rel_uncertainty, d90_gy, d50_gy, d2_gy, max_gy, min_gy, d98_gy,
    d70_gy, voxels, v2gy_fraction, ...)."""
    rows = _json.loads(self._regions_json([float(v) for v in v_gy]))
    return [dict(pairs) for pairs in rows]


def _summary(self):
    """The dose's ``summary.json`` as a dict (method, nuclide, decays, seed, method_info, regions)."""
    return _json.loads(self._summary_json())


DoseResult.regions = property(_regions, doc=_regions.__doc__)
DoseResult.regions_table = _regions
DoseResult.summary = property(_summary, doc=_summary.__doc__)


def _f64_volume(name, a):
    a = _np.asarray(a)
    if a.ndim != 3:
        raise ValueError(f"{name}: expected a 3-D array [i, j, k], got shape {a.shape}")
    if not (_np.issubdtype(a.dtype, _np.number) or a.dtype == bool):
        raise ValueError(f"{name}: expected numbers, got dtype {a.dtype}")
    return _np.asarray(a, dtype=_np.float64)


def _from_ct(hu, spacing_mm, origin_mm=(0.0, 0.0, 0.0), direction=None, labels=None,
             label_names=None, name="ct"):
    """A phantom from a CT in HU (array ``[i, j, k]``), converted with the Schneider calibration.

    spacing_mm, origin_mm (centre of voxel (0, 0, 0), world RAS+ mm) and direction (3x3,
    column c = world direction of axis c; default identity) give the geometry as NIfTI does.
    labels (integers, same shape, 0 = background) and label_names ({id: name}) name regions;
    without labels every voxel is the region "body".
    """
    hu = _f64_volume("hu", hu)
    if labels is not None:
        lab = _np.asarray(labels)
        if lab.ndim != 3:
            raise ValueError(f"labels: expected a 3-D array [i, j, k], got shape {lab.shape}")
        if lab.size and (lab.min() < 0 or lab.max() > 65535 or not _np.all(lab == _np.round(lab))):
            raise ValueError("labels: expected integers from 0 to 65535")
        labels = _np.asarray(lab, dtype=_np.uint16)
    if label_names is not None:
        label_names = {int(k): str(v) for k, v in dict(label_names).items()}
    if direction is not None:
        direction = [[float(x) for x in row] for row in direction]
        if len(direction) != 3 or any(len(r) != 3 for r in direction):
            raise ValueError("direction: expected a 3x3 matrix")
    sp = tuple(float(x) for x in spacing_mm)
    og = tuple(float(x) for x in origin_mm)
    if len(sp) != 3:
        raise ValueError(f"spacing_mm: expected three values, got {spacing_mm!r}")
    if len(og) != 3:
        raise ValueError(f"origin_mm: expected three values, got {origin_mm!r}")
    return Phantom._from_ct_raw(hu, sp, og, direction, labels, label_names, name)


Phantom._from_ct_raw = Phantom.from_ct
Phantom.from_ct = staticmethod(_from_ct)


def _decay_data(value):
    """The ``decay_data`` keyword checked: "icrp107" or "endf" (any case)."""
    name = str(value).strip().lower()
    if name not in ("icrp107", "endf"):
        raise ValueError(f"decay_data: expected 'icrp107' or 'endf', got {value!r}")
    return name


def dose(phantom, tia_bq_s, nuclide, method="mc", histories=1_000_000, seed=1, threads=None,
         chain=False, decay_data="icrp107", **options):
    """Absorbed dose (Gy) of a time-integrated activity map on a phantom.

    tia_bq_s: array ``[i, j, k]`` on the phantom's grid, decays (Bq s) per voxel.
    method: "mc" (Monte Carlo, every radiation of each decay), "vsv" (voxel S-value FFT
    convolution; kernels cached in the user's cache folder) or "ldm" (local deposition).
    options: target_uncertainty, region, kernel_medium, tissue_kernels, density_correction,
    kernel_n, kernel_histories, kernel_cache (as ``theradose dose`` flags, with underscores).
    decay_data: "icrp107" (ICRP Publication 107, the default) or "endf" (ENDF/B-VIII.1); the
    summary records it.
    Returns a DoseResult with dose_gy, rel_uncertainty (mc), regions, summary and write(out).
    """
    if not isinstance(phantom, Phantom):
        raise ValueError(f"phantom: expected a theradose.Phantom, got {type(phantom).__name__}")
    tia = _f64_volume("tia", tia_bq_s)
    if method not in _theradose._dose_methods():
        raise ValueError(f"method: expected mc, vsv or ldm, got {method!r}")
    for key, value in (("histories", histories), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, float, _np.integer)) \
                or value != int(value) or value < 0:
            raise ValueError(f"{key}: expected a non-negative whole number, got {value!r}")
    if threads is not None and (not isinstance(threads, (int, _np.integer)) or threads < 1):
        raise ValueError(f"threads: expected a positive whole number or None, got {threads!r}")
    spec = dict(method=method, nuclide=str(nuclide), histories=int(histories), seed=int(seed),
                threads=None if threads is None else int(threads), chain=bool(chain),
                decay_data=_decay_data(decay_data))
    if "kernel_cache" in options and options["kernel_cache"] is not None:
        options["kernel_cache"] = str(options["kernel_cache"])
    spec.update(options)
    return _theradose._dose(phantom, tia, _json.dumps(spec))


def decay(nuclide, chain=False, decay_data="icrp107"):
    """Decay data of a radionuclide as a dict: the JSON of ``theradose decay``.

    decay_data: "icrp107" (ICRP Publication 107, the default) or "endf" (ENDF/B-VIII.1).
    """
    return _json.loads(_theradose._decay(str(nuclide), bool(chain), str(decay_data)))


def tia(times_h, values, nuclide, model="auto", decay_data="icrp107", **options):
    """Time-integrated activity of a time-activity curve: the dict of ``theradose tia``'s JSON.

    times_h: sample times after administration (h); values: activity (MBq), so the TIA is in
    MBq h (``tia_mbq_h``); model: "auto" (AICc choice), "mono", "bi", "tri", "uptake",
    "trapezoid", "hanscheid" or "madsen". options: uncertainties (MBq per point),
    effective_half_life_h, trapezoid_start, administered_mbq (as ``theradose tia`` flags).
    decay_data: "icrp107" (default) or "endf", for the nuclide's half-life.
    """
    spec = dict(times_h=[float(t) for t in times_h], values=[float(v) for v in values],
                nuclide=str(nuclide), model=str(model), decay_data=_decay_data(decay_data))
    spec.update(options)
    return _json.loads(_theradose._tia(_json.dumps(spec)))


def bed(dose_gy, alpha_beta_gy, repair_half_time_h, effective_half_life_h, **options):
    """Biologically effective dose of a decaying dose rate: the dict of ``theradose bed``'s JSON."""
    spec = dict(dose_gy=float(dose_gy), alpha_beta_gy=float(alpha_beta_gy),
                repair_half_time_h=float(repair_half_time_h),
                effective_half_life_h=float(effective_half_life_h))
    spec.update(options)
    return _json.loads(_theradose._bed(_json.dumps(spec)))


def calibrate_response(data=None, out=None, tissue="tumour", tracer="fdg", samples=4000, seed=1):
    """Calibrate the tumour response model against lesion-level outcomes: the dict of
    ``theradose calibrate-response``'s ``calibration.json``.

    data: an outcome table (CSV; default the bundled data/biology/outcomes/lesion_response.csv);
    out: a folder for calibration.json, calibration.csv and the figures (nothing written when
    None). The result holds ``alpha_mean_per_gy``, ``sigma_alpha_per_gy``, their standard errors,
    ``rows`` (observed, predicted, low95, high95, inside per observation), ``fit_score`` and
    ``holdout_score`` (inside_fraction, slope, slope_se) and the dose-response ``curves``.
    """
    spec = dict(data=None if data is None else str(data), tissue=str(tissue), tracer=str(tracer),
                samples=int(samples), seed=int(seed))
    return _json.loads(_theradose._calibrate_response(
        _json.dumps(spec), None if out is None else str(out)))


def run_study(path, out=None, histories=None, threads=None, figures=None, force=False):
    """Runs a study file as ``theradose study`` does; returns its metrics.json as a dict (the
    summary for study kinds without metrics), and for a cell-tracking study a
    :class:`CellTrackingResult` (detectability and cell-dose rows with the CSV columns, the
    figure and report paths, the summary; ``result["points"]`` still reads the summary).
    ``out`` defaults to results/<name>. A study
    continues its own Monte Carlo checkpoint in ``out`` and refuses another study's;
    ``force=True`` removes the checkpoints first (``theradose study --force``).

    ``figures`` is a dict of ``[figures]`` keys put over the study file's own section, e.g.
    ``{"style": "slides", "dpi": 150, "formats": ["png", "svg"], "slices": ["coronal"],
    "width_mm": 180, "regions": ["kidneys"], "through": "lesion_1"}``."""
    fig = None if figures is None else _json.dumps(dict(figures))
    if force:
        _theradose._remove_checkpoints(str(path), None if out is None else str(out))
    text, folder, kind = _theradose._run_study(str(path), None if out is None else str(out),
                                               histories, threads, fig)
    metrics = _json.loads(text)
    if kind == "cell_tracking":
        return CellTrackingResult._from_summary(metrics, folder)
    return metrics
