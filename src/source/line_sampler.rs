//! The discrete lines of a decay (gammas, X-rays, conversion and Auger electrons) sampled with
//! one uniform number per emitted particle, plus one, instead of one per line.
//!
//! A line of intensity y (per decay) emits floor(y) particles, and one more with probability
//! q = y - floor(y), independently of the other lines. With R_j = prod_{i<j} (1 - q_i) the
//! probability that, from line s on, the first extra emission is line j is
//! q_j R_j / R_s = (R_j - R_{j+1}) / R_s, and that there is none is R_n / R_s. So one uniform
//! V in (0, 1] and t = R_s V give the first emission at the j with R_{j+1} <= t < R_j (a binary
//! search of the decreasing R), or none when t < R_n; the next search starts after j. This is
//! exact: the same Bernoulli trials as one uniform per line. ICRP-107's Lu-177 lists about 150
//! lines, mostly Auger electrons and X-rays of small intensity: that loop took a quarter of a
//! Lu-177 voxel run.
//!
//! The search starts from a guide table over t in [R_n, 1] (the j of each cell's upper edge)
//! and scans from there, down and then up, to the same j the binary search finds.

use crate::rng::HistoryRng;

/// The line emissions of one source: of a nuclide's decay, or of the lines a user gave
/// ([`super::emitter::Emitter`]); `K` is the kind of particle a line emits.
#[derive(Clone, Debug)]
pub struct LineSampler<K> {
    /// lines with a fractional part q > 0: (kind, energy MeV)
    lines: Vec<(K, f64)>,
    /// R_j = prod_{i<j} (1 - q_i) for j = 0..=n, strictly decreasing
    r: Vec<f64>,
    /// the whole parts: (kind, energy MeV, count)
    whole: Vec<(K, f64, usize)>,
    /// guide table: cell c covers t in R_n + [c, c + 1) / scale, and holds the j of its upper
    /// edge (at most the j of any t in it)
    guide: Vec<u32>,
    scale: f64,
}

impl<K: Copy> LineSampler<K> {
    /// The sampler of `lines`, (kind, energy MeV, intensity per event) with intensities finite
    /// and >= 0.
    pub fn new(lines: impl IntoIterator<Item = (K, f64, f64)>) -> Self {
        let mut s = LineSampler {
            lines: Vec::new(),
            r: vec![1.0],
            whole: Vec::new(),
            guide: Vec::new(),
            scale: 0.0,
        };
        for (kind, energy_mev, intensity) in lines {
            let whole = intensity.floor();
            if whole >= 1.0 {
                s.whole.push((kind, energy_mev, whole as usize));
            }
            let q = intensity - whole;
            if q > 0.0 {
                s.lines.push((kind, energy_mev));
                let last = *s.r.last().expect("R_0 = 1");
                s.r.push(last * (1.0 - q));
            }
        }
        s.build_guide();
        s
    }

    /// Cells per line in the guide table.
    const GUIDE_PER_LINE: usize = 4;

    fn build_guide(&mut self) {
        let n = self.lines.len();
        if n == 0 {
            return;
        }
        // lines of intensity below 1e-16 leave R_n = 1: one cell (scale 0), the scans do the rest
        let span = 1.0 - self.r[n];
        let cells = if span > 0.0 {
            Self::GUIDE_PER_LINE * n
        } else {
            1
        };
        self.scale = if span > 0.0 { cells as f64 / span } else { 0.0 };
        self.guide = (0..cells)
            .map(|c| {
                let t_hi = if span > 0.0 {
                    self.r[n] + (c + 1) as f64 / self.scale
                } else {
                    1.0
                };
                // the first j with R_{j+1} <= t_hi (n - 1 at most: R_n <= t_hi)
                self.r[1..=n].partition_point(|&x| x > t_hi).min(n - 1) as u32
            })
            .collect();
    }

    /// The first j >= s with R_{j+1} <= t, for R_n <= t <= R_s.
    #[inline]
    fn find(&self, s: usize, t: f64) -> usize {
        let n = self.lines.len();
        let c = crate::numerics::clamped_index((t - self.r[n]) * self.scale, self.guide.len());
        let mut j = (self.guide[c] as usize).max(s);
        while j > s && self.r[j] <= t {
            j -= 1;
        }
        while self.r[j + 1] > t {
            j += 1;
        }
        j
    }

    /// Calls `emit(kind, energy MeV, rng)` for each particle the lines emit in one event: the
    /// whole parts first (no random number), then the fractional parts in line order.
    #[inline]
    pub fn sample(&self, rng: &mut HistoryRng, mut emit: impl FnMut(K, f64, &mut HistoryRng)) {
        for &(kind, energy_mev, count) in &self.whole {
            for _ in 0..count {
                emit(kind, energy_mev, rng);
            }
        }
        let n = self.lines.len();
        let mut s = 0;
        while s < n {
            let t = self.r[s] * rng.uniform_open();
            if t < self.r[n] {
                return;
            }
            let j = self.find(s, t);
            let (kind, energy_mev) = self.lines[j];
            emit(kind, energy_mev, rng);
            s = j + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::source::emission::{Emission, EmissionKind};

    fn line(e: f64, y: f64) -> (f64, f64) {
        (e, y)
    }

    /// The guided search finds the binary search's line for every start s and every t in
    /// [R_n, R_s]: at the nodes R_j, next to them and between them (Lu-177's 150-odd lines
    /// and a table of strong and weak lines).
    #[test]
    fn guided_search_equals_the_binary_search() {
        let lu = crate::source::nuclide::Nuclide::load("Lu-177").unwrap();
        let mut qs: Vec<f64> = vec![0.9, 1e-6, 0.5, 0.999, 1e-3, 0.3, 0.3, 1e-9];
        qs.extend((0..50).map(|k| 1e-4 * (1 + k % 7) as f64));
        let tables = [
            lu.line_sampler.clone(),
            LineSampler::new(qs.iter().map(|&q| (EmissionKind::Photon, 0.1, q))),
            // so weak that R stays 1 (1 - q rounds to 1)
            LineSampler::new((0..12).map(|_| (EmissionKind::Photon, 0.1, 1e-20))),
        ];
        let mut rng = HistoryRng::new(3, 0);
        for ls in tables {
            let (r, n) = (&ls.r, ls.lines.len());
            assert!(n > 10);
            for s in 0..n {
                let mut ts: Vec<f64> = r[s..=n]
                    .iter()
                    .flat_map(|&x| [x, x.next_up(), x.next_down()])
                    .collect();
                ts.extend((0..50).map(|_| r[n] + rng.uniform() * (r[s] - r[n])));
                for t in ts.into_iter().filter(|&t| r[n] <= t && t <= r[s]) {
                    let want = s + r[s + 1..=n].partition_point(|&x| x > t);
                    assert_eq!(ls.find(s, t), want, "s {s}, t {t}");
                }
            }
        }
    }

    /// Each line's mean count and the pair correlation of two lines against their intensities
    /// (independent Bernoulli trials plus the whole parts), 1e6 decays, within 5 sigma.
    #[test]
    fn counts_are_those_of_independent_lines() {
        let gam = [
            line(0.1, 0.3),
            line(0.2, 2.25),
            line(0.3, 0.0),
            line(0.4, 1e-3),
        ];
        let ele = [line(0.01, 0.9), line(0.02, 0.05)];
        let s = LineSampler::new(
            gam.iter()
                .map(|&(e, y)| (EmissionKind::Photon, e, y))
                .chain(ele.iter().map(|&(e, y)| (EmissionKind::Electron, e, y))),
        );
        let mut rng = HistoryRng::new(7, 0);
        let n = 1_000_000;
        let (mut count, mut both) = ([0u64; 6], 0u64);
        let mut out = Vec::new();
        let idx = |e: &Emission| match e.kind {
            EmissionKind::Photon => (e.energy_mev * 10.0).round() as usize - 1,
            _ => (e.energy_mev * 100.0).round() as usize + 3,
        };
        for _ in 0..n {
            out.clear();
            s.sample(&mut rng, |kind, energy_mev, _| {
                out.push(Emission { kind, energy_mev })
            });
            let mut seen = [0u32; 6];
            for e in &out {
                seen[idx(e)] += 1;
            }
            for k in 0..6 {
                count[k] += seen[k] as u64;
            }
            both += u64::from(seen[0] == 1 && seen[4] == 1);
        }
        let want = [0.3, 2.25, 0.0, 1e-3, 0.9, 0.05];
        for k in 0..6 {
            let q = want[k] - f64::floor(want[k]);
            let sd = (q * (1.0 - q) * n as f64).sqrt().max(1.0);
            let dev = (count[k] as f64 - want[k] * n as f64) / sd;
            assert!(
                dev.abs() < 5.0,
                "line {k}: {} vs {} ({dev:.1} sd)",
                count[k],
                want[k] * n as f64
            );
        }
        let p = 0.3 * 0.9;
        let dev = (both as f64 - p * n as f64) / (p * (1.0 - p) * n as f64).sqrt();
        assert!(dev.abs() < 5.0, "pair: {both} ({dev:.1} sd)");
    }
}
