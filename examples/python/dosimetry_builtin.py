"""Lu-177 dosimetry on a built-in phantom from numpy arrays, with a figure.

Run from the repository root after `pip install ./python` (and `pip install matplotlib`):

    python examples/python/dosimetry_builtin.py [--histories 500000] [--out example-out]

It builds the time-integrated activity (TIA) of a Lu-177-PSMA cycle from organ masks and
mono-exponential kinetics, computes the Monte Carlo dose and the voxel S-value dose, prints the
mean dose per organ with its uncertainty, and draws a coronal dose slice and the comparison of
the two methods into dose_example.png.
"""

import argparse
import pathlib

import numpy as np

import theradose

# Kinetics per region: fraction of the administered activity taken up and effective half-life
# (h), the quickstart study's assumptions (studies/quickstart.toml and its sources).
KINETICS = {"kidneys": (0.04, 40.0), "liver": (0.024, 60.0), "salivary_glands": (0.012, 35.0),
            "lesion_1": (0.01, 80.0), "lesion_2": (0.008, 80.0)}
ACTIVITY_BQ = 7.4e9  # one cycle of 7.4 GBq


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--histories", type=int, default=500_000, help="Monte Carlo decays")
    ap.add_argument("--voxel-mm", type=float, default=8.0, help="phantom voxel size (mm)")
    ap.add_argument("--out", default="example-out", help="output folder")
    a = ap.parse_args()
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)

    ph = theradose.Phantom.builtin("adult", voxel_mm=a.voxel_mm, groups=["lesions"])
    tia = np.zeros(ph.shape)
    for region, (fraction, t_eff_h) in KINETICS.items():
        mask = ph.region_mask(region)
        tia_bq_s = ACTIVITY_BQ * fraction * t_eff_h * 3600.0 / np.log(2.0)  # integral of A(t)
        tia[mask] += tia_bq_s / mask.sum()

    mc = theradose.dose(ph, tia, nuclide="Lu-177", method="mc", histories=a.histories, seed=1)
    vsv = theradose.dose(ph, tia, nuclide="Lu-177", method="vsv", kernel_histories=200_000)
    mc.write(out / "dose_mc")  # the files of `theradose dose` (NIfTI, CSV, PNG, JSON)

    print(f"{'region':<18} {'mass (g)':>10} {'MC (Gy)':>10} {'unc.':>7} {'VSV (Gy)':>10}")
    rows = {r["region"]: r for r in vsv.regions}
    for r in mc.regions:
        if r["region"] in KINETICS:
            print(f"{r['region']:<18} {r['mass_g']:>10.1f} {r['mean_gy']:>10.3f} "
                  f"{100 * r['rel_uncertainty']:>6.2f}% {rows[r['region']]['mean_gy']:>10.3f}")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    j = int(np.argmax(mc.dose_gy.max(axis=(0, 2))))  # coronal slice through the hottest voxel
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.1, 3.4), dpi=300)
    sx, _, sz = ph.spacing_mm
    extent = [0, ph.shape[0] * sx, 0, ph.shape[2] * sz]
    ax1.imshow(ph.density_g_cm3[:, j, :].T, origin="lower", cmap="gray", extent=extent)
    im = ax1.imshow(np.ma.masked_less(mc.dose_gy[:, j, :].T, 1e-3), origin="lower",
                    cmap="magma", alpha=0.8, extent=extent)
    fig.colorbar(im, ax=ax1, label="dose (Gy)")
    ax1.set(title=f"Monte Carlo dose, coronal slice j = {j}", xlabel="x (mm)", ylabel="z (mm)")
    names = list(KINETICS)
    x = np.arange(len(names))
    m = [next(r for r in mc.regions if r["region"] == n) for n in names]
    ax2.bar(x - 0.2, [r["mean_gy"] for r in m], 0.4, label="Monte Carlo",
            yerr=[2 * r["mean_gy"] * r["rel_uncertainty"] for r in m])
    ax2.bar(x + 0.2, [rows[n]["mean_gy"] for n in names], 0.4, label="voxel S-values")
    ax2.set_xticks(x, names, rotation=30, ha="right")
    ax2.set(ylabel="mean absorbed dose (Gy)", title="Lu-177, 7.4 GBq")
    ax2.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(out / "dose_example.png")
    print(f"wrote {out / 'dose_example.png'} and {out / 'dose_mc'}")


if __name__ == "__main__":
    main()
