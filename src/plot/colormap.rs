//! Colour maps: a value in [0, 1] to an sRGB colour; and the qualitative palette of curves and
//! bars ([`qualitative`]): Okabe-Ito colours, then line styles once they are used up.

use plotters::style::RGBColor;

/// A closed set of colour maps for images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colormap {
    /// matplotlib's perceptually uniform default, dark blue to yellow.
    Viridis,
    /// matplotlib's perceptually uniform black-red-yellow-white map.
    Inferno,
    /// matplotlib's perceptually uniform black-purple-orange-cream map.
    Magma,
    /// Nuñez, Anderton and Renslow's colour-vision-deficiency friendly blue-yellow map
    /// (PLoS ONE 13:e0199239, 2018), as in matplotlib.
    Cividis,
    /// Black to white, linear in sRGB.
    Gray,
}

/// Every 16th entry (0, 16, ..., 240) and the last (255) of matplotlib's 256-entry `_viridis_data`
/// (`lib/matplotlib/_cm_listed.py`, van der Walt and Smith, CC0), scaled to 0..255.
const VIRIDIS: [(u8, u8, u8); 17] = [
    (68, 1, 84),
    (72, 24, 106),
    (71, 45, 123),
    (66, 64, 134),
    (59, 82, 139),
    (51, 99, 141),
    (44, 114, 142),
    (38, 130, 142),
    (33, 145, 140),
    (31, 160, 136),
    (40, 174, 128),
    (63, 188, 115),
    (94, 201, 98),
    (132, 212, 75),
    (173, 220, 48),
    (216, 226, 25),
    (253, 231, 37),
];

/// The same sampling of matplotlib's `_inferno_data` (`lib/matplotlib/_cm_listed.py`, CC0).
const INFERNO: [(u8, u8, u8); 17] = [
    (0, 0, 4),
    (11, 7, 36),
    (33, 12, 74),
    (61, 9, 101),
    (87, 16, 110),
    (113, 25, 110),
    (138, 34, 106),
    (163, 44, 97),
    (188, 55, 84),
    (210, 70, 68),
    (228, 90, 49),
    (241, 115, 29),
    (249, 142, 9),
    (252, 172, 17),
    (249, 203, 53),
    (242, 234, 105),
    (252, 255, 164),
];

/// The same sampling of matplotlib's `_magma_data` (`lib/matplotlib/_cm_listed.py`, CC0).
const MAGMA: [(u8, u8, u8); 17] = [
    (0, 0, 4),
    (10, 8, 34),
    (29, 17, 71),
    (54, 16, 107),
    (81, 18, 124),
    (106, 28, 129),
    (131, 38, 129),
    (156, 46, 127),
    (183, 55, 121),
    (208, 65, 111),
    (231, 82, 99),
    (245, 107, 92),
    (252, 137, 97),
    (254, 167, 114),
    (254, 196, 136),
    (253, 226, 163),
    (252, 253, 191),
];

/// The same sampling of matplotlib's `_cividis_data` (`lib/matplotlib/_cm_listed.py`; Nuñez et
/// al. 2018, CC0).
const CIVIDIS: [(u8, u8, u8); 17] = [
    (0, 34, 78),
    (0, 46, 106),
    (26, 56, 111),
    (50, 67, 109),
    (67, 78, 108),
    (83, 90, 109),
    (97, 101, 111),
    (111, 112, 115),
    (125, 124, 120),
    (140, 136, 120),
    (155, 148, 118),
    (171, 160, 114),
    (188, 174, 108),
    (205, 187, 99),
    (222, 201, 88),
    (240, 216, 70),
    (254, 232, 56),
];

/// The Okabe-Ito palette of eight colours distinguishable under the common colour-vision
/// deficiencies (Okabe and Ito, "Color Universal Design", 2008; Wong, Nature Methods 8:441,
/// 2011), black last so that it is used for the ninth curve only.
pub const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
    RGBColor(0, 0, 0),       // black
];

/// How a curve is stroked: solid, or dashed with (dash, gap) in drawing units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dash {
    Solid,
    Dashed(u32, u32),
}

/// The look of the `n`-th curve or bar group of a figure: the `n mod 8`-th Okabe-Ito colour,
/// solid for the first eight, then dashed, dotted and dash-dotted, so that no two of the first
/// 32 look alike.
pub fn qualitative(n: usize) -> (RGBColor, Dash) {
    let dash = match (n / OKABE_ITO.len()) % 4 {
        0 => Dash::Solid,
        1 => Dash::Dashed(12, 6),
        2 => Dash::Dashed(3, 4),
        _ => Dash::Dashed(20, 5),
    };
    (OKABE_ITO[n % OKABE_ITO.len()], dash)
}

impl Colormap {
    /// The colour at `t` in [0, 1]; values outside are clamped and NaN gives the lowest colour.
    pub fn rgb(self, t: f64) -> RGBColor {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        match self {
            Colormap::Viridis => sampled(&VIRIDIS, t),
            Colormap::Inferno => sampled(&INFERNO, t),
            Colormap::Magma => sampled(&MAGMA, t),
            Colormap::Cividis => sampled(&CIVIDIS, t),
            Colormap::Gray => {
                let g = to_u8(t);
                RGBColor(g, g, g)
            }
        }
    }
}

fn to_u8(x: f64) -> u8 {
    (x * 255.0).round().clamp(0.0, 255.0) as u8
}

/// Linear interpolation in a table sampled at 256-entry indices 0, 16, ..., 240, 255.
fn sampled(table: &[(u8, u8, u8); 17], t: f64) -> RGBColor {
    let f = t * 255.0;
    let k = ((f / 16.0) as usize).min(15);
    let i0 = 16.0 * k as f64;
    let i1 = if k == 15 { 255.0 } else { i0 + 16.0 };
    let w = ((f - i0) / (i1 - i0)).clamp(0.0, 1.0);
    let (a, b) = (table[k], table[k + 1]);
    let mix = |x: u8, y: u8| (x as f64 + w * (y as f64 - x as f64)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_match_the_tables() {
        assert_eq!(Colormap::Viridis.rgb(0.0), RGBColor(68, 1, 84));
        assert_eq!(Colormap::Viridis.rgb(1.0), RGBColor(253, 231, 37));
        assert_eq!(Colormap::Inferno.rgb(1.0), RGBColor(252, 255, 164));
        assert_eq!(Colormap::Gray.rgb(0.5), RGBColor(128, 128, 128));
        assert_eq!(Colormap::Viridis.rgb(f64::NAN), Colormap::Viridis.rgb(0.0));
        assert_eq!(Colormap::Magma.rgb(1.0), RGBColor(252, 253, 191));
        assert_eq!(Colormap::Cividis.rgb(0.0), RGBColor(0, 34, 78));
    }

    #[test]
    fn palette_never_repeats_within_32() {
        let looks: Vec<_> = (0..32).map(qualitative).collect();
        for a in 0..32 {
            for b in a + 1..32 {
                assert_ne!(looks[a], looks[b], "curves {a} and {b}");
            }
        }
    }
}
