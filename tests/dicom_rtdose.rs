//! RT Dose conformance: a dose written on a DICOM CT (written by pydicom, see
//! `scripts/make_dicom_testdata.py`) references that CT and passes `dciodvfy` (Debian package
//! `dicom3tools`) without an error. The test fails when `dciodvfy` is missing.
//!
//! This dciodvfy build aborts on 32-bit pixel data, so it checks a copy whose pixel module is
//! rewritten to 16 bits; the header, which is what it validates, is otherwise the same.

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use std::path::Path;
use std::process::Command;
use theradose::io::dicom::{read_rt_dose, read_series, write_rt_dose_for, DoseReference};

/// A copy of an RT Dose file with 16-bit pixels (the high halves of the 32-bit ones).
fn sixteen_bit_copy(src: &Path, dst: &Path) {
    let mut obj = dicom_object::open_file(src).unwrap();
    let px = obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
    let half: Vec<u8> = px.chunks_exact(4).flat_map(|b| [b[2], b[3]]).collect();
    let us = |v: u16| PrimitiveValue::from(v);
    obj.put(DataElement::new(tags::BITS_ALLOCATED, VR::US, us(16)));
    obj.put(DataElement::new(tags::BITS_STORED, VR::US, us(16)));
    obj.put(DataElement::new(tags::HIGH_BIT, VR::US, us(15)));
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U8(half.into()),
    ));
    obj.write_to_file(dst).unwrap();
}

#[test]
fn rt_dose_on_a_dicom_ct_passes_dciodvfy_and_references_the_ct() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dicom");
    let ct = read_series(&data.join("ct_rt"), None).unwrap();
    let g = &ct.volume.grid;
    let dose: Vec<f64> = (0..g.len()).map(|i| (i % 97) as f64 * 0.01).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rt_dose.dcm");
    let reference = DoseReference {
        identity: ct.identity.clone(),
        instances: ct.instances.clone(),
    };
    write_rt_dose_for(&path, g, &dose, "test dose", Some(&reference)).unwrap();

    // the grid and values come back as the CT's grid and the dose
    let back = read_rt_dose(&path).unwrap();
    assert!(
        back.grid.same_geometry(g, 1e-4),
        "{:?} vs {:?}",
        back.grid,
        g
    );
    for (a, b) in back.data.iter().zip(&dose) {
        assert!((a - b).abs() <= 0.97 / u32::MAX as f64 + 1e-12);
    }
    // patient, study and frame of reference copied from the CT; its slices referenced
    let obj = dicom_object::open_file(&path).unwrap();
    let text = |t| obj.element(t).unwrap().to_str().unwrap().trim().to_string();
    assert_eq!(
        text(tags::STUDY_INSTANCE_UID),
        ct.identity.study_instance_uid
    );
    assert_eq!(
        text(tags::FRAME_OF_REFERENCE_UID),
        ct.identity.frame_of_reference_uid
    );
    assert_eq!(text(tags::PATIENT_ID), "TD-016");
    assert_eq!(text(tags::PATIENT_BIRTH_DATE), "19700101");
    assert_eq!(text(tags::DOSE_SUMMATION_TYPE), "PLAN_OVERVIEW");
    let refs = obj
        .element(tags::REFERENCED_IMAGE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap();
    assert_eq!(refs.len(), 45);

    let checked = dir.path().join("rt_dose_16bit.dcm");
    sixteen_bit_copy(&path, &checked);
    let out = Command::new("dciodvfy").arg(&checked).output().expect(
        "dciodvfy (Debian package dicom3tools) must be installed: apt-get install -y dicom3tools",
    );
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("RTDose"), "{report}");
    let errors: Vec<&str> = report.lines().filter(|l| l.starts_with("Error")).collect();
    assert!(errors.is_empty(), "dciodvfy errors:\n{report}");
}
