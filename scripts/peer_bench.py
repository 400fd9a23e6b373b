#!/usr/bin/env python3
"""theradose against EGSnrc, side by side on this machine (issue 21).

Runs each pair of the EGSnrc side-by-side inputs (a prebuilt EGSnrc runtime with its inputs,
by default ../shared/peers/egsnrc beside the checkout; its README says what each problem is)
and the matching theradose command alternately, one core each, and writes a Markdown table of
the rates per CPU-second, their ratio (median and range over the pairs) and the physics
agreement of each pair, with the machine's load during the runs.

    scripts/peer_bench.py                       # 3 pairs per problem, about 10 minutes
    scripts/peer_bench.py --scale 0.2 --repeats 2   # a quick look (rates are noisier)
    scripts/peer_bench.py --out results/peer_bench.md

The problems (cut-offs and geometry matched; see the inputs' comment blocks):
  1. 140 keV photons, point source in a 10 cm water sphere, 10 keV cut-offs; EGSnrc transports
     the electrons (sp_phot) or deposits them locally like theradose's photon kernel
     (sp_phot_elocal, the like-for-like pair);
  2. 1 MeV electron dose point kernel in water, 48 shells to 1.2 r0, 10 keV cut-offs (sp_dpk);
  3. Lu-177 in the central voxel of 4.42 mm water voxels, voxel S-values (sp_vox_match).
Two more pairs use theradose's sources given by their emissions and its photon kernels with
transported electrons (issue 21, item 1):
  1c. sp_phot against `kernel --photon-electrons transport` (electrons followed in both);
  3b. sp_vox_match against `vsv --spectrum --lines` with the LNHB/DDEP Lu-177 beta spectrum
      EGSnrc samples and the other LNHB emissions (tests/reference/lu177_lnhb_*.csv), so that
      both codes use the same decay data.
  4. 1 MeV electron broad parallel beam on water, depth dose in 0.2 mm slabs, 10 keV cut-offs
     (the input is the repository's tests/reference/egsnrc_1mev_broadbeam.egsinp; theradose
     runs `beam` on the 2 x 2 cm water slab of tests/data/water_slab.toml).

CPU time is user + sys of the whole process (EGSnrc: as its run-egs.sh prints it, start-up
included; theradose: from the kernel's resource usage of the child). Rates are primaries per
CPU-second: photons, electrons, decays. Nothing in tests or at run time uses this script.
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MEV_J = 1.602176634e-13
# the central 4.42 mm voxel of sp_vox_match (g): 0.442^3 cm3 of water
VOXEL_G = 0.442**3

# name, EGSnrc input, its ncase, theradose arguments (histories last), theradose histories
PROBLEMS = {
    "photon": {
        "egs": ["sp_phot", "sp_phot_elocal"],
        "ncase": {"sp_phot": 6_000_000, "sp_phot_elocal": 6_000_000},
        "td": ["kernel", "--particle", "photon", "--energy", "0.14", "--medium", "water",
               "--radius", "10", "--shells", "40", "--electron-cutoff-kev", "10",
               "--photon-cutoff-kev", "10"],
        "histories": 100_000_000,
    },
    "dpk": {
        "egs": ["sp_dpk"],
        "ncase": {"sp_dpk": 220_000},
        "td": ["kernel", "--particle", "electron", "--energy", "1", "--medium", "water",
               "--radius", "0.5241", "--shells", "48", "--electron-cutoff-kev", "10",
               "--photon-cutoff-kev", "10"],
        "histories": 800_000,
    },
    "lu177": {
        "egs": ["sp_vox_match"],
        "ncase": {"sp_vox_match": 14_000_000},
        "td": ["vsv", "--nuclide", "Lu-177", "--voxel-mm", "4.42", "--medium", "water",
               "--n", "7"],
        "histories": 22_000_000,
    },
    "photon_tr": {
        "egs": ["sp_phot"],
        "ncase": {"sp_phot": 6_000_000},
        "td": ["kernel", "--particle", "photon", "--energy", "0.14", "--medium", "water",
               "--radius", "10", "--shells", "40", "--electron-cutoff-kev", "10",
               "--photon-cutoff-kev", "10", "--photon-electrons", "transport"],
        "histories": 1_200_000,
    },
    "lu177_lnhb": {
        "egs": ["sp_vox_match"],
        "ncase": {"sp_vox_match": 14_000_000},
        "td": ["vsv", "--particle", "electron",
               "--spectrum", str(REPO / "tests/reference/lu177_lnhb_beta_egsnrc.csv"),
               "--lines", str(REPO / "tests/reference/lu177_lnhb_lines.csv"),
               "--voxel-mm", "4.42", "--medium", "water", "--n", "7"],
        "histories": 22_000_000,
    },
    "broadbeam": {
        "egs": ["egsnrc_1mev_broadbeam"],
        "ncase": {"egsnrc_1mev_broadbeam": 250_000},
        "td": ["beam", "--particle", "electron", "--energy", "1", "--phantom",
               str(REPO / "tests" / "data" / "water_slab.toml"), "--voxel-mm", "0.2",
               "--field-cm", "2x2", "--electron-cutoff-kev", "10", "--photon-cutoff-kev", "10"],
        "histories": 800_000,
    },
}

# EGSnrc inputs kept in this repository rather than in the runtime's inputs/
REPO_INPUTS = {"egsnrc_1mev_broadbeam": REPO / "tests" / "reference" / "egsnrc_1mev_broadbeam.egsinp"}

# (EGSnrc input, problem, title); a row is keyed by (input, problem)
ROWS = [
    ("sp_phot", "photon", "1. 140 keV photons, EGSnrc transports electrons (`sp_phot`)"),
    ("sp_phot_elocal", "photon", "1b. the same, electrons local in both (`sp_phot_elocal`)"),
    ("sp_phot", "photon_tr", "1c. the same, electrons transported in both (`sp_phot`, "
     "`--photon-electrons transport`)"),
    ("sp_dpk", "dpk", "2. 1 MeV electron DPK (`sp_dpk`)"),
    ("sp_vox_match", "lu177", "3. Lu-177 voxel S-values, matched (`sp_vox_match`), per decay"),
    ("sp_vox_match", "lu177_lnhb", "3b. the same with EGSnrc's LNHB spectrum and lines "
     "(`--spectrum --lines`)"),
    ("egsnrc_1mev_broadbeam", "broadbeam",
     "4. 1 MeV electron broad beam, 0.2 mm slabs (`egsnrc_1mev_broadbeam`)"),
]


def load():
    return os.getloadavg()[0]


def run_egs(egs_dir, name, ncase, scratch):
    """Runs one EGSnrc input with `ncase` histories; returns (primaries, cpu_s, log text)."""
    src = REPO_INPUTS.get(name, egs_dir / "inputs" / f"{name}.egsinp").read_text()
    text, n = re.subn(r"(?m)^(\s*ncase\s*=\s*)\S+", rf"\g<1>{ncase}", src)
    if n != 1:
        sys.exit(f"{name}.egsinp: expected one 'ncase =' line, found {n}")
    inp = scratch / f"{name}.egsinp"
    inp.write_text(text)
    env = dict(os.environ, EGS_SCRATCH=str(scratch))
    p = subprocess.run(["bash", str(egs_dir / "run-egs.sh"), str(inp)], capture_output=True,
                       text=True, env=env)
    out = p.stdout + p.stderr
    if p.returncode != 0 or "egs_app exit:   0" not in out:
        sys.exit(f"EGSnrc failed on {name}:\n{out[-3000:]}")
    cpu = float(re.search(r"process CPU:\s+([\d.]+) s", out).group(1))
    prim = int(re.search(r"primaries:\s+(\d+)", out).group(1))
    log = Path(re.search(r"EGSnrc log:\s+(\S+)", out).group(1)).read_text()
    return prim, cpu, log


def run_td(exe, args, histories, scratch):
    """Runs theradose on one thread; returns (primaries, cpu_s, JSON summary, CSV path)."""
    csv = scratch / f"td.{len(list(scratch.glob('td.*.csv')))}.csv"
    cmd = [str(exe), *args, "--histories", str(histories), "--threads", "1", "--out", str(csv)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True,
                       env=dict(os.environ, THERADOSE_NO_PROGRESS="1"))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"theradose failed: {' '.join(cmd)}\n{p.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.loads(p.stdout)
    return summary["histories"], cpu, summary, csv


def egs_regions(log):
    """Edep per particle (MeV) by region of 'Summary of region dosimetry'."""
    part = log.split("Summary of region dosimetry", 1)[1].split("Summary of media", 1)[0]
    return {int(m.group(1)): float(m.group(2))
            for m in re.finditer(r"(?m)^\s*(\d+)\s+\S+\s+[\d.]+\s+[\d.]+\s+([\d.eE+-]+)", part)}


def egs_media_edep(log):
    part = log.split("Summary of media dosimetry", 1)[1]
    return float(re.search(r"(?m)^water\s+([\d.eE+-]+)", part).group(1))


def kernel_shells(csv):
    rows = [line.split(",") for line in csv.read_text().splitlines()[1:] if line]
    return [float(r[2]) for r in rows]


def peak(fractions, width):
    """(peak j, its x = r/r0 at the shell's middle) of shell energy fractions of width `width`."""
    j = [f / width for f in fractions]
    k = max(range(len(j)), key=j.__getitem__)
    return j[k], (k + 0.5) * width


def physics(row, log, summary, csv):
    """One line of physics agreement between EGSnrc's log and theradose's outputs."""
    if row in ("sp_phot", "sp_phot_elocal"):
        egs = egs_media_edep(log) / 0.14
        td = summary["absorbed_fraction"]
        return f"absorbed fraction EGSnrc {egs:.5f}, theradose {td:.5f} ({(td / egs - 1) * 100:+.2f} %)"
    if row == "sp_dpk":
        reg = egs_regions(log)
        e = [reg[i] / 1.0 for i in range(48)]
        t = kernel_shells(csv)
        (je, xe), (jt, xt) = peak(e, 0.025), peak(t, 0.025)
        return (f"E0 inside 1.2 r0: EGSnrc {sum(e):.5f}, theradose {sum(t):.5f}; "
                f"peak j {je:.3f} at x = {xe:.4f} against {jt:.3f} at {xt:.4f}")
    if row == "sp_vox_match":
        egs = egs_regions(log)[2456] * MEV_J / (VOXEL_G * 1e-3) * 1e9
        td = summary["s_000_mgy_per_mbq_s"]
        return (f"self-voxel S EGSnrc {egs:.5f}, theradose {td:.5f} mGy/(MBq s) "
                f"({(td / egs - 1) * 100:+.2f} %; decay data "
                f"{summary.get('decay_data') or summary.get('source', '?')})")
    if row == "egsnrc_1mev_broadbeam":
        reg = egs_regions(log)
        egs = [((i + 0.5) * 0.02, reg[i]) for i in range(28)]
        td = summary["beam"]["r50_cm"]
        return (f"R50 EGSnrc (spin off) {r50(egs) * 10:.3f} mm, theradose {td * 10:.3f} mm "
                f"(tests/beam_charged.rs allows 0.2 mm)")
    return ""


def r50(curve):
    """Depth (cm) beyond the maximum where a (depth, dose) curve falls to half of it."""
    top = max(d for _, d in curve)
    k = max(range(len(curve)), key=lambda i: curve[i][1])
    for (z0, d0), (z1, d1) in zip(curve[k:], curve[k + 1:]):
        if d0 >= 0.5 * top > d1:
            return z0 + (d0 - 0.5 * top) / (d0 - d1) * (z1 - z0)
    return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--egs", type=Path, default=REPO.parent / "shared" / "peers" / "egsnrc",
                    help="the EGSnrc runtime folder (default: ../shared/peers/egsnrc)")
    ap.add_argument("--theradose", type=Path, default=REPO / "target" / "release" / "theradose")
    ap.add_argument("--repeats", type=int, default=3, help="pairs per problem (default 3)")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="histories relative to the inputs' (default 1: about 25 CPU-s a run)")
    ap.add_argument("--problems", default="photon,photon_tr,dpk,lu177,lu177_lnhb,broadbeam",
                    help="comma-separated: photon, photon_tr, dpk, lu177, lu177_lnhb, broadbeam")
    ap.add_argument("--out", type=Path, help="also write the table here (Markdown)")
    a = ap.parse_args()
    if not (a.egs / "run-egs.sh").exists():
        sys.exit(f"{a.egs}: no run-egs.sh (give the EGSnrc runtime with --egs)")
    if not a.theradose.exists():
        sys.exit(f"{a.theradose}: not built (cargo build --release)")
    problems = [p.strip() for p in a.problems.split(",") if p.strip()]
    for p in problems:
        if p not in PROBLEMS:
            sys.exit(f"--problems: unknown '{p}' (expected {', '.join(PROBLEMS)})")
    rates = {(row, p): [] for row, p, _ in ROWS}   # (egs rate, td rate) per pair
    notes, loads = {}, [load()]
    with tempfile.TemporaryDirectory(prefix="peer_bench.") as tmp:
        scratch = Path(tmp)
        for rep in range(a.repeats):
            for p in problems:
                spec = PROBLEMS[p]
                hist = max(1000, round(spec["histories"] * a.scale))
                # alternate which code goes first, so a drift in load favours neither
                order = ["egs", "td"] if rep % 2 == 0 else ["td", "egs"]
                egs_runs, td = {}, None
                for who in order:
                    if who == "td":
                        td = run_td(a.theradose, spec["td"], hist, scratch)
                    else:
                        for name in spec["egs"]:
                            n = max(1000, round(spec["ncase"][name] * a.scale))
                            egs_runs[name] = run_egs(a.egs, name, n, scratch)
                    loads.append(load())
                for name, (prim, cpu, log) in egs_runs.items():
                    rates[(name, p)].append((prim / cpu, td[0] / td[1]))
                    notes[(name, p)] = physics(name, log, td[2], td[3])
                print(f"pair {rep + 1}/{a.repeats} {p}: " + ", ".join(
                    f"{n} {rates[(n, p)][-1][0]:,.0f} vs {rates[(n, p)][-1][1]:,.0f}/CPU-s"
                    for n in spec["egs"]), file=sys.stderr)
    lines = [
        f"theradose against EGSnrc, one core each, {a.repeats} alternated pairs per problem "
        f"at {a.scale:g}x the inputs' histories; 1-minute load average "
        f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores during the runs.",
        "",
        "| problem | EGSnrc (primaries/CPU-s) | theradose (primaries/CPU-s) | ratio, median (range) |",
        "|---|---|---|---|",
    ]
    for row, p, title in ROWS:
        if not rates[(row, p)]:
            continue
        e = statistics.median(r[0] for r in rates[(row, p)])
        t = statistics.median(r[1] for r in rates[(row, p)])
        ratios = [r[1] / r[0] for r in rates[(row, p)]]
        lines.append(f"| {title} | {e:,.0f} | {t:,.0f} | **{statistics.median(ratios):.2f}** "
                     f"({min(ratios):.2f}-{max(ratios):.2f}) |")
    lines += ["", "| problem | physics agreement (last pair) |", "|---|---|"]
    for row, p, title in ROWS:
        if (row, p) in notes:
            lines.append(f"| {title} | {notes[(row, p)]} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if a.out:
        a.out.write_text(table)


if __name__ == "__main__":
    main()
