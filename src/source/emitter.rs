//! A source event given by its emissions instead of a nuclide's decay data: a continuous
//! spectrum of one particle (one particle per event, [`TabulatedSpectrum`]) and discrete lines,
//! each with its particle and its yield per event. Voxel S-values and point kernels of such a
//! source are per event ("per decay" when the yields are per decay).
//!
//! Sampling model, as for the lines of a nuclide (the same [`LineSampler`]): the spectrum emits
//! one particle per event; a line of yield y emits floor(y) particles, plus one more with
//! probability y - floor(y) (whole parts draw no random number, so a single line of yield 1
//! draws exactly what a mono-energetic source draws).

use super::line_sampler::LineSampler;
use super::tabulated::TabulatedSpectrum;
use crate::error::SpecField;
use crate::numerics::Vec3;
use crate::particle::{place_emitted, BornLocal, Particle, ParticleKind};
use crate::rng::HistoryRng;
use crate::spec_bail;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Emissions of a source event (the TOML form; `theradose vsv` and `kernel` build it from
/// `--particle`, `--spectrum` and `--lines`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmissionSpec {
    /// particle of the spectrum and of the lines that name none: photon, electron, positron or
    /// alpha
    pub particle: String,
    /// CSV of a continuous spectrum (see [`TabulatedSpectrum`]), one particle per event
    #[serde(default)]
    pub spectrum_file: Option<PathBuf>,
    /// discrete lines
    #[serde(default)]
    pub lines: Vec<LineSpec>,
}

/// One discrete line of an [`EmissionSpec`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSpec {
    /// its particle (default: the spec's)
    #[serde(default)]
    pub particle: Option<String>,
    /// energy (MeV)
    pub energy_mev: f64,
    /// particles per event (0.1038 for a 10.38 % line); may exceed 1
    pub yield_per_event: f64,
}

/// A line of the emissions.
#[derive(Clone, Copy, Debug)]
struct EmitLine {
    kind: ParticleKind,
    energy_mev: f64,
    yield_per_event: f64,
}

/// Sampled emissions of a source event (see the module doc).
#[derive(Clone, Debug)]
pub struct Emitter {
    continuum: Option<(ParticleKind, TabulatedSpectrum)>,
    lines: Vec<EmitLine>,
    /// the lines, for sampling (as a nuclide's lines are sampled)
    sampler: LineSampler<ParticleKind>,
    /// what the source is, for summaries: "spectrum FILE (electron) + 42 lines"
    pub label: String,
}

/// Highest source energy accepted (MeV), that of the photon tables.
const E_MAX_MEV: f64 = 20.0;

impl Emitter {
    /// Reads the spectrum file and checks the lines.
    ///
    /// # Errors
    /// Spec errors naming the field (`emissions.particle`, `emissions.spectrum_file`,
    /// `emissions.lines`): an unknown particle, an unreadable or malformed spectrum file, a line
    /// energy outside (0, 20] MeV or a negative yield, nothing emitted.
    pub fn from_spec(spec: &EmissionSpec) -> Result<Self> {
        let kind = ParticleKind::from_name(&spec.particle).spec_field("emissions.particle")?;
        let continuum = match &spec.spectrum_file {
            Some(p) => {
                let s = TabulatedSpectrum::read_csv(p).spec_field("emissions.spectrum_file")?;
                if s.max_mev > E_MAX_MEV {
                    spec_bail!(
                        "emissions.spectrum_file",
                        "{} reaches {} MeV, expected at most {E_MAX_MEV}",
                        p.display(),
                        s.max_mev
                    );
                }
                Some((kind, s))
            }
            None => None,
        };
        let mut lines = Vec::with_capacity(spec.lines.len());
        for (i, l) in spec.lines.iter().enumerate() {
            let n = i + 1;
            let k = match &l.particle {
                Some(p) => ParticleKind::from_name(p)
                    .with_context(|| format!("line {n}"))
                    .spec_field("emissions.lines")?,
                None => kind,
            };
            let (e, y) = (l.energy_mev, l.yield_per_event);
            if !(e.is_finite() && e > 0.0 && e <= E_MAX_MEV) {
                spec_bail!(
                    "emissions.lines",
                    "line {n}: energy {e} MeV, expected 0 < E <= {E_MAX_MEV}"
                );
            }
            if !(y.is_finite() && y >= 0.0) {
                spec_bail!("emissions.lines", "line {n}: yield {y}, expected >= 0");
            }
            lines.push(EmitLine {
                kind: k,
                energy_mev: e,
                yield_per_event: y,
            });
        }
        if continuum.is_none() && !lines.iter().any(|l| l.yield_per_event > 0.0) {
            spec_bail!(
                "emissions.lines",
                "no spectrum file and no line with a positive yield"
            );
        }
        let mut label = String::new();
        if let Some(p) = &spec.spectrum_file {
            label = format!("spectrum {} ({})", p.display(), spec.particle);
        }
        if !lines.is_empty() {
            let sep = if label.is_empty() { "" } else { " + " };
            label = format!("{label}{sep}{} lines", lines.len());
        }
        let sampler = LineSampler::new(
            lines
                .iter()
                .map(|l| (l.kind, l.energy_mev, l.yield_per_event)),
        );
        Ok(Emitter {
            continuum,
            lines,
            sampler,
            label,
        })
    }

    /// Mean kinetic energy emitted per event (MeV).
    pub fn mean_mev(&self) -> f64 {
        self.continuum.as_ref().map_or(0.0, |(_, s)| s.mean_mev)
            + self
                .lines
                .iter()
                .map(|l| l.energy_mev * l.yield_per_event)
                .sum::<f64>()
    }

    /// Whether any emission is of `kind`.
    pub fn emits(&self, kind: ParticleKind) -> bool {
        self.continuum.as_ref().is_some_and(|(k, _)| *k == kind)
            || self
                .lines
                .iter()
                .any(|l| l.kind == kind && l.yield_per_event > 0.0)
    }

    /// Highest kinetic energy of an emitted electron or positron (MeV; 0 if none).
    pub fn max_lepton_mev(&self) -> f64 {
        let lepton = |k: ParticleKind| matches!(k, ParticleKind::Electron | ParticleKind::Positron);
        let c = match &self.continuum {
            Some((k, s)) if lepton(*k) => s.max_mev,
            _ => 0.0,
        };
        self.lines
            .iter()
            .filter(|l| lepton(l.kind))
            .fold(c, |m, l| m.max(l.energy_mev))
    }

    /// Samples the particles of one event at `pos` onto `stack`, or in `born` the electrons that
    /// stop at once; returns the energy they carry (kinetic, plus 2 m_e c^2 per positron, as
    /// `Source::emit`).
    #[inline]
    pub fn emit(
        &self,
        rng: &mut HistoryRng,
        pos: Vec3,
        stack: &mut Vec<Particle>,
        born: &mut BornLocal,
    ) -> f64 {
        let mut total = 0.0;
        let mut push = |kind: ParticleKind, e: f64, rng: &mut HistoryRng| {
            total += place_emitted(stack, born, (kind, e), pos, None, rng);
        };
        if let Some((kind, s)) = &self.continuum {
            let e = s.sample(rng.uniform(), rng.uniform(), rng.uniform());
            push(*kind, e, rng);
        }
        self.sampler.sample(rng, |kind, e, rng| push(kind, e, rng));
        total
    }
}

/// Parses lines given as text: `E:Y,E:Y,...` (MeV, yield per event) or `P:E:Y` items naming
/// their particle (`photon:0.2084:0.1038`); or, when `text` names a `.csv` file, its rows
/// `particle,energy_mev,yield_per_decay` (or `energy_mev,yield_per_decay`; `#` comments).
///
/// # Errors
/// An item that is not `E:Y` or `P:E:Y` with numbers; an unreadable or malformed file (the
/// error names the file and the line).
pub fn parse_lines(text: &str) -> Result<Vec<LineSpec>> {
    if text.ends_with(".csv") {
        let p = Path::new(text);
        let body =
            std::fs::read_to_string(p).with_context(|| format!("lines file {}", p.display()))?;
        return parse_lines_csv(&body).with_context(|| format!("lines file {}", p.display()));
    }
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let f: Vec<&str> = item.split(':').map(str::trim).collect();
            let num = |s: &str| -> Result<f64> {
                s.parse()
                    .map_err(|_| anyhow::anyhow!("line '{item}': '{s}' is not a number"))
            };
            let (particle, e, y) = match f.as_slice() {
                [e, y] => (None, num(e)?, num(y)?),
                [p, e, y] => (Some(p.to_string()), num(e)?, num(y)?),
                _ => bail!("line '{item}': expected ENERGY_MEV:YIELD or PARTICLE:ENERGY_MEV:YIELD"),
            };
            Ok(LineSpec {
                particle,
                energy_mev: e,
                yield_per_event: y,
            })
        })
        .collect()
}

/// Rows of a lines CSV (see [`parse_lines`]).
fn parse_lines_csv(body: &str) -> Result<Vec<LineSpec>> {
    let mut rows = crate::tables::data_lines(body);
    let Some((_, header)) = rows.next() else {
        bail!("empty: expected the header particle,energy_mev,yield_per_decay");
    };
    let with_particle = match header.replace(' ', "").as_str() {
        "particle,energy_mev,yield_per_decay" => true,
        "energy_mev,yield_per_decay" => false,
        h => bail!("header '{h}': expected particle,energy_mev,yield_per_decay"),
    };
    rows.map(|(ln, line)| {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let n = 2 + usize::from(with_particle);
        if f.len() != n {
            bail!("line {ln}: {} columns, expected {n}", f.len());
        }
        let num = |c: usize| -> Result<f64> {
            f[c].parse().map_err(|_| {
                anyhow::anyhow!("line {ln}, column {}: '{}' is not a number", c + 1, f[c])
            })
        };
        let o = usize::from(with_particle);
        Ok(LineSpec {
            particle: with_particle.then(|| f[0].to_string()),
            energy_mev: num(o)?,
            yield_per_event: num(o + 1)?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_text_and_its_errors() {
        let l = parse_lines("0.14:1, photon:0.2084:0.1038").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].particle.as_deref(), Some("photon"));
        assert_eq!((l[0].energy_mev, l[0].yield_per_event), (0.14, 1.0));
        let e = parse_lines("0.14").unwrap_err().to_string();
        assert!(e.contains("ENERGY_MEV:YIELD"), "{e}");
        let e = parse_lines("0.14:x").unwrap_err().to_string();
        assert!(e.contains("'x' is not a number"), "{e}");
        let spec = EmissionSpec {
            particle: "photon".into(),
            spectrum_file: None,
            lines: parse_lines("0.1:0.5,electron:0.05:2.25").unwrap(),
        };
        let em = Emitter::from_spec(&spec).unwrap();
        assert!((em.mean_mev() - (0.05 + 0.1125)).abs() < 1e-15);
        assert_eq!(em.max_lepton_mev(), 0.05);
        assert_eq!(em.label, "2 lines");
    }
}
