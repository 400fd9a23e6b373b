//! The `[figures]` section of every study file ([`FiguresSpec`]): style, size, resolution,
//! formats, the regions to outline and the planes to cut, and the scoped setting the figure
//! writers read it from ([`with_figures`]).

use std::cell::RefCell;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::spec_error;

/// The look of a figure: font sizes and the default width.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FigureStyle {
    /// A journal figure: 7 pt tick labels, 88 mm wide (one column) or 180 mm (two columns,
    /// for figures of several panels).
    #[default]
    Paper,
    /// A slide: 14 pt tick labels, 160 mm wide (one panel) or 300 mm (several).
    Slides,
}

/// A point the map panels pass through: a region's centroid or a point in mm.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Through {
    /// The centroid of the region of this name.
    Region(String),
    /// A point (x, y, z) in mm, in the frame of the phantom's world coordinates.
    PointMm([f64; 3]),
}

/// `[figures]`: how every figure of a study is drawn and written. Every field has a default,
/// so the section may be left out.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FiguresSpec {
    /// "paper" (default) or "slides": font sizes and default width.
    pub style: FigureStyle,
    /// The figure width (mm); default by style: paper 88 mm (single column) or 180 mm (double
    /// column, for figures of several panels), slides 160 mm or 300 mm.
    pub width_mm: Option<f64>,
    /// The PNG resolution (dots per inch), written into the PNG's pHYs chunk; default 300.
    pub dpi: f64,
    /// The formats written: any of "png", "svg" and "pdf"; default "png" and "svg".
    pub formats: Vec<String>,
    /// The regions outlined on the maps (and drawn in DVHs); empty (default): all.
    pub regions: Vec<String>,
    /// The planes of the map panels: any of "axial", "coronal", "sagittal"; default all three.
    pub slices: Vec<String>,
    /// Where the planes cross: a region's name (its centroid) or a point [x, y, z] in mm;
    /// default: the study's target (tumour or largest lesion).
    pub through: Option<Through>,
    /// Draw the region outlines on the maps (default true).
    pub outlines: bool,
}

impl Default for FiguresSpec {
    fn default() -> Self {
        FiguresSpec {
            style: FigureStyle::Paper,
            width_mm: None,
            dpi: 300.0,
            formats: vec!["png".into(), "svg".into()],
            regions: Vec::new(),
            slices: vec!["axial".into(), "coronal".into(), "sagittal".into()],
            through: None,
            outlines: true,
        }
    }
}

/// The formats a figure can be written in.
pub const FORMATS: [&str; 3] = ["png", "svg", "pdf"];
/// The planes a map can be cut in.
pub const PLANES: [&str; 3] = ["axial", "coronal", "sagittal"];

impl FiguresSpec {
    /// Checks the values once (the field named as `figures.FIELD`).
    ///
    /// # Errors
    /// A [`crate::error::SpecError`]: a width outside 20..2000 mm, a dpi outside 50..2400, an
    /// unknown or no format, an unknown plane, a non-finite point.
    pub fn check(&self) -> anyhow::Result<()> {
        if let Some(w) = self.width_mm {
            if !(20.0..=2000.0).contains(&w) {
                return Err(spec_error(
                    "figures.width_mm",
                    format!("{w}: expected a width from 20 to 2000 mm (88 one column, 180 two)"),
                ));
            }
        }
        if !(50.0..=2400.0).contains(&self.dpi) {
            return Err(spec_error(
                "figures.dpi",
                format!(
                    "{}: expected 50 to 2400 dots per inch (300 for print)",
                    self.dpi
                ),
            ));
        }
        if self.formats.is_empty() {
            return Err(spec_error(
                "figures.formats",
                "empty: expected some of \"png\", \"svg\", \"pdf\"",
            ));
        }
        if let Some(f) = self.formats.iter().find(|f| !FORMATS.contains(&f.as_str())) {
            return Err(spec_error(
                "figures.formats",
                format!("\"{f}\": expected \"png\", \"svg\" or \"pdf\""),
            ));
        }
        if let Some(p) = self.slices.iter().find(|p| !PLANES.contains(&p.as_str())) {
            return Err(spec_error(
                "figures.slices",
                format!("\"{p}\": expected \"axial\", \"coronal\" or \"sagittal\""),
            ));
        }
        if let Some(Through::PointMm(p)) = &self.through {
            if p.iter().any(|v| !v.is_finite()) {
                return Err(spec_error(
                    "figures.through",
                    format!("{p:?}: expected finite mm"),
                ));
            }
        }
        Ok(())
    }

    /// Whether every field has its default (the section is then left out of written specs).
    pub fn is_default(&self) -> bool {
        *self == FiguresSpec::default()
    }

    /// The width (mm) of a figure of one panel (`wide` false) or several.
    pub fn width_of(&self, wide: bool) -> f64 {
        self.width_mm.unwrap_or(match (self.style, wide) {
            (FigureStyle::Paper, false) => 88.0,
            (FigureStyle::Paper, true) => 180.0,
            (FigureStyle::Slides, false) => 160.0,
            (FigureStyle::Slides, true) => 300.0,
        })
    }

    /// Drawing units per typographic point: the figures lay out their text in units where the
    /// tick labels are 16 high, so a paper figure's ticks print at 7 pt and a slide's at 14 pt.
    pub fn units_per_pt(&self) -> f64 {
        match self.style {
            FigureStyle::Paper => 16.0 / 7.0,
            FigureStyle::Slides => 16.0 / 14.0,
        }
    }

    /// Whether `region` is to be outlined (and drawn in DVHs).
    pub fn shows_region(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r == region)
    }

    /// Whether the plane (`axial`, `coronal`, `sagittal`) is drawn.
    pub fn shows_plane(&self, plane: &str) -> bool {
        self.slices.iter().any(|p| p == plane)
    }
}

thread_local! {
    static CURRENT: RefCell<FiguresSpec> = RefCell::new(FiguresSpec::default());
}

/// `[figures]` keys that override every study's own (the Python API's `figures=` argument),
/// while [`with_figures_override`] runs.
static OVERRIDE: Mutex<Option<serde_json::Map<String, serde_json::Value>>> = Mutex::new(None);
/// Held while an override is in force, so that two never interleave.
static OVERRIDE_RUN: Mutex<()> = Mutex::new(());

/// The settings a study uses: its `[figures]` section with the keys of a running
/// [`with_figures_override`] put over it.
pub fn effective(spec: &FiguresSpec) -> FiguresSpec {
    let guard = OVERRIDE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(keys) = guard.as_ref() else {
        return spec.clone();
    };
    merged(spec, keys).unwrap_or_else(|_| spec.clone())
}

fn merged(
    spec: &FiguresSpec,
    keys: &serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<FiguresSpec> {
    let mut v = serde_json::to_value(spec)?;
    if let Some(m) = v.as_object_mut() {
        for (k, x) in keys {
            m.insert(k.clone(), x.clone());
        }
    }
    Ok(serde_json::from_value(v)?)
}

/// Runs `f` (a whole study, on any threads) with the `[figures]` keys of `keys` put over every
/// study's own section (e.g. `{"dpi": 600, "formats": ["svg"]}`). Overrides run one at a time.
///
/// # Errors
/// A [`crate::error::SpecError`] of `figures` when the keys do not make a valid section.
pub fn with_figures_override<T>(
    keys: &serde_json::Map<String, serde_json::Value>,
    f: impl FnOnce() -> T,
) -> anyhow::Result<T> {
    let check =
        merged(&FiguresSpec::default(), keys).map_err(|e| spec_error("figures", format!("{e}")))?;
    check.check()?;
    let _run = OVERRIDE_RUN.lock().unwrap_or_else(|e| e.into_inner());
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            *OVERRIDE.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }
    *OVERRIDE.lock().unwrap_or_else(|e| e.into_inner()) = Some(keys.clone());
    let _clear = Clear;
    Ok(f())
}

/// Runs `f` with `spec` as the settings of every figure it writes on this thread, then restores
/// the previous settings (also when `f` fails). Figures are drawn on the calling thread, so the
/// settings of one study never leak into another run in parallel.
pub fn with_figures<T>(spec: &FiguresSpec, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<FiguresSpec>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(old) = self.0.take() {
                CURRENT.with(|c| *c.borrow_mut() = old);
            }
        }
    }
    let spec = effective(spec);
    let old = CURRENT.with(|c| std::mem::replace(&mut *c.borrow_mut(), spec));
    let _restore = Restore(Some(old));
    f()
}

/// The settings in force on this thread ([`with_figures`]; else the defaults).
pub fn current() -> FiguresSpec {
    CURRENT.with(|c| c.borrow().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_check() {
        let s: FiguresSpec = toml::from_str("").unwrap();
        assert_eq!(s, FiguresSpec::default());
        s.check().unwrap();
        assert_eq!(s.width_of(false), 88.0);
        let s: FiguresSpec =
            toml::from_str("style = \"slides\"\ndpi = 150\nthrough = [1.0, 2.0, 3.0]").unwrap();
        assert_eq!(s.style, FigureStyle::Slides);
        assert_eq!(s.through, Some(Through::PointMm([1.0, 2.0, 3.0])));
        let s: FiguresSpec = toml::from_str("through = \"tumour\"").unwrap();
        assert_eq!(s.through, Some(Through::Region("tumour".into())));
        assert!(toml::from_str::<FiguresSpec>("colour = 1").is_err());
        let bad = FiguresSpec {
            formats: vec!["gif".into()],
            ..FiguresSpec::default()
        };
        assert!(format!("{:#}", bad.check().unwrap_err()).contains("figures.formats"));
    }

    #[test]
    fn an_override_goes_over_the_study_section() {
        let keys: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"dpi": 600, "formats": ["svg"]}"#).unwrap();
        let study = FiguresSpec {
            width_mm: Some(120.0),
            ..FiguresSpec::default()
        };
        let seen = with_figures_override(&keys, || effective(&study)).unwrap();
        assert_eq!((seen.dpi, seen.width_mm), (600.0, Some(120.0)));
        assert_eq!(seen.formats, ["svg"]);
        assert_eq!(effective(&study), study);
        let bad: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"colour": 1}"#).unwrap();
        assert!(with_figures_override(&bad, || ()).is_err());
    }

    #[test]
    fn scoped_settings_are_restored() {
        let s = FiguresSpec {
            dpi: 100.0,
            ..FiguresSpec::default()
        };
        let inner = with_figures(&s, || current().dpi);
        assert_eq!(inner, 100.0);
        assert_eq!(current().dpi, 300.0);
    }
}
