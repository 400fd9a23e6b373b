//! Photon transport speed: 140 keV isotropic point source at the centre of a 128^3 water phantom
//! of 4 mm voxels (issue 2 target: >= 2 million histories/s on 2 threads), and the memory of a
//! 256^3 run with dose and uncertainty tallies (target < 1.5 GB).
//!
//! Run: `cargo bench --bench photon` (env BENCH_HISTORIES to change the count).

use std::time::Instant;
use theradose::materials::MaterialDb;
use theradose::numerics::Vec3;
use theradose::particle::ParticleKind;
use theradose::phantom::Phantom;
use theradose::physics::photon::PhotonPhysics;
use theradose::run::{execute, RunSettings};
use theradose::source::{Source, Spatial, Spectrum};
use theradose::transport::{Geometry, Transport};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn bench(n: usize, histories: u64, threads: usize) -> f64 {
    let vox = 512.0 / n as f64;
    let db = MaterialDb::load().unwrap();
    let water = db.get("water").unwrap().clone();
    let ph = Phantom::homogeneous(water, 1.0, [n; 3], vox, "water").unwrap();
    let photon = PhotonPhysics::new(&ph.materials).unwrap();
    let t = Transport::new(Geometry::Voxels(&ph), &photon, 1e-3);
    let c = ph.size_cm[0] / 2.0;
    let src = Source {
        particle: ParticleKind::Photon,
        spatial: Spatial::Point(Vec3::new(c, c, c)),
        spectrum: Spectrum::Mono(0.1405),
    };
    let mut s = RunSettings::new(1, histories);
    s.threads = Some(threads);
    let t0 = Instant::now();
    let out = execute(&t, &src, &s).unwrap();
    let rate = histories as f64 / out.seconds;
    println!(
        "{n}^3 water, {vox} mm voxels, 140.5 keV point source, {threads} threads: {histories} histories in {:.2} s = {:.3e} histories/s (setup+run {:.2} s), peak RSS {:.0} MB",
        out.seconds,
        rate,
        t0.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    rate
}

fn main() {
    let h: u64 = std::env::var("BENCH_HISTORIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000_000);
    if std::env::var_os("BENCH_SINGLE").is_some() {
        bench(128, h, 1);
        return;
    }
    bench(128, h, 1);
    bench(128, h, 2);
    bench(256, h / 4, 2);
    if std::env::var_os("BENCH_COARSE").is_some() {
        bench(16, h, 1);
    }
}
