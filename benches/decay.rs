//! Radionuclide speed (issue 4 targets): Lu-177 decays per second in the `adult` phantom at 4 mm
//! voxels on 2 threads, full transport (target >= 2e5 decays/s), and Ac-225 chain decays per
//! second in the same phantom; the Ac-225 chain again with LET scoring (`[scoring] let = true`).
//! Run: `cargo bench --bench decay` (BENCH_DECAYS to change the count; BENCH_ONLY=Lu-177 runs
//! only the cases of that nuclide, e.g. under a profiler).

use theradose::run::problem::make_transport;
use theradose::run::{execute, RunSettings};
use theradose::study::{Problem, RunFile};

fn bench(nuclide: &str, chain: bool, decays: u64, let_scoring: bool) {
    let text = format!(
        "name = \"bench\"\n[phantom]\nbuiltin = \"adult\"\nvoxel_mm = 4.0\n[source]\nkind = \"region\"\nregion = \"kidneys\"\nnuclide = \"{nuclide}\"\nchain = {chain}\n[run]\nhistories = {decays}\n[scoring]\nlet = {let_scoring}\n"
    );
    let file: RunFile = toml::from_str(&text).unwrap();
    let ctx = theradose::context::Context::load().unwrap();
    let problem = Problem::build(&ctx, file).unwrap();
    let transport = make_transport(&problem);
    let mut s = RunSettings::new(1, decays);
    s.threads = Some(2);
    let out = execute(&transport, &problem.source, &s).unwrap();
    println!(
        "{nuclide}{}{} in the adult kidneys, 4 mm voxels, 2 threads: {decays} decays in {:.2} s = {:.3e} decays/s",
        if chain { " chain" } else { "" },
        if let_scoring { " with LET scoring" } else { "" },
        out.seconds,
        decays as f64 / out.seconds
    );
}

fn main() {
    let n: u64 = std::env::var("BENCH_DECAYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let only = std::env::var("BENCH_ONLY").ok();
    let cases = [
        ("Lu-177", false, n, false),
        ("Y-90", false, n / 4, false),
        ("Ac-225", true, n / 4, false),
        ("Ac-225", true, n / 4, true),
    ];
    for (nuclide, chain, decays, let_scoring) in cases {
        if only.as_deref().is_none_or(|o| o == nuclide) {
            bench(nuclide, chain, decays, let_scoring);
        }
    }
}
