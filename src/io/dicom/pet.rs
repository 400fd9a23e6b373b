//! PET quantification: the SUV body-weight factor of a PET series from its DICOM header
//! (PatientWeight, RadiopharmaceuticalInformationSequence, DecayCorrection), following the
//! QIBA SUV profile's vendor-neutral recipe.
//!
//! `SUVbw = C(Bq/mL) * weight(g) / A(Bq)` with tissue taken as 1 g/mL, where `A` is the
//! injected activity decayed to the time the image values refer to:
//! * DecayCorrection `START`: values are decay-corrected to the scan start (DecayCorrection
//!   DateTime, else SeriesDate/Time, else AcquisitionDate/Time), so
//!   `A = A_inj * 2^(-(t_start - t_inj) / T1/2)`;
//! * `ADMIN`: values are decay-corrected to the administration, so `A = A_inj`;
//! * `NONE`: each slice refers to its own acquisition time; no single factor exists.

use super::time::{iso, parse_da_tm, parse_dt};
use super::Attrs;
use crate::io::IoError;
use dicom_dictionary_std::tags;
use serde::Serialize;

/// The PET header values behind SUV, and the factor itself.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PetInfo {
    /// Units (0054,1001), e.g. `BQML`
    pub units: String,
    /// DecayCorrection (0054,1102): `START`, `ADMIN` or `NONE`
    pub decay_correction: String,
    /// RadionuclideTotalDose, MBq (None when absent)
    pub injected_mbq: Option<f64>,
    /// PatientWeight, kg
    pub weight_kg: Option<f64>,
    /// RadionuclideHalfLife, s
    pub half_life_s: Option<f64>,
    /// administration time (ISO 8601, scanner local time)
    pub injection_time: Option<String>,
    /// the time the values are decay-corrected to for `START` (ISO 8601)
    pub scan_start: Option<String>,
    /// SUVbw = value (Bq/mL) x this factor (g/Bq, i.e. mL/Bq at 1 g/mL); None when the header
    /// lacks what it needs (the reason is in `note`)
    pub suv_bw_factor: Option<f64>,
    /// why `suv_bw_factor` is absent (empty when present)
    pub note: String,
}

/// Reads the SUV inputs of a PET data set and computes the body-weight factor.
///
/// # Errors
/// Only malformed numbers; missing attributes give `suv_bw_factor: None` with a note.
pub(crate) fn pet_info(a: &Attrs) -> Result<PetInfo, IoError> {
    let units = a.text(tags::UNITS).unwrap_or_default();
    let decay_correction = a.text(tags::DECAY_CORRECTION).unwrap_or_default();
    let weight_kg = a.float(tags::PATIENT_WEIGHT)?.filter(|w| *w > 0.0);
    let rp = a
        .items(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
        .first();
    let rpa = rp.map(|o| Attrs::new(o, a.path));
    let (mut injected_bq, mut half_life_s, mut t_inj) = (None, None, None);
    if let Some(r) = &rpa {
        injected_bq = r.float(tags::RADIONUCLIDE_TOTAL_DOSE)?.filter(|d| *d > 0.0);
        half_life_s = r.float(tags::RADIONUCLIDE_HALF_LIFE)?.filter(|h| *h > 0.0);
        t_inj = r
            .text(tags::RADIOPHARMACEUTICAL_START_DATE_TIME)
            .and_then(|s| parse_dt(&s))
            .or_else(|| {
                let date = a
                    .text(tags::SERIES_DATE)
                    .or_else(|| a.text(tags::STUDY_DATE))?;
                let tm = r.text(tags::RADIOPHARMACEUTICAL_START_TIME)?;
                parse_da_tm(&date, Some(&tm))
            });
    }
    let t_start = a
        .text(tags::DECAY_CORRECTION_DATE_TIME)
        .and_then(|s| parse_dt(&s))
        .or_else(|| {
            parse_da_tm(
                &a.text(tags::SERIES_DATE)?,
                Some(&a.text(tags::SERIES_TIME)?),
            )
        })
        .or_else(|| {
            parse_da_tm(
                &a.text(tags::ACQUISITION_DATE)?,
                Some(&a.text(tags::ACQUISITION_TIME)?),
            )
        });
    let (factor, note) = suv_factor(
        &units,
        &decay_correction,
        weight_kg,
        injected_bq,
        half_life_s,
        t_inj,
        t_start,
    );
    Ok(PetInfo {
        units,
        decay_correction,
        injected_mbq: injected_bq.map(|b| b * 1e-6),
        weight_kg,
        half_life_s,
        injection_time: t_inj.map(iso),
        scan_start: t_start.map(iso),
        suv_bw_factor: factor,
        note,
    })
}

/// The SUVbw factor (g/Bq) and, when it cannot be made, the reason.
fn suv_factor(
    units: &str,
    decay_correction: &str,
    weight_kg: Option<f64>,
    injected_bq: Option<f64>,
    half_life_s: Option<f64>,
    t_inj: Option<f64>,
    t_start: Option<f64>,
) -> (Option<f64>, String) {
    let missing = |what: &str| (None, format!("no SUV: {what}"));
    if units != "BQML" {
        return missing(&format!("Units (0054,1001) is '{units}', expected BQML"));
    }
    let Some(w) = weight_kg else {
        return missing("PatientWeight (0010,1030) is missing or zero");
    };
    let Some(dose) = injected_bq else {
        return missing("RadionuclideTotalDose (0018,1074) is missing");
    };
    let decayed = match decay_correction {
        "ADMIN" => dose,
        "START" => {
            let (Some(h), Some(ti), Some(ts)) = (half_life_s, t_inj, t_start) else {
                return missing("DecayCorrection START needs RadionuclideHalfLife, the injection time and the series time");
            };
            dose * (-(ts - ti) * std::f64::consts::LN_2 / h).exp()
        }
        other => {
            return missing(&format!(
                "DecayCorrection (0054,1102) is '{other}': values refer to each slice's own time"
            ))
        }
    };
    (Some(w * 1000.0 / decayed), String::new())
}

#[cfg(test)]
mod tests {
    use super::suv_factor;

    #[test]
    fn start_decays_the_dose_to_the_scan_start() {
        // 370 MBq, 70 kg, F-18 (6586.2 s), scan one half-life after injection
        let (f, _) = suv_factor(
            "BQML",
            "START",
            Some(70.0),
            Some(370e6),
            Some(6586.2),
            Some(0.0),
            Some(6586.2),
        );
        assert!((f.unwrap() - 70_000.0 / 185e6).abs() < 1e-12);
        let (f, _) = suv_factor("BQML", "ADMIN", Some(70.0), Some(370e6), None, None, None);
        assert!((f.unwrap() - 70_000.0 / 370e6).abs() < 1e-12);
        let (f, note) = suv_factor("CNTS", "START", Some(70.0), Some(1.0), None, None, None);
        assert!(f.is_none() && note.contains("BQML"));
    }
}
