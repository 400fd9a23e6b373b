//! A continuous energy spectrum given as a table (a beta spectrum from an evaluation, a
//! measured or published spectrum): piecewise-linear density segments, sampled exactly.
//!
//! Two CSV forms are read (`#` lines are comments; units in the header, MeV or keV):
//! - points, `energy_mev,probability_per_mev` (or `energy_kev,probability_per_kev`): the density
//!   at increasing energies, linear in between (a beta spectrum as BetaShape or RADAR list it);
//! - bins, `energy_lo_mev,energy_hi_mev,fraction` (or `_kev`): a histogram, the density constant
//!   in each bin; bins may overlap, their densities then add (several beta branches in one file).
//!
//! Either is normalised to one particle. Sampling draws a segment from an alias table over the
//! segment probabilities, then the energy inside it from the linear density by its inverse CDF
//! ([`crate::numerics::invert_linear_segment`], the same inversion as the Fermi spectra of
//! `beta.rs`), so the sampled distribution is the table itself, with no binning of its own.

use crate::numerics::{invert_linear_segment, AliasTable};
use anyhow::{bail, Context, Result};
use std::path::Path;

/// One piece of the density: linear from `f0` at `e0` to `f1` at `e1` (MeV, 1/MeV, not
/// normalised).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Segment {
    e0: f64,
    e1: f64,
    f0: f64,
    f1: f64,
}

impl Segment {
    fn area(&self) -> f64 {
        0.5 * (self.f0 + self.f1) * (self.e1 - self.e0)
    }
    /// Integral of e f(e) over the segment.
    fn first_moment(&self) -> f64 {
        let h = self.e1 - self.e0;
        h * (self.f0 * (self.e0 / 2.0 + h / 6.0) + self.f1 * (self.e0 / 2.0 + h / 3.0))
    }
    /// Integral of the density from e0 to `e` (e0 <= e <= e1).
    fn partial(&self, e: f64) -> f64 {
        let h = self.e1 - self.e0;
        let d = (e - self.e0).clamp(0.0, h);
        self.f0 * d + (self.f1 - self.f0) * d * d / (2.0 * h)
    }
}

/// A tabulated spectrum (see the module doc).
#[derive(Clone, Debug)]
pub struct TabulatedSpectrum {
    segments: Vec<Segment>,
    alias: AliasTable,
    total: f64,
    /// mean energy (MeV)
    pub mean_mev: f64,
    /// highest energy with a positive density (MeV)
    pub max_mev: f64,
}

impl TabulatedSpectrum {
    fn from_segments(segments: Vec<Segment>) -> Result<Self> {
        let segments: Vec<Segment> = segments.into_iter().filter(|s| s.area() > 0.0).collect();
        let areas: Vec<f64> = segments.iter().map(Segment::area).collect();
        let Some(alias) = AliasTable::new(&areas) else {
            bail!("the spectrum has no positive probability");
        };
        let total: f64 = areas.iter().sum();
        let mean = segments.iter().map(Segment::first_moment).sum::<f64>() / total;
        let max_mev = segments.iter().map(|s| s.e1).fold(0.0, f64::max);
        Ok(TabulatedSpectrum {
            segments,
            alias,
            total,
            mean_mev: mean,
            max_mev,
        })
    }

    /// The density `density[i]` (1/MeV, any scale) at `energy_mev[i]` (strictly increasing,
    /// >= 0), linear in between.
    ///
    /// # Errors
    /// Fewer than two points, energies not increasing or negative, negative or non-finite
    /// densities, no positive probability.
    pub fn from_points(energy_mev: &[f64], density: &[f64]) -> Result<Self> {
        if energy_mev.len() < 2 || energy_mev.len() != density.len() {
            bail!("expected at least two points (energy, density)");
        }
        let mut segs = Vec::with_capacity(energy_mev.len() - 1);
        for i in 0..energy_mev.len() - 1 {
            let (e0, e1) = (energy_mev[i], energy_mev[i + 1]);
            if !(e0.is_finite() && e0 >= 0.0 && e1 > e0) {
                bail!("point {}: energies must be >= 0 and increasing", i + 2);
            }
            segs.push(Segment {
                e0,
                e1,
                f0: density[i],
                f1: density[i + 1],
            });
        }
        if let Some(i) = density.iter().position(|f| !(f.is_finite() && *f >= 0.0)) {
            bail!("point {}: density {}, expected >= 0", i + 1, density[i]);
        }
        Self::from_segments(segs)
    }

    /// A histogram: bin [`lo[i]`, `hi[i]`] (MeV) holds `fraction[i]` (any scale), uniformly.
    ///
    /// # Errors
    /// A bin with hi <= lo or a negative energy, negative or non-finite fractions, no positive
    /// fraction.
    pub fn from_bins(lo: &[f64], hi: &[f64], fraction: &[f64]) -> Result<Self> {
        let mut segs = Vec::with_capacity(lo.len());
        for i in 0..lo.len() {
            let (a, b, w) = (lo[i], hi[i], fraction[i]);
            if !(a.is_finite() && a >= 0.0 && b.is_finite() && b > a) {
                bail!("bin {}: expected 0 <= lo < hi, got {a}, {b}", i + 1);
            }
            if !(w.is_finite() && w >= 0.0) {
                bail!("bin {}: fraction {w}, expected >= 0", i + 1);
            }
            let f = w / (b - a);
            segs.push(Segment {
                e0: a,
                e1: b,
                f0: f,
                f1: f,
            });
        }
        Self::from_segments(segs)
    }

    /// Reads a spectrum CSV (see the module doc); errors name the file, the line and the column.
    ///
    /// # Errors
    /// A file that cannot be read, an unknown header, a bad number, bad values.
    pub fn read_csv(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("spectrum file {}", path.display()))?;
        Self::parse_csv(&text).with_context(|| format!("spectrum file {}", path.display()))
    }

    /// Parses the text of a spectrum CSV.
    ///
    /// # Errors
    /// As [`Self::read_csv`].
    pub fn parse_csv(text: &str) -> Result<Self> {
        let mut rows = crate::tables::data_lines(text);
        let Some((hl, header)) = rows.next() else {
            bail!("empty: expected a header such as energy_mev,probability_per_mev");
        };
        let cols: Vec<String> = header.split(',').map(|c| c.trim().to_lowercase()).collect();
        let form = Form::of_header(&cols).with_context(|| format!("line {hl}: header"))?;
        let mut v: [Vec<f64>; 3] = Default::default();
        for (ln, line) in rows {
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            if f.len() != cols.len() {
                bail!(
                    "line {ln}: {} columns, expected {} like the header",
                    f.len(),
                    cols.len()
                );
            }
            for (c, x) in f.iter().enumerate() {
                let n: f64 = x.parse().map_err(|_| {
                    anyhow::anyhow!(
                        "line {ln}, column {} ({}): '{x}' is not a number",
                        c + 1,
                        cols[c]
                    )
                })?;
                v[c].push(n * form.scale[c]);
            }
            form.check_row(&v, ln)?;
        }
        match form.bins {
            false => Self::from_points(&v[0], &v[1]),
            true => Self::from_bins(&v[0], &v[1], &v[2]),
        }
    }

    /// Samples an energy (MeV) from three uniform numbers in [0, 1).
    #[inline]
    pub fn sample(&self, u1: f64, u2: f64, u3: f64) -> f64 {
        let s = &self.segments[self.alias.sample(u1, u2)];
        s.e0 + invert_linear_segment(s.f0, s.f1, s.e1 - s.e0, u3 * s.area())
    }

    /// The CDF at `e` (MeV), for tests of the sampler.
    pub fn cdf(&self, e: f64) -> f64 {
        self.segments.iter().map(|s| s.partial(e)).sum::<f64>() / self.total
    }
}

/// The layout of a spectrum CSV, from its header.
struct Form {
    bins: bool,
    /// factor to MeV (energies) or per MeV (densities) per column
    scale: [f64; 3],
}

impl Form {
    /// Checks the last row read (file line `ln`): energies >= 0 (points: increasing; bins:
    /// lo < hi), densities and fractions finite and >= 0.
    fn check_row(&self, v: &[Vec<f64>; 3], ln: usize) -> Result<()> {
        let last = |c: usize| v[c][v[c].len() - 1];
        let (what, w) = if self.bins {
            let (lo, hi) = (last(0), last(1));
            if !(lo.is_finite() && lo >= 0.0 && hi.is_finite() && hi > lo) {
                bail!("line {ln}: bin from {lo} to {hi} MeV, expected 0 <= lo < hi");
            }
            ("fraction", last(2))
        } else {
            let e = last(0);
            let n = v[0].len();
            if !(e.is_finite() && e >= 0.0) || (n > 1 && e <= v[0][n - 2]) {
                bail!("line {ln}: energy {e} MeV, expected >= 0 and above the row before");
            }
            ("density", last(1))
        };
        if !(w.is_finite() && w >= 0.0) {
            bail!("line {ln}: {what} {w}, expected >= 0");
        }
        Ok(())
    }

    fn of_header(cols: &[String]) -> Result<Self> {
        let c: Vec<&str> = cols.iter().map(String::as_str).collect();
        Ok(match c.as_slice() {
            ["energy_mev", "probability_per_mev"] => Form {
                bins: false,
                scale: [1.0, 1.0, 1.0],
            },
            ["energy_kev", "probability_per_kev"] => Form {
                bins: false,
                scale: [1e-3, 1e3, 1.0],
            },
            ["energy_lo_mev", "energy_hi_mev", "fraction"] => Form {
                bins: true,
                scale: [1.0, 1.0, 1.0],
            },
            ["energy_lo_kev", "energy_hi_kev", "fraction"] => Form {
                bins: true,
                scale: [1e-3, 1e-3, 1.0],
            },
            _ => bail!(
                "'{}': expected energy_mev,probability_per_mev (points, linear in between) or \
                 energy_lo_mev,energy_hi_mev,fraction (bins); _kev and per_kev also accepted",
                cols.join(",")
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples of a points spectrum and of overlapping bins follow the table's own CDF
    /// (chi-square over 40 equiprobable-ish cells, 2e5 samples, well inside 3 sigma).
    #[test]
    fn samples_follow_the_table() {
        let pts = TabulatedSpectrum::parse_csv(
            "# a triangle and a step\nenergy_kev,probability_per_kev\n0,0\n100,2\n200,1\n300,1\n400,0\n",
        )
        .unwrap();
        let bins = TabulatedSpectrum::parse_csv(
            "energy_lo_mev,energy_hi_mev,fraction\n0,0.3,0.5\n0.1,0.2,0.25\n0.25,0.4,0.25\n",
        )
        .unwrap();
        for s in [pts, bins] {
            let n = 200_000usize;
            let cells = 40;
            let mut counts = vec![0usize; cells];
            let mut rng = crate::rng::HistoryRng::new(7, 0);
            for _ in 0..n {
                let e = s.sample(rng.uniform(), rng.uniform(), rng.uniform());
                assert!((0.0..=0.4).contains(&e));
                counts[((e / 0.4 * cells as f64) as usize).min(cells - 1)] += 1;
            }
            let mut chi2 = 0.0;
            let mut dof = 0;
            for (c, &k) in counts.iter().enumerate() {
                let (a, b) = (c as f64 * 0.01, (c + 1) as f64 * 0.01);
                let exp = (s.cdf(b) - s.cdf(a)) * n as f64;
                if exp > 0.0 {
                    chi2 += (k as f64 - exp).powi(2) / exp;
                    dof += 1;
                }
            }
            let dof = dof as f64 - 1.0;
            assert!(
                chi2 < dof + 4.0 * (2.0 * dof).sqrt(),
                "chi2 {chi2} dof {dof}"
            );
        }
    }

    #[test]
    fn mean_of_a_triangle_and_errors_name_line_and_column() {
        let s = TabulatedSpectrum::from_points(&[0.0, 1.0], &[0.0, 2.0]).unwrap();
        assert!((s.mean_mev - 2.0 / 3.0).abs() < 1e-12 && (s.cdf(0.5) - 0.25).abs() < 1e-12);
        let e = TabulatedSpectrum::parse_csv("energy_mev,probability_per_mev\n0,1\n0.1,x\n")
            .unwrap_err();
        assert!(
            format!("{e:#}").contains("line 3, column 2 (probability_per_mev)"),
            "{e:#}"
        );
        let e = TabulatedSpectrum::parse_csv("energy,counts\n0,1\n").unwrap_err();
        assert!(
            format!("{e:#}").contains("energy_mev,probability_per_mev"),
            "{e:#}"
        );
        let e = TabulatedSpectrum::parse_csv("energy_mev,probability_per_mev\n0.2,1\n0.1,1\n")
            .unwrap_err();
        assert!(format!("{e:#}").contains("line 3: energy 0.1 MeV"), "{e:#}");
    }
}
