//! BNCT neutron speed (issue 5): histories per second of the built-in epithermal beam (12 cm
//! field) into the 20 cm water cube, 2 threads, through `theradose beam`'s library path.
//! Run: `cargo bench --bench neutron` (BENCH_NEUTRONS to change the count).

use clap::Parser;
use std::time::Instant;
use theradose::context::Context;
use theradose::dosimetry::bnct::run_beam;

// The command's own flags (src/cli/beam.rs uses only the library and clap); its `run` is not
// used here.
#[allow(dead_code)]
#[path = "../src/cli/beam.rs"]
mod beam_cli;
use beam_cli::BeamArgs;

#[derive(Parser)]
struct Wrap {
    #[command(flatten)]
    args: BeamArgs,
}

fn main() {
    let n: u64 = std::env::var("BENCH_NEUTRONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40_000);
    let out = std::env::temp_dir().join("theradose-bench-neutron");
    let w = Wrap::parse_from([
        "bench",
        "--particle",
        "neutron",
        "--spectrum",
        "epithermal",
        "--phantom",
        "water-cube",
        "--field-diameter-cm",
        "12",
        "--histories",
        &n.to_string(),
        "--threads",
        "2",
        "--out",
        out.to_str().unwrap_or("/tmp/theradose-bench-neutron"),
    ]);
    let ctx = Context::load().expect("data");
    let t = Instant::now();
    run_beam(&ctx, &w.args.spec()).expect("beam run");
    let s = t.elapsed().as_secs_f64();
    println!(
        "epithermal beam, 12 cm field, 20 cm water cube, 2 threads: {n} neutrons in {s:.2} s = {:.3e} histories/s (with output writing)",
        n as f64 / s
    );
}
