//! Photon transport speed: 140 keV isotropic point source at the centre of a 128^3 water phantom
//! of 4 mm voxels (issue 2 target: >= 2 million histories/s on 2 threads), and the memory of a
//! 256^3 run with dose and uncertainty tallies (target < 1.5 GB).
//!
//! Run: `cargo bench --bench photon` (env BENCH_HISTORIES to change the count; BENCH_TRAVERSAL=1
//! also times exact voxel traversal for comparison with Woodcock tracking; BENCH_SINGLE=1 runs
//! only one case: a BENCH_N^3 grid, default 128, on BENCH_THREADS threads, default 1).
//! Instruction counts do not depend on the machine's load: `BENCH_SINGLE=1 BENCH_N=32
//! BENCH_HISTORIES=100000 valgrind --tool=callgrind` on the bench binary, twice with different
//! history counts, gives instructions per history as the difference over the difference in
//! histories (the set-up cancels).

use std::time::Instant;
use theradose::materials::MaterialDb;
use theradose::numerics::Vec3;
use theradose::particle::ParticleKind;
use theradose::particle::{isotropic_rng, Particle};
use theradose::phantom::Phantom;
use theradose::physics::photon::Fate;
use theradose::physics::photon::PhotonPhysics;
use theradose::rng::HistoryRng;
use theradose::run::{execute, RunSettings};
use theradose::source::{Source, Spatial, Spectrum};
use theradose::tally::{ChunkScore, Tally};
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
        escape: Vec::new(),
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
        // BENCH_N: grid size of the same 51.2 cm cube (to see what the tally's size costs)
        let n = std::env::var("BENCH_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(128);
        let threads = std::env::var("BENCH_THREADS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        bench(n, h, threads);
        return;
    }
    if std::env::var_os("BENCH_TRAVERSAL").is_some() {
        traversal_rate(128, h / 8);
    }
    bench(128, h, 1);
    bench(128, h, 2);
    bench(256, h / 4, 2);
    if std::env::var_os("BENCH_COARSE").is_some() {
        bench(16, h, 1);
    }
}

/// The alternative to Woodcock tracking, for comparison: exact voxel traversal (Amanatides &
/// Woo 1987 / Siddon 1985 style). Each flight samples an optical depth and walks voxel by voxel,
/// subtracting mu * chord until it is used up. Same physics and scoring (voxel bins).
fn traversal_rate(n: usize, histories: u64) -> f64 {
    let db = MaterialDb::load().unwrap();
    let water = db.get("water").unwrap().clone();
    let ph = Phantom::homogeneous(water, 1.0, [n; 3], 512.0 / n as f64, "water").unwrap();
    let phys = PhotonPhysics::new(&ph.materials).unwrap();
    let c = ph.size_cm[0] / 2.0;
    let mut tally = Tally::new(ph.len());
    let mut chunk = ChunkScore::default();
    let mut score = theradose::tally::HistoryScore::default();
    let mut stack: Vec<Particle> = Vec::new();
    let t0 = Instant::now();
    for h in 0..histories {
        let mut rng = HistoryRng::new(1, h);
        score.emitted = 0.1405;
        stack.push(Particle::new(
            ParticleKind::Photon,
            0.1405,
            Vec3::new(c, c, c),
            isotropic_rng(&mut rng),
        ));
        while let Some(mut p) = stack.pop() {
            if p.kind != ParticleKind::Photon {
                if let Some(v) = ph.voxel_at(p.pos) {
                    score.score(v as u32, p.energy_mev);
                }
                score.deposited += p.energy_mev;
                continue;
            }
            'flight: loop {
                if p.energy_mev < 1e-3 {
                    if let Some(v) = ph.voxel_at(p.pos) {
                        score.score(v as u32, p.energy_mev);
                    }
                    break;
                }
                let (i, f) = phys.locate(p.energy_mev);
                let mut tau = rng.mfp();
                let mut guard = 0u32;
                loop {
                    // a position exactly on a voxel face can stall the walk; give up on it
                    guard += 1;
                    if guard > 100_000 {
                        score.escaped += p.energy_mev;
                        break 'flight;
                    }
                    let Some(v) = ph.voxel_at(p.pos) else {
                        score.escaped += p.energy_mev;
                        break 'flight;
                    };
                    let (a, b, cc) = ph.ijk(v);
                    let idx = [a, b, cc];
                    let mut t_b = f64::INFINITY;
                    for (ax, &ia) in idx.iter().enumerate() {
                        let d = p.dir.get(ax);
                        let x = p.pos.get(ax);
                        let w = ph.voxel_cm[ax];
                        let t = if d > 0.0 {
                            ((ia + 1) as f64 * w - x) / d
                        } else if d < 0.0 {
                            (ia as f64 * w - x) / d
                        } else {
                            f64::INFINITY
                        };
                        t_b = t_b.min(t);
                    }
                    let m = ph.material[v] as usize;
                    let mu = phys.mu_rho(m, i, f) * ph.density[v] as f64;
                    if tau <= mu * t_b {
                        p.pos = p.pos + p.dir * (tau / mu);
                        let kind = phys.select(m, i, f, rng.uniform());
                        let (fate, local) =
                            phys.interact(m, kind, &mut p, &mut rng, &mut stack, f64::INFINITY);
                        if local > 0.0 {
                            score.score(v as u32, local);
                            score.deposited += local;
                        }
                        if fate == Fate::Absorbed {
                            break 'flight;
                        }
                        continue 'flight;
                    }
                    tau -= mu * t_b;
                    p.pos = p.pos + p.dir * (t_b.max(0.0) + 1e-9);
                }
            }
        }
        chunk.close_history(&mut score);
        if chunk.len() > 1 << 16 {
            tally.absorb(&mut chunk);
        }
    }
    tally.absorb(&mut chunk);
    let rate = histories as f64 / t0.elapsed().as_secs_f64();
    println!(
        "{n}^3 water, exact voxel traversal instead of Woodcock, 1 thread: {rate:.3e} histories/s"
    );
    rate
}
