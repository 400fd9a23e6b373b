//! When and how long a DICOM data set was acquired: the NM tomography duration, the scan start
//! and the administration time (seconds since 1970-01-01 on the scanner clock, parsed by
//! [`super::time`]).

use super::Attrs;
use crate::io::IoError;
use dicom_dictionary_std::tags;

/// The acquisition time of an NM tomography (s) from its RotationInformationSequence.
pub(super) fn acquisition_s(a: &Attrs) -> Result<Option<f64>, IoError> {
    let mut total = 0.0;
    for item in a.items(tags::ROTATION_INFORMATION_SEQUENCE) {
        let r = Attrs::new(item, a.path);
        match (
            r.float(tags::ACTUAL_FRAME_DURATION)?,
            r.float(tags::NUMBER_OF_FRAMES_IN_ROTATION)?,
        ) {
            (Some(ms), Some(n)) if ms > 0.0 && n > 0.0 => total += ms * 1e-3 * n,
            _ => return Ok(None),
        }
    }
    Ok((total > 0.0).then_some(total))
}

/// The acquisition time of a data set: AcquisitionDate/Time, else SeriesDate/Time, else
/// AcquisitionDateTime (s since 1970-01-01, scanner clock).
pub(super) fn scan_time_s(a: &Attrs) -> Option<f64> {
    let da_tm = |d, t| super::time::parse_da_tm(&a.text(d)?, Some(&a.text(t)?));
    da_tm(tags::ACQUISITION_DATE, tags::ACQUISITION_TIME)
        .or_else(|| da_tm(tags::SERIES_DATE, tags::SERIES_TIME))
        .or_else(|| super::time::parse_dt(&a.text(tags::ACQUISITION_DATE_TIME)?))
}

/// The administration time of the first RadiopharmaceuticalInformationSequence item (s since
/// 1970-01-01, scanner clock).
pub(super) fn injection_time_s(a: &Attrs) -> Option<f64> {
    let item = a
        .items(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
        .first()?;
    let r = Attrs::new(item, a.path);
    r.text(tags::RADIOPHARMACEUTICAL_START_DATE_TIME)
        .and_then(|s| super::time::parse_dt(&s))
        .or_else(|| {
            let date = a
                .text(tags::SERIES_DATE)
                .or_else(|| a.text(tags::STUDY_DATE))?;
            super::time::parse_da_tm(&date, Some(&r.text(tags::RADIOPHARMACEUTICAL_START_TIME)?))
        })
}
