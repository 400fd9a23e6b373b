//! Axis titles of sweep keys in words with units: one table per spec, beside its fields
//! ([`crate::study::dosimetry::spec::FIELD_TITLES`] for `[phantom]`, `[therapy]`,
//! `[[kinetics]]`, `[imaging]`, `[dose]`; [`FIELD_TITLES`] here for the sections of
//! [`super::spec`], whose file is at its size limit), and [`axis_title`] that reads them.

use crate::study::dosimetry::spec::FIELD_TITLES as DOSIMETRY_TITLES;

/// The fields of the therapy sections (`[baseline_pet]`, `[biology]`, `[followup]`, the
/// lesion scale of `[phantom]`, the variant) as sweep axis titles, in the words and units of
/// their documentation in [`super::spec`]; `*` stands for one segment (a region's or tissue's
/// name, or `tissue`/`overrides`), the last of which replaces `{}` in the title.
pub const FIELD_TITLES: [(&str, &str); 35] = [
    ("variant", "study variant"),
    ("phantom.lesion_scale", "lesion size scale (linear)"),
    ("phantom.lesion_uptake", "lesion uptake at another size"),
    ("baseline_pet.tracer", "PET tracer"),
    ("baseline_pet.activity_mbq", "injected PET activity (MBq)"),
    ("baseline_pet.uptake_min", "PET uptake time (min)"),
    (
        "baseline_pet.duration_s",
        "PET scan duration per bed position (s)",
    ),
    ("baseline_pet.scanner", "PET scanner"),
    (
        "baseline_pet.body_fraction",
        "fraction of the PET activity spread over the body",
    ),
    (
        "baseline_pet.z_range_mm",
        "axial extent of the PET scan (mm)",
    ),
    ("baseline_pet.margin_mm", "PET scan margin (mm)"),
    ("baseline_pet.iterations", "OSEM iterations"),
    ("baseline_pet.subsets", "OSEM subsets"),
    ("baseline_pet.views", "PET projection angles"),
    (
        "baseline_pet.positron_histories",
        "positron histories of the range kernel",
    ),
    ("baseline_pet.post_filter_mm", "PET post-filter, FWHM (mm)"),
    ("baseline_pet.psf", "PET resolution modelling"),
    ("baseline_pet.seed", "PET noise seed"),
    ("biology.regions.*", "tissue of {}"),
    ("biology.default_tissue", "tissue of the other voxels"),
    ("biology.rbe_alpha", "RBE of alpha particles"),
    (
        "biology.geud_a_tumour",
        "gEUD volume parameter a of lesions",
    ),
    (
        "biology.*.*.alpha_per_gy",
        "{}: radiosensitivity alpha (1/Gy)",
    ),
    (
        "biology.*.*.sigma_alpha_per_gy",
        "{}: spread of alpha (1/Gy)",
    ),
    ("biology.*.*.alpha_beta_gy", "{}: alpha/beta (Gy)"),
    ("biology.*.*.repair_half_time_h", "{}: repair half-time (h)"),
    (
        "biology.*.*.clonogen_density_per_cm3",
        "{}: clonogen density (cm-3)",
    ),
    ("biology.*.*.rbe_alpha", "{}: RBE of alpha particles"),
    (
        "biology.*.*.clearance_half_time_d",
        "{}: clearance half-time of damaged cells (d)",
    ),
    (
        "biology.*.*.doubling_time_d",
        "{}: clonogen doubling time (d)",
    ),
    (
        "followup.cycle_interval_weeks",
        "time between cycles (weeks)",
    ),
    (
        "followup.weeks_after_last_cycle",
        "follow-up scan after the last cycle (weeks)",
    ),
    (
        "followup.activity_mbq",
        "injected follow-up PET activity (MBq)",
    ),
    ("followup.tracer", "follow-up PET tracer"),
    (
        "followup.baseline_suv.*",
        "{}: pre-therapy SUV of the follow-up tracer",
    ),
];

/// The title of `key` in the tables, if any.
pub fn field_title(key: &str) -> Option<String> {
    let segs: Vec<&str> = key.split('.').collect();
    DOSIMETRY_TITLES
        .iter()
        .chain(FIELD_TITLES.iter())
        .find_map(|(pattern, title)| {
            let pat: Vec<&str> = pattern.split('.').collect();
            if pat.len() != segs.len() {
                return None;
            }
            let mut wild = None;
            for (p, s) in pat.iter().zip(&segs) {
                if *p == "*" {
                    wild = Some(*s);
                } else if p != s {
                    return None;
                }
            }
            Some(wild.map_or_else(|| title.to_string(), |w| title.replace("{}", w)))
        })
}

/// The axis title of a sweep key (`therapy.activity_per_cycle_mbq` -> "administered activity
/// per cycle (MBq)"), from the tables; a key in none of them (a field added without its title)
/// is read from its name: underscores as spaces, a unit suffix (`_mbq`, `_gbq`, `_mm`, `_cm`,
/// `_h`, `_d`, `_gy`, `_pct`) as the unit.
pub fn axis_title(key: &str) -> String {
    if let Some(t) = field_title(key) {
        return t;
    }
    let leaf = key.rsplit('.').next().unwrap_or(key);
    let units = [
        ("_mbq", "MBq"),
        ("_gbq", "GBq"),
        ("_mm", "mm"),
        ("_cm", "cm"),
        ("_h", "h"),
        ("_d", "d"),
        ("_gy", "Gy"),
        ("_pct", "%"),
    ];
    for (suffix, unit) in units {
        if let Some(stem) = leaf.strip_suffix(suffix) {
            return format!("{} ({unit})", stem.replace('_', " "));
        }
    }
    leaf.replace('_', " ")
}
