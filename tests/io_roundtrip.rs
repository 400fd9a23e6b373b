//! Round trips of NIfTI-1 and MetaImage volumes, and the errors bad files give.

use std::path::Path;

use theradose::io::{read_volume, write_volume, Grid, IoError, Volume};

/// A grid with unequal spacings, an off-centre origin and a direction with a flip
/// (determinant -1) that is also a rotation about x.
fn test_grid() -> Grid {
    Grid {
        dims: [5, 4, 3],
        spacing_mm: [1.5, 2.0, 3.0],
        origin_mm: [-10.5, 20.0, 33.25],
        // columns: axis 0 -> -x; axis 1 -> (0, 0.6, 0.8); axis 2 -> (0, -0.8, 0.6)
        direction: [[-1.0, 0.0, 0.0], [0.0, 0.6, -0.8], [0.0, 0.8, 0.6]],
    }
}

fn f32_volume() -> Volume<f32> {
    let grid = test_grid();
    let special = [0.0, -0.0, 1.0e-40, f32::MAX, f32::MIN_POSITIVE, -1.0e30];
    let data = (0..grid.len())
        .map(|i| special.get(i).copied().unwrap_or(i as f32 * 0.37 - 9.1))
        .collect();
    Volume { grid, data }
}

fn u16_volume() -> Volume<u16> {
    let grid = test_grid();
    let data = (0..grid.len()).map(|i| (i * 1111 % 65536) as u16).collect();
    let mut vol = Volume { grid, data };
    vol.data[1] = u16::MAX;
    vol
}

fn assert_grid_close(a: &Grid, b: &Grid, tol: f64) {
    assert_eq!(a.dims, b.dims);
    for c in 0..3 {
        assert!(
            (a.spacing_mm[c] - b.spacing_mm[c]).abs() <= tol,
            "{a:?}\n{b:?}"
        );
        assert!(
            (a.origin_mm[c] - b.origin_mm[c]).abs() <= tol,
            "{a:?}\n{b:?}"
        );
        for r in 0..3 {
            assert!(
                (a.direction[r][c] - b.direction[r][c]).abs() <= tol,
                "{a:?}\n{b:?}"
            );
        }
    }
}

fn assert_f32_bitwise(read: &Volume<f64>, orig: &Volume<f32>) {
    assert_eq!(read.data.len(), orig.data.len());
    for (r, o) in read.data.iter().zip(&orig.data) {
        assert_eq!((*r as f32).to_bits(), o.to_bits(), "{r} vs {o}");
    }
}

fn assert_u16_exact(read: &Volume<f64>, orig: &Volume<u16>) {
    let back: Vec<u16> = read.data.iter().map(|&v| v as u16).collect();
    assert_eq!(back, orig.data);
    assert!(read.data.iter().all(|v| v.fract() == 0.0));
}

fn no_tmp_left(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name();
        assert!(!name.to_string_lossy().ends_with(".tmp"), "{name:?} left");
    }
}

#[test]
fn nifti_round_trip_f32_and_u16() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.nii", "b.nii.gz"] {
        let p = dir.path().join(format!("f32_{name}"));
        let vol = f32_volume();
        write_volume(&p, &vol, "f32 round trip").unwrap();
        let back = read_volume(&p).unwrap();
        assert_f32_bitwise(&back, &vol);
        assert_grid_close(&back.grid, &vol.grid, 1e-6);

        let p = dir.path().join(format!("u16_{name}"));
        let vol = u16_volume();
        write_volume(&p, &vol, "u16 round trip").unwrap();
        let back = read_volume(&p).unwrap();
        assert_u16_exact(&back, &vol);
        assert_grid_close(&back.grid, &vol.grid, 1e-6);
    }
    no_tmp_left(dir.path());
}

#[test]
fn nifti_header_fields_are_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("h.nii");
    let long = "x".repeat(200);
    write_volume(&p, &f32_volume(), &long).unwrap();
    let b = std::fs::read(&p).unwrap();
    let i16_at = |at: usize| i16::from_le_bytes([b[at], b[at + 1]]);
    let f32_at = |at: usize| f32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    assert_eq!(i32::from_le_bytes(b[0..4].try_into().unwrap()), 348);
    assert_eq!(&b[344..348], b"n+1\0");
    assert_eq!(f32_at(108), 352.0); // vox_offset
    assert_eq!(i16_at(252), 1); // qform_code
    assert_eq!(i16_at(254), 1); // sform_code
    assert_eq!(b[123], 2 | 8); // mm + s
    assert_eq!([f32_at(80), f32_at(84), f32_at(88)], [1.5, 2.0, 3.0]);
    assert_eq!(f32_at(76), -1.0); // qfac: the direction has a flip
    assert_eq!(&b[148..227], "x".repeat(79).as_bytes());
    assert_eq!(b[227], 0);
    assert_eq!(b.len(), 352 + 60 * 4);
}

#[test]
fn nifti_qform_alone_gives_the_same_grid() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("q.nii");
    write_volume(&p, &f32_volume(), "").unwrap();
    let mut b = std::fs::read(&p).unwrap();
    b[254..256].copy_from_slice(&0i16.to_le_bytes()); // sform_code = 0
    std::fs::write(&p, &b).unwrap();
    let back = read_volume(&p).unwrap();
    assert_grid_close(&back.grid, &test_grid(), 1e-6);
}

#[test]
fn nifti_scaling_and_a_4th_dimension_of_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.nii");
    let vol = u16_volume();
    write_volume(&p, &vol, "").unwrap();
    let mut b = std::fs::read(&p).unwrap();
    b[112..116].copy_from_slice(&2.0f32.to_le_bytes()); // scl_slope
    b[116..120].copy_from_slice(&(-1.0f32).to_le_bytes()); // scl_inter
    b[40..42].copy_from_slice(&4i16.to_le_bytes()); // dim[0] = 4, dim[4] = 1 already
    std::fs::write(&p, &b).unwrap();
    let back = read_volume(&p).unwrap();
    assert_eq!(back.grid.dims, [5, 4, 3]);
    for (r, o) in back.data.iter().zip(&vol.data) {
        assert_eq!(*r, 2.0 * f64::from(*o) - 1.0);
    }
}

#[test]
fn mhd_round_trip_f32_and_u16() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["mhd", "mha"] {
        let p = dir.path().join(format!("f32.{ext}"));
        let vol = f32_volume();
        write_volume(&p, &vol, "f32 round trip").unwrap();
        let back = read_volume(&p).unwrap();
        assert_f32_bitwise(&back, &vol);
        assert_eq!(back.grid, vol.grid); // text keeps f64 exactly

        let p = dir.path().join(format!("u16.{ext}"));
        let vol = u16_volume();
        write_volume(&p, &vol, "u16\nround trip").unwrap();
        let back = read_volume(&p).unwrap();
        assert_u16_exact(&back, &vol);
        assert_eq!(back.grid, vol.grid);
    }
    assert!(dir.path().join("f32.raw").exists());
    no_tmp_left(dir.path());
}

#[test]
fn mhd_stores_lps() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("lps.mhd");
    write_volume(&p, &u16_volume(), "").unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("Offset = 10.5 -20 33.25\n"), "{text}");
    // axis 0 is RAS (-1, 0, 0) = LPS (1, 0, 0); axis 1 RAS (0, 0.6, 0.8) = LPS (0, -0.6, 0.8)
    assert!(
        text.contains("TransformMatrix = 1 0 0 0 -0.6 0.8 0 0.8 0.6\n"),
        "{text}"
    );
    assert!(text.contains("ElementType = MET_USHORT\n"));
    assert!(text.ends_with("ElementDataFile = lps.raw\n"));
}

#[test]
fn nifti_to_mhd_to_nifti_keeps_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let (a, m, b) = (
        dir.path().join("a.nii.gz"),
        dir.path().join("m.mhd"),
        dir.path().join("b.nii"),
    );
    let vol = f32_volume();
    write_volume(&a, &vol, "").unwrap();
    let from_nii = read_volume(&a).unwrap();
    write_volume(&m, &from_nii, "").unwrap();
    let from_mhd = read_volume(&m).unwrap();
    assert_eq!(from_mhd.grid, from_nii.grid);
    write_volume(&b, &from_mhd, "").unwrap();
    let again = read_volume(&b).unwrap();
    assert_grid_close(&again.grid, &from_nii.grid, 1e-6);
    assert!(again.grid.same_geometry(&vol.grid, 1e-5));
    assert_f32_bitwise(&again, &vol);
    // the NIfTI headers carry the same affine
    let sform = |p: &Path| {
        let bytes = std::fs::read(p).unwrap();
        let hdr = if p.extension().unwrap() == "gz" {
            use std::io::Read;
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .unwrap();
            out
        } else {
            bytes
        };
        hdr[280..328].to_vec()
    };
    assert_eq!(sform(&a), sform(&b));
}

/// The error, its message checked to name the file.
fn err_naming(path: &Path) -> IoError {
    let e = read_volume(path).expect_err("a bad file must not read");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(e.to_string().contains(&name), "{e} does not name {name}");
    e
}

#[test]
fn truncated_nifti_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.nii");
    write_volume(&p, &f32_volume(), "").unwrap();
    let b = std::fs::read(&p).unwrap();
    std::fs::write(&p, &b[..b.len() - 10]).unwrap();
    let msg = err_naming(&p).to_string();
    assert!(
        msg.contains("truncated: header says 5x4x3 voxels of 4 bytes (240 bytes)"),
        "{msg}"
    );
    assert!(msg.contains("230 bytes"), "{msg}");
    // cut inside the header
    std::fs::write(&p, &b[..100]).unwrap();
    err_naming(&p);
}

#[test]
fn garbage_and_missing_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("garbage.nii.gz");
    std::fs::write(&p, b"this is not a volume at all".repeat(40)).unwrap();
    assert!(err_naming(&p).to_string().contains("sizeof_hdr"));
    // gzip magic then garbage
    let mut g = vec![0x1f, 0x8b];
    g.extend_from_slice(&[7u8; 500]);
    std::fs::write(&p, &g).unwrap();
    err_naming(&p);
    // an empty file
    std::fs::write(&p, b"").unwrap();
    err_naming(&p);

    for name in [
        "missing.nii",
        "missing.nii.gz",
        "missing.mhd",
        "missing.mha",
    ] {
        let e = err_naming(&dir.path().join(name));
        assert!(matches!(e, IoError::Os { .. }), "{e}");
    }
    let e = err_naming(&dir.path().join("volume.png"));
    assert!(matches!(e, IoError::Extension { .. }));
}

#[test]
fn nifti_bad_headers_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.nii");
    write_volume(&p, &u16_volume(), "").unwrap();
    let good = std::fs::read(&p).unwrap();
    let patch = |at: usize, bytes: &[u8]| {
        let mut b = good.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        std::fs::write(&p, &b).unwrap();
        err_naming(&p).to_string()
    };
    assert!(patch(344, b"abc\0").contains("magic"));
    assert!(patch(0, &349i32.to_le_bytes()).contains("sizeof_hdr"));
    // 4-D with 2 frames
    let mut b = good.clone();
    b[40..42].copy_from_slice(&4i16.to_le_bytes());
    b[48..50].copy_from_slice(&2i16.to_le_bytes());
    std::fs::write(&p, &b).unwrap();
    assert!(err_naming(&p).to_string().contains("3-D"));
    assert!(patch(42, &0i16.to_le_bytes()).contains("dimension"));
    assert!(patch(70, &32i16.to_le_bytes()).contains("datatype 32"));
    assert!(patch(40, &9i16.to_le_bytes()).contains("dim[0]"));
}

#[test]
fn mhd_bad_headers_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.mhd");
    write_volume(&p, &u16_volume(), "").unwrap();
    let good = std::fs::read_to_string(&p).unwrap();
    let edit = |text: String| {
        std::fs::write(&p, text).unwrap();
        err_naming(&p).to_string()
    };
    let no_dims: String = good
        .lines()
        .filter(|l| !l.starts_with("DimSize"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(edit(no_dims).contains("DimSize"));
    assert!(edit(good.replace("MET_USHORT", "MET_HALF")).contains("MET_HALF"));
    assert!(edit(good.replace("DimSize = 5 4 3", "DimSize = 5 0 3")).contains("DimSize"));
    assert!(edit(good.replace("DimSize = 5 4 3", "DimSize = 5 4 4")).contains("truncated"));
    assert!(edit(good.replace("DimSize = 5 4 3", "DimSize = 5 4 2")).contains("describes"));
    assert!(edit(good.replace("bad.raw", "gone.raw")).contains("gone.raw"));
    assert!(edit("just some text\n".into()).contains("Key = Value"));
}

#[test]
fn mhd_reads_compressed_and_big_endian_data() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<i16> = vec![-3, 7, 1000, -32768, 32767, 0];
    let mut be = Vec::new();
    for v in &values {
        be.extend_from_slice(&v.to_be_bytes());
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&be).unwrap();
    std::fs::write(dir.path().join("c.zraw"), z.finish().unwrap()).unwrap();
    let header = "ObjectType = Image\nNDims = 2\nBinaryData = True\n\
                  BinaryDataByteOrderMSB = True\nCompressedData = True\n\
                  TransformMatrix = 1 0 0 1\nOffset = 1 2\nElementSpacing = 0.5 0.25\n\
                  DimSize = 3 2\nElementType = MET_SHORT\nElementDataFile = c.zraw\n";
    let p = dir.path().join("c.mhd");
    std::fs::write(&p, header).unwrap();
    let vol = read_volume(&p).unwrap();
    assert_eq!(vol.grid.dims, [3, 2, 1]);
    assert_eq!(vol.grid.spacing_mm, [0.5, 0.25, 1.0]);
    assert_eq!(vol.grid.origin_mm, [-1.0, -2.0, 0.0]);
    let expect: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    assert_eq!(vol.data, expect);
}

#[test]
fn writes_check_the_volume() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.nii");
    let mut vol = u16_volume();
    vol.data.pop();
    let e = write_volume(&p, &vol, "").unwrap_err();
    assert!(matches!(e, IoError::InvalidVolume { .. }));
    assert!(e.to_string().contains("w.nii"));
    assert!(!p.exists());
    no_tmp_left(dir.path());
}

/// DICOM RT Dose export (issue 6): geometry (RAS <-> LPS, oblique direction) and doses survive
/// a write and read back through dicom-rs; doses within the 32-bit quantisation (max / 2^32).
#[test]
fn rt_dose_round_trip() {
    use theradose::io::dicom::{read_rt_dose, write_rt_dose};
    let dir = tempfile::tempdir().unwrap();
    let mut grid = theradose::io::Grid::new([5, 4, 3], [2.0, 2.5, 3.0]);
    grid.origin_mm = [-10.0, 20.0, -30.5];
    // a rotation of 30 degrees about z (right-handed)
    let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
    grid.direction = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]];
    let dose: Vec<f64> = (0..60).map(|i| 0.37 * i as f64 + 0.01).collect();
    let p = dir.path().join("dose.dcm");
    write_rt_dose(&p, &grid, &dose, "test dose").unwrap();
    let back = read_rt_dose(&p).unwrap();
    assert!(
        back.grid.same_geometry(&grid, 1e-4),
        "{:?} vs {:?}",
        back.grid,
        grid
    );
    let max = dose.iter().cloned().fold(0.0, f64::max);
    for (a, b) in dose.iter().zip(&back.data) {
        assert!((a - b).abs() <= max / 4.0e9, "{a} vs {b}");
    }
    let bytes = std::fs::read(&p).unwrap();
    assert_eq!(&bytes[128..132], b"DICM");
    // negative or NaN doses are refused with the file named
    let e = write_rt_dose(&p, &grid, &vec![f64::NAN; 60], "x")
        .unwrap_err()
        .to_string();
    assert!(e.contains("dose.dcm"), "{e}");
}
