//! The world medium (issue 21): a homogeneous material around the voxel grid, transported
//! without voxels (`[phantom] world = { material, radius_mm | half_size_mm }`).
//!
//! - EGSnrc's like-for-like photon problem (`sp_phot_elocal` of the peer inputs: 140 keV
//!   photons from a point at the centre of a 10 cm radius water sphere, vacuum outside,
//!   electrons deposited where set in motion, 10 keV cut-offs) on a 4 cm grid of 5 mm voxels in
//!   a 10 cm water world sphere: the absorbed fraction, (deposited + below cut-off) / 0.14 MeV,
//!   against EGSnrc's 0.31252 +- 0.00012 (6e6 histories, EGSnrc commit 9edee3eb, the input's
//!   header) within 0.5% (theradose's own 10 cm sphere kernel gives 0.31222, -0.1%; 1e6
//!   histories give about 0.1% 1-sigma).
//! - The same small grid in a 20 cm water world box scores the dose of its 4 cm core as a
//!   20 cm grid of water voxels does, for 140 keV photons and for 1 MeV electrons started 1 mm
//!   inside a face of the core (electrons leave the core into the world and come back). Both
//!   within 3 sigma (the large grid runs another seed, so the two are independent); without the
//!   world the core misses the scatter from outside: photons by several %, electrons by about
//!   2 %, which the test requires too (at least 3 % and 1 %, each 5 standard deviations of the
//!   difference).
//!
//! Measured: absorbed fraction 0.31186 (-0.21%); core dose in the world against the large grid
//! -0.07% (photons, 1e6) and -0.17% (electrons, 1e5, -1.0 sigma); without the world -6.5% and
//! -2.2%. The electrons' loss had been required to exceed 2 % at 1e5 histories, the size of the
//! effect itself: a change of random stream (session 23) gave -1.98 % (1.95226e-12 against
//! 1.91365e-12, 11 sigma of the difference) and failed it; 4e5 histories (0.4 s) and the
//! significance test make the check one of the effect's existence, as intended.

use std::path::Path;
use theradose::context::Context;
use theradose::run::spec::RunFile;
use theradose::study::runfile::{run_file, RunOptions, RunResult};

/// A phantom file: a water cube of `half_mm` in a box of the same size (or of `box_half_mm`
/// of air around it), label "core" for its central 4 cm, voxels of 5 mm.
fn phantom(dir: &Path, name: &str, box_half_mm: f64) -> String {
    let p = dir.join(format!("{name}.toml"));
    let s = 2.0 * box_half_mm;
    std::fs::write(
        &p,
        format!(
            "name = \"{name}\"\ndescription = \"water\"\nsize_mm = [{s}, {s}, {s}]\nbackground = \"water\"\ndefault_voxel_mm = 5.0\n\
[[shape]]\nlabel = \"core\"\nmaterial = \"water\"\nkind = \"box\"\ncenter_mm = [0.0, 0.0, 0.0]\nhalf_size_mm = [20.0, 20.0, 20.0]\n"
        ),
    )
    .unwrap();
    p.to_str().unwrap().to_string()
}

fn run(ctx: &Context, dir: &Path, tag: &str, text: &str) -> RunResult {
    let file: RunFile = toml::from_str(text).unwrap();
    run_file(ctx, file, &dir.join(tag), &RunOptions::default()).unwrap()
}

fn core(r: &RunResult) -> (f64, f64) {
    let row = r.summary.regions.iter().find(|x| x.name == "core").unwrap();
    (row.mean_dose_gy_per_particle.unwrap(), row.rel_uncertainty)
}

#[test]
fn photons_in_a_world_sphere_against_egsnrc_sp_phot_elocal() {
    let ctx = Context::load().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let small = phantom(dir.path(), "small", 20.0);
    let r = run(
        &ctx,
        dir.path(),
        "sphere",
        &format!(
            "name = \"w\"\n[phantom]\nbuiltin = {small:?}\nworld = {{ material = \"water\", radius_mm = 100 }}\n[source]\nkind = \"point\"\nposition_mm = [0, 0, 0]\nenergy_mev = 0.14\n[run]\nhistories = 1000000\nphoton_cutoff_kev = 10\nelectron_transport = false\n"
        ),
    );
    let b = &r.summary.energy_balance;
    let af = (b.deposited_mev + b.below_cutoff_mev) / b.emitted_mev;
    let dev = af / 0.31252 - 1.0;
    eprintln!(
        "world sphere: absorbed fraction {af:.5} ({:+.2}% vs EGSnrc)",
        100.0 * dev
    );
    assert!(dev.abs() < 0.005, "{af}");
    assert!(b.relative_discrepancy < 1e-9);
}

#[test]
fn a_small_grid_in_a_world_box_scores_as_a_large_grid() {
    let ctx = Context::load().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let small = phantom(dir.path(), "small", 20.0);
    let big = phantom(dir.path(), "big", 100.0);
    let world = "world = { material = \"water\", half_size_mm = [100, 100, 100] }\n";
    let cases = [
        (
            "photons",
            "[source]\nkind = \"point\"\nposition_mm = [0, 0, 0]\nenergy_mev = 0.14\n[run]\nhistories = 1000000\nphoton_cutoff_kev = 10\nelectron_transport = false\n",
            0.03,
        ),
        (
            "electrons",
            "[source]\nparticle = \"electron\"\nkind = \"point\"\nposition_mm = [19.0, 2.5, 2.5]\nenergy_mev = 1.0\n[run]\nhistories = 400000\nelectron_cutoff_kev = 20\n",
            0.01,
        ),
    ];
    for (tag, src, min_loss) in cases {
        let head =
            |ph: &str, w: &str| format!("name = \"{tag}\"\n[phantom]\nbuiltin = {ph:?}\n{w}");
        let with = run(
            &ctx,
            dir.path(),
            &format!("{tag}-world"),
            &format!("{}{src}", head(&small, world)),
        );
        // another seed: the same seed would follow most histories identically in both grids
        let src2 = src.replace("[run]\n", "[run]\nseed = 2\n");
        let full = run(
            &ctx,
            dir.path(),
            &format!("{tag}-big"),
            &format!("{}{src2}", head(&big, "")),
        );
        let bare = run(
            &ctx,
            dir.path(),
            &format!("{tag}-bare"),
            &format!("{}{src}", head(&small, "")),
        );
        let ((dw, uw), (df, uf), (db, ub)) = (core(&with), core(&full), core(&bare));
        let sigma = (dw * dw * uw * uw + df * df * uf * uf).sqrt();
        let z = (dw - df) / sigma;
        eprintln!(
            "{tag}: core {dw:.5e} in the world, {df:.5e} in the large grid ({:+.2}%, {z:+.2} sigma), {db:.5e} without the world ({:+.1}%); {:.1} s vs {:.1} s",
            100.0 * (dw / df - 1.0),
            100.0 * (db / df - 1.0),
            with.summary.seconds.unwrap_or(0.0),
            full.summary.seconds.unwrap_or(0.0)
        );
        assert!(uw < 0.01 && uf < 0.01, "statistics {uw} {uf}");
        assert!(z.abs() < 3.0, "{tag}: {z} sigma");
        // the loss without the world: at least `min_loss`, and 5 standard deviations of the
        // difference (the runs are independent: another seed or another geometry)
        let sigma_loss = (db * db * ub * ub + df * df * uf * uf).sqrt();
        assert!(
            db < df * (1.0 - min_loss) && df - db > 5.0 * sigma_loss,
            "{tag}: without the world {db} vs {df} (difference {:.1} sigma)",
            (df - db) / sigma_loss
        );
    }
}

#[test]
fn world_fields_are_checked() {
    let ctx = Context::load().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let small = phantom(dir.path(), "small", 20.0);
    let err = |w: &str| {
        let text = format!("name = \"e\"\n[phantom]\nbuiltin = {small:?}\nworld = {{ {w} }}\n[source]\nkind = \"point\"\nposition_mm = [0, 0, 0]\nenergy_mev = 0.14\n[run]\nhistories = 10\n");
        let file: RunFile = toml::from_str(&text).unwrap();
        let o = dir.path().join(format!("e{}", w.len()));
        format!(
            "{:#}",
            run_file(&ctx, file, &o, &RunOptions::default()).unwrap_err()
        )
    };
    let e = err("material = \"water\", radius_mm = 30");
    assert!(
        e.contains("phantom.world.radius_mm") && e.contains("34.6"),
        "{e}"
    );
    let e = err("material = \"water\", half_size_mm = [30, 30, 10]");
    assert!(e.contains("phantom.world.half_size_mm"), "{e}");
    let e = err("material = \"water\"");
    assert!(
        e.contains("phantom.world") && e.contains("radius_mm"),
        "{e}"
    );
    let e = err("material = \"unobtainium\", radius_mm = 100");
    assert!(
        e.contains("phantom.world.material") && e.contains("unobtainium"),
        "{e}"
    );
}

/// Alphas in a world of air: 5 MeV alphas (CSDA range in air about 3.6 cm, ASTAR) from the
/// centre of a 2 cm cube of air leave the grid after 1-1.7 cm. In a 10 cm air world sphere they
/// stop in the world: deposited = emitted, nothing escapes. In a world box only 1 mm beyond the
/// grid they leave the world with most of their energy. The grid's own deposits are the same in
/// both and without the world (straight tracks).
#[test]
fn alphas_follow_their_range_through_an_air_world() {
    let ctx = Context::load().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("air.toml");
    std::fs::write(
        &p,
        "name = \"air\"\ndescription = \"air cube\"\nsize_mm = [20.0, 20.0, 20.0]\nbackground = \"air\"\ndefault_voxel_mm = 2.0\n\
[[shape]]\nlabel = \"core\"\nmaterial = \"air\"\nkind = \"box\"\ncenter_mm = [0.0, 0.0, 0.0]\nhalf_size_mm = [10.0, 10.0, 10.0]\n",
    )
    .unwrap();
    let air = p.to_str().unwrap();
    let src = "[source]\nparticle = \"alpha\"\nkind = \"point\"\nposition_mm = [1.0, 1.0, 1.0]\nenergy_mev = 5.0\n[run]\nhistories = 20000\n";
    let go = |tag: &str, w: &str| {
        run(
            &ctx,
            dir.path(),
            tag,
            &format!("name = \"{tag}\"\n[phantom]\nbuiltin = {air:?}\n{w}{src}"),
        )
    };
    let far = go("far", "world = { material = \"air\", radius_mm = 100 }\n");
    let near = go(
        "near",
        "world = { material = \"air\", half_size_mm = [11, 11, 11] }\n",
    );
    let bare = go("bare", "");
    let (bf, bn, bb) = (
        &far.summary.energy_balance,
        &near.summary.energy_balance,
        &bare.summary.energy_balance,
    );
    let grid = |r: &RunResult| core(r).0;
    eprintln!(
        "alphas in air: emitted {:.4e}; 10 cm world deposited {:.4e} escaped {:.3e}; 1 mm world deposited {:.4e} escaped {:.4e}; no world deposited {:.4e}",
        bf.emitted_mev, bf.deposited_mev, bf.escaped_mev, bn.deposited_mev, bn.escaped_mev, bb.deposited_mev
    );
    assert!(bf.escaped_mev == 0.0 && (bf.deposited_mev / bf.emitted_mev - 1.0).abs() < 1e-9);
    assert!(bn.escaped_mev > 0.5 * bn.emitted_mev, "{bn:?}");
    assert!(
        bn.deposited_mev > bb.deposited_mev,
        "the 1 mm of world air takes some energy"
    );
    assert_eq!(grid(&far), grid(&bare));
    assert_eq!(grid(&near), grid(&bare));
}
