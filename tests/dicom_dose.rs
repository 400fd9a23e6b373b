//! `theradose dose` on a patient-like CT: a DICOM folder (written by pydicom, see
//! `scripts/make_dicom_testdata.py`) with an RTSTRUCT as its labels, a TIA map on a coarser
//! grid resampled onto the CT conserving activity, and the RT Dose joining the CT's study;
//! and a NIfTI CT with anisotropic voxels.

use std::path::{Path, PathBuf};
use theradose::context::Context;
use theradose::io::dicom::{read_rt_dose, read_series};
use theradose::io::{read_volume, write_volume, Grid, Volume};
use theradose::study::dose::{run_files, DoseFiles};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dicom")
        .join(name)
}

#[test]
fn dose_on_a_dicom_ct_with_rtstruct_and_a_tia_on_another_grid() {
    let ct_dir = data("ct_rt");
    let ct = read_series(&ct_dir, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // the CT's extent (96 x 96 x 90 mm) in 4 x 4 x 6 mm voxels, uniform 1e6 Bq s per voxel
    let mut g = Grid::new([24, 24, 15], [4.0, 4.0, 6.0]);
    g.direction = ct.volume.grid.direction;
    let corner = ct.volume.grid.world_mm([-0.5, -0.5, -0.5]);
    let half: [f64; 3] = std::array::from_fn(|c| 0.5 * g.spacing_mm[c]);
    g.origin_mm = [
        corner[0] - half[0],
        corner[1] - half[1],
        corner[2] + half[2],
    ];
    let tia_path = dir.path().join("tia.nii.gz");
    let tia = Volume {
        data: vec![1e6; g.len()],
        grid: g,
    };
    write_volume(&tia_path, &tia, "tia").unwrap();
    let out = dir.path().join("dose");
    let mut job =
        DoseFiles::with_method("ldm", ct_dir.to_str().unwrap(), &tia_path, "Lu-177", &out).unwrap();
    job.labels = Some(data("rtstruct.dcm"));
    job.dicom = true;
    let r = run_files(&Context::load().unwrap(), &job).unwrap();
    let find = |n: &str| r.regions.iter().find(|x| x.name == n).unwrap();
    let (sphere, ring) = (find("Sphere"), find("Ring"));
    // water everywhere, uniform TIA: the same local dose in both ROIs
    assert!(sphere.mean_gy > 0.0);
    assert!(
        (sphere.mean_gy / ring.mean_gy - 1.0).abs() < 1e-3,
        "{} {}",
        sphere.mean_gy,
        ring.mean_gy
    );
    // the activity is conserved by the resampling: 24*24*15 voxels of 1e6 Bq s
    assert!(
        (r.decays / (24.0 * 24.0 * 15.0 * 1e6) - 1.0).abs() < 1e-9,
        "{}",
        r.decays
    );
    // the RT Dose is on the CT grid, in the CT's study and frame, and matches dose.nii.gz
    let rd = read_rt_dose(&out.join("dose.dcm")).unwrap();
    let nii = read_volume(&out.join("dose.nii.gz")).unwrap();
    assert!(rd.grid.same_geometry(&ct.volume.grid, 1e-4));
    assert!(nii.grid.same_geometry(&rd.grid, 1e-4));
    let max = nii.data.iter().cloned().fold(0.0, f64::max);
    for (a, b) in rd.data.iter().zip(&nii.data) {
        assert!((a - b).abs() <= 1e-6 * max, "{a} {b}");
    }
    let obj = dicom_object::open_file(out.join("dose.dcm")).unwrap();
    let uid = obj
        .element(dicom_dictionary_std::tags::STUDY_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(uid.trim_end_matches('\0'), ct.identity.study_instance_uid);
}

#[test]
fn dose_on_a_nifti_ct_with_anisotropic_voxels() {
    let ct = read_series(
        &data("ct_two_series"),
        Some("1.2.826.0.1.3680043.8.498.16.10"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ct_path = dir.path().join("ct.nii.gz");
    write_volume(&ct_path, &ct.volume, "ct").unwrap();
    // 2 x 1.5 x 2.5 mm voxels; activity only in the bone rod
    let g = &ct.volume.grid;
    let mut tia = vec![0.0; g.len()];
    for k in 0..6 {
        tia[g.index(10, 8, k)] = 1e8;
    }
    let tia_path = dir.path().join("tia.nii.gz");
    write_volume(
        &tia_path,
        &Volume {
            grid: g.clone(),
            data: tia,
        },
        "tia",
    )
    .unwrap();
    let out = dir.path().join("dose");
    let job = DoseFiles::with_method("ldm", ct_path.to_str().unwrap(), &tia_path, "Lu-177", &out)
        .unwrap();
    let r = run_files(&Context::load().unwrap(), &job).unwrap();
    assert_eq!(r.dose_gy.len(), 24 * 20 * 6);
    // local deposition: dose only where the activity is, lower in denser bone slices
    assert!(r.dose_gy[g.index(10, 8, 0)] > r.dose_gy[g.index(10, 8, 5)]);
    assert_eq!(r.dose_gy[g.index(0, 0, 0)], 0.0);
    // labels apply to CTs only: a built-in phantom with labels is refused, naming both
    let mut job = DoseFiles::with_method("ldm", "water-cube", &tia_path, "Lu-177", &out).unwrap();
    job.labels = Some(data("rtstruct.dcm"));
    let e = format!(
        "{:#}",
        run_files(&Context::load().unwrap(), &job).unwrap_err()
    );
    assert!(
        e.contains("rtstruct.dcm") && e.contains("water-cube"),
        "{e}"
    );
}

/// `[phantom]` of a run file: `ct` a DICOM folder, `labels` an RTSTRUCT.
#[test]
fn run_file_phantom_from_a_dicom_folder_and_rtstruct() {
    let spec: theradose::run::spec::PhantomSpec = toml::from_str(&format!(
        "ct = '{}'\nlabels = '{}'\n",
        data("ct_rt").display(),
        data("rtstruct.dcm").display()
    ))
    .unwrap();
    let ctx = Context::load().unwrap();
    let ph = theradose::run::problem::build_phantom(&spec, &ctx.materials).unwrap();
    assert_eq!(ph.grid.dims, [48, 48, 45]);
    let names: Vec<&str> = ph.regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["outside", "Sphere", "Ring"]);
}
