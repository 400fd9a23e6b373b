//! PNG helpers shared by the figure tests: the size from the IHDR chunk, the pixels of an
//! 8-bit RGB image, and the PNG files under a folder. Included with `#[path]` by each test file,
//! so a file that uses only some of them must not warn about the rest.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

/// The PNG signature (PNG spec, ISO/IEC 15948 5.2).
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
/// The default figure: one journal column, 88 mm at 300 dpi (88 / 25.4 * 300 = 1039 pixels),
/// 7:9 (in drawing units 570 x 443, so 1039 * 443 / 570 = 808 pixels high).
pub const FIGURE_PX: (u32, u32) = (1039, 808);

/// Width and height from the IHDR chunk, which must follow the signature.
pub fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() > 33, "{} is too short", path.display());
    assert_eq!(bytes[..8], PNG_SIGNATURE, "{} is not a PNG", path.display());
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |k: usize| u32::from_be_bytes(bytes[k..k + 4].try_into().unwrap());
    (be(16), be(20))
}

/// The pixels of an 8-bit RGB, non-interlaced PNG (the format plotters writes): the IDAT
/// stream inflated and its scanline filters (PNG spec section 9) undone.
pub fn png_rgb(path: &Path) -> Vec<[u8; 3]> {
    let bytes = std::fs::read(path).unwrap();
    let (w, h) = png_size(path);
    assert_eq!(
        bytes[24..29],
        [8, 2, 0, 0, 0],
        "not 8-bit RGB non-interlaced"
    );
    let mut idat = Vec::new();
    let mut k = 8;
    while k + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[k..k + 4].try_into().unwrap()) as usize;
        if &bytes[k + 4..k + 8] == b"IDAT" {
            idat.extend_from_slice(&bytes[k + 8..k + 8 + len]);
        }
        k += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = 3 * w as usize;
    assert_eq!(raw.len(), h as usize * (stride + 1));
    let mut img = vec![0u8; h as usize * stride];
    for y in 0..h as usize {
        let filter = raw[y * (stride + 1)];
        for x in 0..stride {
            let v = raw[y * (stride + 1) + 1 + x];
            let a = if x >= 3 { img[y * stride + x - 3] } else { 0 };
            let b = if y > 0 { img[(y - 1) * stride + x] } else { 0 };
            let c = if x >= 3 && y > 0 {
                img[(y - 1) * stride + x - 3]
            } else {
                0
            };
            let pred = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("PNG filter {f}"),
            };
            img[y * stride + x] = v.wrapping_add(pred);
        }
    }
    img.chunks(3).map(|p| [p[0], p[1], p[2]]).collect()
}

/// Pixels of exactly the colour `c`.
pub fn count(img: &[[u8; 3]], c: [u8; 3]) -> usize {
    img.iter().filter(|p| **p == c).count()
}

/// The PNG files under `dir`, in its sub-folders too.
pub fn pngs_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            pngs_under(&p, out);
        } else if p.extension().is_some_and(|x| x == "png") {
            out.push(p);
        }
    }
}
