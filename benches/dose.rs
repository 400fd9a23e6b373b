//! Voxel S-value dose speed (issue 6 target: <= 0.5 s on 2 cores for a 256x256x300 grid):
//! FFT convolution of a TIA map with a 21^3 kernel (n = 11, e.g. 4.8 mm SPECT voxels and a
//! 5 cm reach), on 2 threads. Run: `cargo bench --bench dose` (BENCH_DIMS=nx,ny,nz and
//! BENCH_KERNEL_N to change the problem).

use std::time::Instant;
use theradose::dosimetry::convolve::{convolve_fft, Kernel};

fn main() {
    let dims: Vec<usize> = std::env::var("BENCH_DIMS")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![256, 256, 300]);
    let dims = [dims[0], dims[1], dims[2]];
    let n: usize = std::env::var("BENCH_KERNEL_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
    let kernel = Kernel::from_octant(n, |i, j, k| 1.0 / (1.0 + (i * i + j * j + k * k) as f64));
    // a body-like map: activity in a central ellipsoid
    let mut src = vec![0.0; dims[0] * dims[1] * dims[2]];
    for k in 0..dims[2] {
        for j in 0..dims[1] {
            for i in 0..dims[0] {
                let r = [i, j, k]
                    .iter()
                    .zip(dims)
                    .map(|(&x, d)| ((x as f64 + 0.5) / d as f64 - 0.5).powi(2))
                    .sum::<f64>();
                if r < 0.16 {
                    src[i + dims[0] * (j + dims[1] * k)] = 1.0 + (i % 7) as f64;
                }
            }
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for rep in 0..3 {
        let t = Instant::now();
        let out = pool.install(|| convolve_fft(&src, dims, &kernel)).unwrap();
        let s = t.elapsed().as_secs_f64();
        println!(
            "VSV FFT convolution {}x{}x{} with a {w}^3 kernel on 2 threads: {s:.3} s (run {rep}, checksum {:.6e})",
            dims[0],
            dims[1],
            dims[2],
            out.iter().sum::<f64>(),
            w = 2 * n - 1
        );
    }
}
