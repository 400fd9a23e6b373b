//! PET projector speed (issue 7 target: OSEM forward + back projection >= 2e5 LORs per second
//! per core on a clinical-size problem). A 200 x 200 image of 4 mm voxels, 300 views x 300
//! radial bins (covering the image diagonal) x 32 planes = 2.88e6 LORs; one forward and one
//! back projection of all views, timed on 1 thread (per core) and on 2 threads.
//! Run: `cargo bench --bench pet` (BENCH_PET_PLANES to change the number of planes).

use std::time::Instant;
use theradose::pet::geometry::SinoGeom;
use theradose::pet::projector::Projector;
use theradose::rng::HistoryRng;

fn main() {
    let planes: usize = std::env::var("BENCH_PET_PLANES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let (n, voxel) = (200usize, 4.0);
    let g = SinoGeom {
        nx: n,
        ny: n,
        nz: planes,
        dx_mm: voxel,
        dy_mm: voxel,
        n_views: 300,
        n_bins: 300,
        bin_mm: voxel * (n as f64 * std::f64::consts::SQRT_2) / 300.0,
    };
    let p = Projector::new(g.clone());
    let mut rng = HistoryRng::new(1, 0);
    let img: Vec<f64> = (0..n * n * planes).map(|_| rng.uniform()).collect();
    let views: Vec<usize> = (0..g.n_views).collect();
    let lors = g.n_lors() as f64;
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut sino = p.zeros();
        let t0 = Instant::now();
        pool.install(|| p.forward(&img, &views, &mut sino));
        let t_fwd = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let back = pool.install(|| p.back(&sino, &views));
        let t_back = t1.elapsed().as_secs_f64();
        let total = t_fwd + t_back;
        println!(
            "{n}x{n}x{planes} image, {} views x {} bins x {planes} planes ({lors:.3e} LORs), \
             {threads} thread(s): forward {t_fwd:.2} s, back {t_back:.2} s -> \
             {:.3e} LORs/s forward+back, {:.3e} LORs/s per core (checksum {:.6e})",
            g.n_views,
            g.n_bins,
            lors / total,
            lors / total / threads as f64,
            back.iter().sum::<f64>()
        );
    }
}
