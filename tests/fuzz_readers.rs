//! Fuzzed readers (issue 20, item 3): mutated and truncated NIfTI, MetaImage, DICOM, run and
//! study TOML, phantom TOML, tally checkpoints and CSV/JSON label names are fed to every
//! reader. Each must return (an error or a value), never panic, abort or allocate beyond what
//! the header honestly implies: this test binary's allocator refuses any single allocation
//! above 1 GiB (the process then aborts, failing the test), and headers claiming 1e12 voxels
//! are checked explicitly.
//!
//! Mutations are drawn by proptest's runner from fixed seeds (ChaCha), so every run feeds the
//! same cases: about 100,000 in all (DICOM parsing is the slow one: 300 cases).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};

/// The system allocator, refusing single allocations above 1 GiB.
struct Capped;

const MAX_ALLOCATION: usize = 1 << 30;

// SAFETY: forwards to the system allocator; a refused request returns null, which the standard
// library reports as an allocation failure.
unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            return std::ptr::null_mut();
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_ALLOCATION {
            return std::ptr::null_mut();
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Capped = Capped;

/// One edit of a byte string.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    /// a whole token (a number or word in a text file) replaced by a hostile one
    Token(usize, usize),
    /// a little-endian field of a binary header set to a hostile value
    Field(usize, usize),
}

const TOKENS: [&str; 14] = [
    "-1",
    "0",
    "1e300",
    "nan",
    "inf",
    "99999999999999999999",
    "4294967296",
    "1e12",
    "\"\"",
    "[]",
    "-0",
    "2.5",
    "=",
    "\n[x]\n",
];

const FIELDS: [i64; 10] = [
    0,
    -1,
    1,
    32767,
    -32768,
    i32::MAX as i64,
    i32::MIN as i64,
    1 << 40,
    i64::MAX,
    255,
];

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Set(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Insert(p, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(p, t)| Edit::Token(p, t)),
        (any::<usize>(), 0..FIELDS.len()).prop_map(|(p, f)| Edit::Field(p, f)),
    ]
}

/// Edits and an optional truncation (a fraction of the length, in 1/1000).
fn mutation() -> impl Strategy<Value = (Vec<Edit>, Option<u16>)> {
    (
        prop::collection::vec(edit_strategy(), 0..6),
        prop::option::weighted(0.3, 0..1000u16),
    )
}

/// Applies edits to `seed`; `header` is the span that field edits aim at (binary headers).
fn mutate(seed: &[u8], edits: &[Edit], cut: Option<u16>, header: usize) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        let n = b.len().max(1);
        match *e {
            Edit::Set(p, v) if !b.is_empty() => b[p % n] = v,
            Edit::Insert(p, v) => b.insert(p % (b.len() + 1), v),
            Edit::Delete(p) if !b.is_empty() => {
                b.remove(p % n);
            }
            Edit::Token(p, t) => {
                // the token at or after p: a run of alphanumerics, '.', '-' or '+'
                let is_tok = |c: u8| c.is_ascii_alphanumeric() || b".-+".contains(&c);
                let mut s = p % n;
                while s < b.len() && !is_tok(b[s]) {
                    s += 1;
                }
                let mut end = s;
                while end < b.len() && is_tok(b[end]) {
                    end += 1;
                }
                b.splice(s.min(b.len())..end, TOKENS[t].bytes());
            }
            Edit::Field(p, f) => {
                let span = header.min(b.len());
                if span >= 8 {
                    let at = (p % (span - 7)) & !1;
                    let v = FIELDS[f];
                    match p % 3 {
                        0 => b[at..at + 2].copy_from_slice(&(v as i16).to_le_bytes()),
                        1 => b[at..at + 4].copy_from_slice(&(v as i32).to_le_bytes()),
                        _ => b[at..at + 4].copy_from_slice(&(v as f32).to_le_bytes()),
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(c) = cut {
        b.truncate(b.len() * c as usize / 1000);
    }
    b
}

/// A scratch folder in memory where the system has one.
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(t) = tempfile::tempdir_in(shm) {
            return t;
        }
    }
    tempfile::tempdir().unwrap()
}

/// Runs `cases` mutations of `seed` (written to `path`) through `read`, from a fixed seed.
fn fuzz(name: &str, cases: u32, seed: &[u8], header: usize, path: &Path, read: impl Fn(&Path)) {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut key = [0u8; 32];
    key[..name.len().min(32)].copy_from_slice(&name.as_bytes()[..name.len().min(32)]);
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let result = runner.run(&mutation(), |(edits, cut)| {
        let bytes = mutate(seed, &edits, cut, header);
        std::fs::write(path, &bytes).unwrap();
        read(path);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{name}: a reader panicked on a mutated input: {e}");
    }
}

fn small_volume() -> theradose::io::Volume<f32> {
    let grid = theradose::io::Grid::new([3, 4, 5], [2.0, 2.5, 3.0]);
    let data = (0..60).map(|i| i as f32 * 0.5 - 3.0).collect();
    theradose::io::Volume { grid, data }
}

fn read_any(p: &Path) {
    let _ = theradose::io::read_volume(p);
}

#[test]
fn nifti_reader_survives_mutations() {
    let t = scratch();
    for (file, cases) in [("v.nii", 20_000), ("v.nii.gz", 6_000)] {
        let p = t.path().join(file);
        theradose::io::write_volume(&p, &small_volume(), "fuzz seed").unwrap();
        let seed = std::fs::read(&p).unwrap();
        fuzz(file, cases, &seed, 352, &p, read_any);
    }
}

#[test]
fn metaimage_reader_survives_mutations() {
    let t = scratch();
    // header + separate raw data (the header is mutated), and a single .mha
    let mhd = t.path().join("v.mhd");
    theradose::io::write_volume(&mhd, &small_volume(), "fuzz seed").unwrap();
    let seed = std::fs::read(&mhd).unwrap();
    fuzz("v.mhd", 10_000, &seed, 0, &mhd, read_any);
    let mha = t.path().join("v.mha");
    theradose::io::write_volume(&mha, &small_volume(), "fuzz seed").unwrap();
    let seed = std::fs::read(&mha).unwrap();
    fuzz("v.mha", 8_000, &seed, 0, &mha, read_any);
}

#[test]
fn dicom_readers_survive_mutations() {
    let t = scratch();
    let p = t.path().join("dose.dcm");
    let v = small_volume();
    let dose: Vec<f64> = v.data.iter().map(|&x| x.abs() as f64).collect();
    theradose::io::dicom::write_rt_dose(&p, &v.grid, &dose, "fuzz seed").unwrap();
    let seed = std::fs::read(&p).unwrap();
    fuzz("dose.dcm", 300, &seed, 0, &p, |p| {
        let _ = theradose::io::dicom::read_rt_dose(p);
        let _ = theradose::io::image::read_image(p, None);
    });
}

const RUN_FILE: &str = r#"
name = "fuzz"
description = "a run file"
[phantom]
builtin = "water-cube"
voxel_mm = 20.0
groups = []
[source]
particle = "photon"
kind = "point"
position_mm = [10.0, -10.0, 30.0]
energy_mev = 0.662
lines = [[0.1, 0.5], [0.2, 0.5]]
daughter_escape = [{ nuclide = "Bi-213", fraction = 0.3, to = "lost" }]
emitted_particles = 1e9
[run]
histories = 2e4
seed = 42
photon_cutoff_kev = 1.0
target_uncertainty = 0.02
target_region = "water"
"#;

#[test]
fn run_and_phantom_toml_survive_mutations() {
    let t = scratch();
    let p = t.path().join("run.toml");
    fuzz("run.toml", 18_000, RUN_FILE.as_bytes(), 0, &p, |p| {
        if let Ok(f) = theradose::run::spec::RunFile::load(p) {
            let _ = f.fingerprint();
        }
    });
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("phantoms/water-cube.toml");
    let seed = std::fs::read(&src).unwrap();
    let p = t.path().join("phantom.toml");
    fuzz("phantom.toml", 5_000, &seed, 0, &p, |p| {
        let _ = theradose::phantom::builtin::load_def(p.to_str().unwrap());
    });
}

fn study(name: &str) -> (PathBuf, Vec<u8>) {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("studies")
        .join(name);
    let b = std::fs::read(&p).unwrap();
    (p, b)
}

#[test]
fn study_toml_survives_mutations() {
    use theradose::study;
    let t = scratch();
    let (_, seed) = study("quickstart-ci.toml");
    let p = t.path().join("therapy.toml");
    fuzz("therapy.toml", 6_000, &seed, 0, &p, |p| {
        let _ = study::study_kind(p);
        if let Ok(table) = study::common::read_table(p) {
            if let Ok((table, axes)) = study::therapy::sweep::split_sweep(table, p) {
                if let Ok(tab) = study::therapy::sweep::point_table(&table, p, &axes, &[]) {
                    let _ = study::therapy::TherapyStudy::from_table(tab, p, None);
                }
            }
        }
    });
    let (_, seed) = study("lu177-psma.toml");
    let p = t.path().join("dosimetry.toml");
    fuzz("dosimetry.toml", 3_000, &seed, 0, &p, |p| {
        let _ = study::dosimetry::DosimetryFile::load(p);
    });
    let (_, seed) = study("bnct-mouse.toml");
    let p = t.path().join("bnct.toml");
    fuzz("bnct.toml", 3_000, &seed, 0, &p, |p| {
        let _ = study::bnct::BnctStudy::load(p);
    });
}

#[test]
fn tally_checkpoints_survive_mutations() {
    use theradose::tally::file::{read, write, TallyHeader};
    let t = scratch();
    let p = t.path().join("tally.bin");
    let mut tally = theradose::tally::Tally::new(12);
    tally.histories = 77;
    let h = TallyHeader {
        fingerprint: 0x1234_5678,
        first_history: 5,
        planned: 100,
    };
    write(&p, &h, &tally).unwrap();
    let seed = std::fs::read(&p).unwrap();
    fuzz("tally.bin", 12_000, &seed, 112, &p, |p| {
        let _ = read(p);
    });
}

#[test]
fn label_name_tables_survive_mutations() {
    let t = scratch();
    let csv = b"id,name\n1,liver\n2,kidneys\n3,lesion_1\n";
    let p = t.path().join("names.csv");
    fuzz("names.csv", 5_000, csv, 0, &p, |p| {
        let _ = theradose::io::labels::read_label_names(p);
    });
    let json = br#"{"1": "liver", "2": "kidneys", "3": "lesion_1"}"#;
    let p = t.path().join("names.json");
    fuzz("names.json", 4_000, json, 0, &p, |p| {
        let _ = theradose::io::labels::read_label_names(p);
    });
}

/// Headers that claim far more voxels than their files hold are refused before the data are
/// allocated (a 1e12-voxel volume would need 8 TB as f64).
#[test]
fn huge_headers_are_refused_before_allocating() {
    let t = scratch();
    // MetaImage: DimSize 10000^3 = 1e12 voxels, 60 floats of data
    let mhd = t.path().join("v.mhd");
    theradose::io::write_volume(&mhd, &small_volume(), "seed").unwrap();
    let text = std::fs::read_to_string(&mhd).unwrap();
    let line = text.lines().find(|l| l.starts_with("DimSize")).unwrap();
    std::fs::write(&mhd, text.replace(line, "DimSize = 10000 10000 10000")).unwrap();
    let e = theradose::io::read_volume(&mhd).unwrap_err().to_string();
    assert!(
        e.contains("10000x10000x10000") || e.contains("bytes"),
        "{e}"
    );
    // NIfTI: dim = 32767^3 (3.5e13 voxels) in a 700-byte file
    let nii = t.path().join("v.nii");
    theradose::io::write_volume(&nii, &small_volume(), "seed").unwrap();
    let mut b = std::fs::read(&nii).unwrap();
    for k in 0..3 {
        b[42 + 2 * k..44 + 2 * k].copy_from_slice(&32767i16.to_le_bytes());
    }
    std::fs::write(&nii, &b).unwrap();
    let e = theradose::io::read_volume(&nii).unwrap_err().to_string();
    assert!(e.contains("32767x32767x32767"), "{e}");
    // a tally checkpoint claiming 2^40 bins
    use theradose::tally::file::{read, write, TallyHeader};
    let p = t.path().join("tally.bin");
    let h = TallyHeader {
        fingerprint: 1,
        first_history: 0,
        planned: 10,
    };
    write(&p, &h, &theradose::tally::Tally::new(4)).unwrap();
    let mut b = std::fs::read(&p).unwrap();
    b[40..48].copy_from_slice(&(1u64 << 40).to_le_bytes());
    std::fs::write(&p, &b).unwrap();
    let e = format!("{:#}", read(&p).unwrap_err());
    assert!(e.contains("1099511627776 bins"), "{e}");
}

/// gzip members of `n_zeros` zero bytes each, concatenated `times` times: a small file that
/// inflates to `n_zeros * times` bytes (multi-member gzip is valid and read as one stream).
fn zero_bomb(n_zeros: usize, times: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![0u8; n_zeros]).unwrap();
    let member = enc.finish().unwrap();
    member.repeat(times)
}

/// A gzip bomb: a valid small volume followed by 2 GiB of zeros, compressed to a few MB. The
/// readers inflate only the bytes the header implies, so the volume reads (the trailing bytes
/// are ignored, as in an uncompressed file) with no allocation above the 1 GiB cap of this
/// test's allocator (which aborts the test process when a reader inflates everything).
#[test]
fn gzip_bombs_inflate_only_what_the_header_implies() {
    let t = scratch();
    let vol = small_volume();
    let nii = t.path().join("v.nii");
    theradose::io::write_volume(&nii, &vol, "seed").unwrap();
    let plain = std::fs::read(&nii).unwrap();
    let bomb = zero_bomb(64 << 20, 32);
    let mut gz = {
        use std::io::Write as _;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&plain).unwrap();
        enc.finish().unwrap()
    };
    gz.extend_from_slice(&bomb);
    let p = t.path().join("bomb.nii.gz");
    std::fs::write(&p, &gz).unwrap();
    assert!(gz.len() < 8 << 20, "{} bytes", gz.len());
    let back = theradose::io::read_volume(&p).unwrap();
    assert_eq!(back.data.len(), vol.data.len());
    assert!(back
        .data
        .iter()
        .zip(&vol.data)
        .all(|(a, b)| (*a - f64::from(*b)).abs() < 1e-6));
    // MetaImage with a compressed data file that inflates to 2 GiB: refused as the wrong size
    // or read from its first bytes, never inflated whole
    let mhd = t.path().join("m.mhd");
    let mut text = String::new();
    theradose::io::write_volume(&mhd, &vol, "seed").unwrap();
    for line in std::fs::read_to_string(&mhd).unwrap().lines() {
        if line.starts_with("ElementDataFile") {
            text.push_str("CompressedData = True\nElementDataFile = m.zraw\n");
        } else if !line.starts_with("CompressedData") {
            text.push_str(line);
            text.push('\n');
        }
    }
    std::fs::write(&mhd, text).unwrap();
    std::fs::write(t.path().join("m.zraw"), &bomb).unwrap();
    match theradose::io::read_volume(&mhd) {
        Ok(v) => assert_eq!(v.data.len(), vol.data.len()),
        Err(e) => assert!(e.to_string().contains("m.zraw"), "{e}"),
    }
}
