//! DICOM CT series load speed (issue 16 target: a 512 x 512 x 300 CT series in under 3 s):
//! writes a synthetic series of 16-bit slices (explicit VR little endian, shuffled file names)
//! into a temporary folder, then times `io::dicom::read_series` on 2 threads.
//! Run: `cargo bench --bench dicom_load` (BENCH_DIMS=nx,ny,nz to change the size).

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{meta::FileMetaTableBuilder, InMemDicomObject};
use std::path::Path;
use std::time::Instant;

fn write_slice(dir: &Path, k: usize, dims: [usize; 3]) {
    let [nx, ny, _] = dims;
    let mut obj = InMemDicomObject::new_empty();
    let s = |x: &str| PrimitiveValue::from(x);
    let sop = format!("1.2.826.0.1.3680043.8.498.99.{}", k + 1);
    let mut put = |tag, vr, v| obj.put(DataElement::new(tag, vr, v));
    put(tags::SOP_CLASS_UID, VR::UI, s(uids::CT_IMAGE_STORAGE));
    put(tags::SOP_INSTANCE_UID, VR::UI, s(&sop));
    put(tags::MODALITY, VR::CS, s("CT"));
    put(
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        s("1.2.826.0.1.3680043.8.498.99"),
    );
    put(
        tags::IMAGE_POSITION_PATIENT,
        VR::DS,
        s(&format!("-250\\-250\\{}", k as f64 * 1.25)),
    );
    put(
        tags::IMAGE_ORIENTATION_PATIENT,
        VR::DS,
        s("1\\0\\0\\0\\1\\0"),
    );
    put(tags::PIXEL_SPACING, VR::DS, s("0.9765625\\0.9765625"));
    put(tags::ROWS, VR::US, PrimitiveValue::from(ny as u16));
    put(tags::COLUMNS, VR::US, PrimitiveValue::from(nx as u16));
    put(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16));
    put(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16));
    put(tags::BITS_STORED, VR::US, PrimitiveValue::from(16u16));
    put(tags::HIGH_BIT, VR::US, PrimitiveValue::from(15u16));
    put(
        tags::PIXEL_REPRESENTATION,
        VR::US,
        PrimitiveValue::from(1u16),
    );
    put(tags::RESCALE_SLOPE, VR::DS, s("1"));
    put(tags::RESCALE_INTERCEPT, VR::DS, s("-1024"));
    let px: Vec<u8> = (0..nx * ny)
        .flat_map(|i| (((i * 7 + k) % 2000) as i16).to_le_bytes())
        .collect();
    put(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U8(px.into()));
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .media_storage_sop_class_uid(uids::CT_IMAGE_STORAGE)
                .media_storage_sop_instance_uid(&sop),
        )
        .unwrap();
    // file names in another order than the slices
    let name = format!(
        "{:08x}.dcm",
        (k as u64).wrapping_mul(0x9e37_79b9) & 0xffff_ffff
    );
    file.write_to_file(dir.join(name)).unwrap();
}

fn main() {
    let dims: Vec<usize> = std::env::var("BENCH_DIMS")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![512, 512, 300]);
    let dims = [dims[0], dims[1], dims[2]];
    let dir = tempfile::tempdir().unwrap();
    for k in 0..dims[2] {
        write_slice(dir.path(), k, dims);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for rep in 0..3 {
        let t = Instant::now();
        let img = pool.install(|| theradose::io::dicom::read_series(dir.path(), None).unwrap());
        let s = t.elapsed().as_secs_f64();
        assert_eq!(img.volume.grid.dims, dims);
        println!(
            "dicom_load {}x{}x{} CT series, 2 threads, run {rep}: {s:.3} s",
            dims[0], dims[1], dims[2]
        );
    }
}
