"""The Python package against the command line on the same inputs (issue 15): the same seed
gives the same dose bit for bit, arrays are oriented like the CLI's NIfTI files (read with
nibabel), dicts equal the CLI's JSON, and bad arguments raise ValueError naming them."""

import csv
import json
import os
import signal
import threading
import time

import nibabel as nib
import numpy as np
import pytest

import theradose


def export(cli, tmp_path, name, voxel_mm, groups=()):
    """The CLI's NIfTI export of a built-in phantom: (density image, labels image)."""
    out = tmp_path / f"{name}.nii.gz"
    args = ["phantom", "export", name, "--voxel-mm", voxel_mm, "--out", out]
    if groups:
        args += ["--groups", ",".join(groups)]
    cli(*args)
    return nib.load(out), nib.load(tmp_path / f"{name}_labels.nii.gz")


def test_version_matches_the_cli(cli):
    assert cli("--version").split()[-1] == theradose.__version__


def test_phantom_arrays_are_oriented_like_the_cli_nifti(cli, tmp_path):
    ph = theradose.Phantom.builtin("mouse", voxel_mm=2.0)
    dens, labels = export(cli, tmp_path, "mouse", 2.0)
    assert ph.shape == dens.shape
    assert ph.shape[0] != ph.shape[2], "an anisotropic grid, so a transposition would show"
    assert ph.spacing_mm == pytest.approx(dens.header.get_zooms()[:3])
    np.testing.assert_array_equal(ph.density_g_cm3, np.asarray(dens.dataobj, dtype=np.float32))
    np.testing.assert_array_equal(ph.labels, np.asarray(labels.dataobj).astype(np.uint16))
    # world geometry: the affine of the NIfTI is direction * spacing, translated to the origin
    affine = np.eye(4)
    affine[:3, :3] = np.asarray(ph.direction) * np.asarray(ph.spacing_mm)
    affine[:3, 3] = ph.origin_mm
    np.testing.assert_allclose(dens.affine, affine, atol=1e-4)
    names = json.loads((tmp_path / "mouse.json").read_text())["regions"]
    assert ph.region_names == [r["name"] for r in names]
    kid = ph.region_mask("kidneys")
    assert kid.dtype == bool and kid.shape == ph.shape
    assert kid.sum() == (ph.labels == ph.region_names.index("kidneys")).sum() > 0


def test_anisotropic_voxels_match_the_cli_export(cli, tmp_path):
    ph = theradose.Phantom.builtin("water-cube", voxel_mm=(20.0, 25.0, 10.0))
    out = tmp_path / "slab.nii.gz"
    cli("phantom", "export", "water-cube", "--voxel-mm", "20,25,10", "--out", str(out))
    dens = nib.load(out)
    assert ph.shape == dens.shape == (10, 8, 20)
    assert ph.spacing_mm == pytest.approx((20.0, 25.0, 10.0))
    assert dens.header.get_zooms()[:3] == pytest.approx((20.0, 25.0, 10.0))
    np.testing.assert_array_equal(ph.density_g_cm3, np.asarray(dens.dataobj, dtype=np.float32))
    with pytest.raises(ValueError, match="voxel_mm"):
        theradose.Phantom.builtin("water-cube", voxel_mm=(20.0, -1.0, 10.0))


def tia_file(ph, dens_img, tmp_path, region="lesion_1", bq_s=1e9):
    tia = np.where(ph.region_mask(region), bq_s, 0.0)
    tia[ph.shape[0] // 2, ph.shape[1] // 2, ph.shape[2] // 2] += bq_s  # an off-region hot voxel
    path = tmp_path / "tia.nii.gz"
    nib.save(nib.Nifti1Image(tia, dens_img.affine), path)
    return tia, path


# how regions.csv prints its columns (src/dosimetry/regions.rs); others are {:.6e}
CSV_FORMAT = {"mass_g": "{:.6f}", "rel_uncertainty": "{:.4e}", "voxels": "{}",
              "v2gy_fraction": "{:.6f}", "v5gy_fraction": "{:.6f}", "v10gy_fraction": "{:.6f}",
              "v20gy_fraction": "{:.6f}"}


def read_regions_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("method", ["mc", "ldm", "vsv"])
def test_dose_equals_the_cli_bit_for_bit(cli, tmp_path, method):
    ph = theradose.Phantom.builtin("adult", voxel_mm=16.0, groups=["lesions"])
    dens, _ = export(cli, tmp_path, "adult", 16.0, ["lesions"])
    tia, path = tia_file(ph, dens, tmp_path)
    out = tmp_path / f"cli-{method}"
    cache = tmp_path / "kernels"
    opts = dict(histories=20_000, seed=7)
    extra = []
    if method == "vsv":
        opts.update(kernel_histories=20_000, kernel_n=4, kernel_cache=cache)
        extra = ["--kernel-histories", 20000, "--kernel-n", 4, "--kernel-cache", cache]
    cli("dose", "--method", method, "--phantom", "adult", "--groups", "lesions", "--tia", path,
        "--nuclide", "Lu-177", "--histories", 20000, "--seed", 7, "--out", out, *extra)
    r = theradose.dose(ph, tia, nuclide="Lu-177", method=method, **opts)
    cli_dose = np.asarray(nib.load(out / "dose.nii.gz").dataobj)
    assert r.dose_gy.shape == ph.shape and r.dose_gy.dtype == np.float64
    assert r.dose_gy.max() > 0
    # the CLI stores float32: the same computation rounds to the same bits
    np.testing.assert_array_equal(r.dose_gy.astype(np.float32), cli_dose)
    if method == "mc":
        cli_unc = np.asarray(nib.load(out / "uncertainty.nii.gz").dataobj)
        np.testing.assert_array_equal(r.rel_uncertainty.astype(np.float32), cli_unc)
    else:
        assert r.rel_uncertainty is None
    rows = read_regions_csv(out / "regions.csv")
    assert [list(d.keys()) for d in r.regions] == [list(row.keys()) for row in rows]
    for mine, theirs in zip(r.regions, rows):
        assert mine["region"] == theirs["region"]
        for key, text in theirs.items():
            if key != "region":  # the same number, printed as regions.csv prints it
                assert float(text) == float(CSV_FORMAT.get(key, "{:.6e}").format(mine[key])), key
    # writing from Python gives the CLI's table
    r.write(tmp_path / f"py-{method}")
    assert (tmp_path / f"py-{method}" / "regions.csv").read_text() == (out / "regions.csv").read_text()
    # a folder that holds results is kept, as on the command line, unless force=True
    with pytest.raises(RuntimeError, match="already holds the results"):
        r.write(tmp_path / f"py-{method}")
    r.write(tmp_path / f"py-{method}", force=True)


def test_mc_dose_does_not_depend_on_threads():
    ph = theradose.Phantom.builtin("water-cube", voxel_mm=10.0)
    tia = np.zeros(ph.shape)
    tia[ph.shape[0] // 2, ph.shape[1] // 2, ph.shape[2] // 2] = 1e9
    a = theradose.dose(ph, tia, nuclide="Lu-177", method="mc", histories=5000, seed=3, threads=1)
    b = theradose.dose(ph, tia, nuclide="Lu-177", method="mc", histories=5000, seed=3, threads=2)
    np.testing.assert_array_equal(a.dose_gy, b.dose_gy)
    c = theradose.dose(ph, tia, nuclide="Lu-177", method="mc", histories=5000, seed=4, threads=2)
    assert not np.array_equal(a.dose_gy, c.dose_gy), "another seed, other histories"


def test_from_ct_keeps_orientation_and_names_regions():
    hu = np.full((6, 5, 4), -1000.0)
    hu[1:5, 1:4, 1:3] = 0.0  # water
    hu[2, 2, 1] = 1200.0  # bone
    labels = np.zeros(hu.shape, dtype=np.int32)
    labels[1:5, 1:4, 1:3] = 1
    labels[2, 2, 1] = 2
    ph = theradose.Phantom.from_ct(hu, spacing_mm=(2.0, 3.0, 4.0), origin_mm=(-5.0, 1.0, 2.0),
                                   labels=labels, label_names={1: "body", 2: "bone"})
    assert ph.shape == (6, 5, 4)
    assert ph.spacing_mm == (2.0, 3.0, 4.0) and ph.origin_mm == (-5.0, 1.0, 2.0)
    assert ph.direction == ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    np.testing.assert_array_equal(ph.labels, labels.astype(np.uint16))
    assert ph.region_names == ["outside", "body", "bone"]
    d = ph.density_g_cm3
    assert d[2, 2, 1] > 1.3, "bone HU gives a bone density at [2, 2, 1]"
    assert d[3, 2, 1] == pytest.approx(1.0, abs=0.05), "HU 0 is water"
    assert d[0, 0, 0] < 0.01, "air"
    flipped = theradose.Phantom.from_ct(hu, spacing_mm=(2, 3, 4),
                                        direction=[[-1, 0, 0], [0, -1, 0], [0, 0, 1]])
    assert flipped.direction[0] == (-1.0, 0.0, 0.0)
    assert flipped.region_names == ["outside", "body"]


def test_dicts_equal_the_cli_json(cli):
    assert theradose.decay("Ac-225", chain=True) == json.loads(
        cli("decay", "--nuclide", "Ac-225", "--chain"))
    assert theradose.decay("Lu-177") == json.loads(cli("decay", "--nuclide", "Lu-177"))
    endf = theradose.decay("Lu-177", decay_data="endf")
    assert endf == json.loads(cli("decay", "--nuclide", "Lu-177", "--decay-data", "endf"))
    assert endf["decay_data"] == "endf" and theradose.decay("Lu-177")["decay_data"] == "icrp107"
    assert theradose.bed(dose_gy=20, alpha_beta_gy=2.6, repair_half_time_h=2.8,
                         effective_half_life_h=50) == json.loads(
        cli("bed", "--dose-gy", 20, "--alpha-beta-gy", 2.6, "--repair-half-time-h", 2.8,
            "--effective-half-life-h", 50))
    times, values = [1, 24, 96, 168], [5.1, 4.2, 1.9, 0.8]
    assert theradose.tia(times_h=times, values=values, nuclide="Lu-177", model="auto") == json.loads(
        cli("tia", "--times-h", "1,24,96,168", "--values", "5.1,4.2,1.9,0.8", "--nuclide", "Lu-177"))


def test_calibrate_response_equals_the_cli_files(cli, tmp_path):
    """The calibration from Python is the CLI's calibration.json, number for number."""
    cli("calibrate-response", "--out", tmp_path / "cli", "--samples", 500, "--seed", 3)
    from_cli = json.loads((tmp_path / "cli" / "calibration.json").read_text())
    res = theradose.calibrate_response(samples=500, seed=3, out=tmp_path / "py")
    assert (tmp_path / "py" / "calibration.csv").read_text() == (
        tmp_path / "cli" / "calibration.csv").read_text()
    for key in ["alpha_mean_per_gy", "sigma_alpha_per_gy", "alpha_mean_se", "holdout_score",
                "fit_score"]:
        assert res[key] == from_cli[key], key
    assert [r["id"] for r in res["rows"]] == [r["id"] for r in from_cli["rows"]]
    with pytest.raises(ValueError, match="samples"):
        theradose.calibrate_response(samples=10)


def test_run_study_returns_the_metrics_it_writes(cli, repo, tmp_path):
    study = repo / "studies" / "quickstart-ci.toml"
    # the figures= argument goes over the study's [figures]: SVG only, at 100 dpi
    m = theradose.run_study(study, out=tmp_path / "py", figures={"formats": ["svg"], "dpi": 100})
    assert m == json.loads((tmp_path / "py" / "metrics.json").read_text())
    assert (tmp_path / "py" / "dose_map.svg").exists()
    assert not (tmp_path / "py" / "dose_map.png").exists()
    cli("study", study, "--out", tmp_path / "cli")
    c = json.loads((tmp_path / "cli" / "metrics.json").read_text())

    def strip(x):  # wall-clock times differ between two runs, nothing else may
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if "seconds" not in k and "per_second" not in k}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    assert strip(m) == strip(c)


def test_bad_arguments_raise_value_errors_naming_them():
    ph = theradose.Phantom.builtin("water-cube", voxel_mm=20.0)
    tia = np.ones(ph.shape)
    cases = [
        (dict(histories=0), "histories"),
        (dict(method="fast"), "method"),
        (dict(nuclide="Lu-999"), "nuclide"),
        (dict(threads=0), "threads"),
        (dict(kernel_histories=0, method="vsv"), "kernel_histories"),
        (dict(target_uncertainty=-1.0, region="water"), "target_uncertainty"),
        (dict(no_such_option=1), "no_such_option"),
    ]
    for kwargs, field in cases:
        args = dict(nuclide="Lu-177", method="mc", histories=100)
        args.update(kwargs)
        with pytest.raises(ValueError, match=field):
            theradose.dose(ph, tia, **args)
    with pytest.raises(ValueError, match="tia"):
        theradose.dose(ph, np.ones((2, 2, 2)), nuclide="Lu-177")
    with pytest.raises(ValueError, match="tia"):
        theradose.dose(ph, -tia, nuclide="Lu-177", method="ldm")
    with pytest.raises(ValueError, match="tia"):
        theradose.dose(ph, np.zeros(ph.shape), nuclide="Lu-177", method="ldm")
    with pytest.raises(ValueError, match="spacing_mm"):
        theradose.Phantom.from_ct(np.zeros((2, 2, 2)), spacing_mm=(1, 0, 1))
    with pytest.raises(ValueError, match="direction"):
        theradose.Phantom.from_ct(np.zeros((2, 2, 2)), spacing_mm=(1, 1, 1),
                                  direction=[[1, 1, 0], [0, 1, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="labels"):
        theradose.Phantom.from_ct(np.zeros((2, 2, 2)), spacing_mm=(1, 1, 1),
                                  labels=np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="name"):
        theradose.Phantom.builtin("no-such-phantom")
    with pytest.raises(ValueError, match="name"):
        ph.region_mask("no-such-region")
    with pytest.raises(ValueError, match="nuclide"):
        theradose.decay("Xx-1")
    with pytest.raises(ValueError, match="decay_data.*icrp107.*endf"):
        theradose.decay("Lu-177", decay_data="jeff")
    with pytest.raises(ValueError, match="decay_data.*icrp107.*endf"):
        theradose.dose(ph, np.ones(ph.shape), "Lu-177", method="ldm", decay_data="jeff")


def test_ctrl_c_stops_a_run_cleanly():
    # a process started with SIGINT ignored (a background job of a shell without job control)
    # never turns SIGINT into KeyboardInterrupt, and this run of 1e10 decays would not stop:
    # give the test Python's own handler, as an interactive session has
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    ph = theradose.Phantom.builtin("water-cube", voxel_mm=10.0)
    tia = np.ones(ph.shape)
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    t0 = time.monotonic()
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            theradose.dose(ph, tia, nuclide="Lu-177", method="mc", histories=10**10, seed=1)
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    assert time.monotonic() - t0 < 30, "stops at the end of a round, not after 1e10 decays"
    # the next run is not affected by the interrupt
    r = theradose.dose(ph, tia, nuclide="Lu-177", method="mc", histories=2000, seed=1)
    assert r.dose_gy.sum() > 0
