//! Electron speed (issue 3): primary 1 MeV electrons per second for the water point kernel
//! (sphere of 1.2 CSDA ranges, 24 shells) with 10 keV electron and photon cut-offs, through
//! `theradose kernel`'s library path. Prints wall-clock histories per second and the process
//! CPU time per 1e4 histories (robust on a loaded machine).
//! Run: `cargo bench --bench electron` (BENCH_ELECTRONS histories, default 40000;
//! BENCH_THREADS, default 2; for step-parameter studies BENCH_C1, BENCH_C2 and BENCH_LOSS
//! override C1, C2 and the step's energy-loss fraction, BENCH_CSV writes the shells CSV;
//! BENCH_ENERGY (MeV) and BENCH_R0 (CSDA range, cm) another energy with the kernel's default
//! cut-offs).

use std::time::Instant;
use theradose::dosimetry::point_kernel::{run_kernel_with, KernelSpec, KernelSteps};

/// The loaded data of the library.
fn ctx() -> theradose::context::Context {
    theradose::context::Context::load().unwrap()
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn main() {
    let n: u64 = env_or("BENCH_ELECTRONS", 40_000);
    let threads: usize = env_or("BENCH_THREADS", 2);
    let energy: f64 = env_or("BENCH_ENERGY", 1.0);
    let other = energy != 1.0;
    let spec = KernelSpec {
        particle: "electron".into(),
        energy_mev: energy,
        medium: "water".into(),
        // 1.2 x the CSDA range of 1 MeV electrons in water (ESTAR 0.4367 g/cm2)
        radius_cm: 1.2 * env_or("BENCH_R0", 0.4367),
        shells: 24,
        histories: n,
        seed: 1,
        threads: Some(threads),
        electron_cutoff_kev: (!other).then_some(10.0),
        photon_cutoff_kev: (!other).then_some(10.0),
        photon_electrons: Default::default(),
    };
    let mut params = spec.condensed_params().expect("parameters");
    params.c1 = env_or("BENCH_C1", params.c1);
    params.c2 = env_or("BENCH_C2", params.c2);
    params.max_loss_fraction = env_or("BENCH_LOSS", params.max_loss_fraction);
    let (t, c) = (Instant::now(), cpu_seconds());
    let r = run_kernel_with(&ctx(), &spec, params, KernelSteps::default()).expect("kernel run");
    let (s, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    if let Ok(path) = std::env::var("BENCH_CSV") {
        std::fs::write(path, &r.csv).expect("write BENCH_CSV");
    }
    println!(
        "electron {energy} MeV water kernel, {threads} threads (C1 {}, C2 {}, step loss \
         {}): {n} histories in {s:.2} s = {:.0} /s; CPU {:.3} s per 1e4 histories; absorbed \
         fraction {:.5}",
        params.c1,
        params.c2,
        params.max_loss_fraction,
        n as f64 / s,
        cpu * 1e4 / n as f64,
        r.summary.absorbed_fraction
    );
}
