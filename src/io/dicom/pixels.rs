//! Pixel data of one DICOM file: native (uncompressed) transfer syntaxes only, 8, 16 or 32
//! bits, signed or not, with RescaleSlope and RescaleIntercept applied.

use super::{tag_name, Attrs};
use crate::io::IoError;
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use std::path::PathBuf;

/// Transfer syntaxes whose pixel data are stored uncompressed: implicit and explicit VR little
/// endian, deflated explicit VR little endian.
const NATIVE_SYNTAXES: [&str; 3] = [
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.1.99",
];

/// Refuses transfer syntaxes whose pixel data are compressed, naming the syntax.
pub(crate) fn check_syntax(f: &(PathBuf, DefaultDicomObject)) -> Result<(), IoError> {
    let ts = f.1.meta().transfer_syntax().trim_end_matches('\0');
    if NATIVE_SYNTAXES.contains(&ts) {
        return Ok(());
    }
    Err(IoError::format(
        &f.0,
        format!("transfer syntax {ts} ({}) holds compressed pixel data that theradose cannot decode; convert the series to explicit VR little endian first (e.g. `gdcmconv --raw` or `dcmdjpeg`)", syntax_name(ts)),
    ))
}

/// Decodes the native pixel data of one file into `out` (rows x columns x frames values),
/// applying RescaleSlope and RescaleIntercept.
pub(crate) fn decode_pixels(
    f: &(PathBuf, DefaultDicomObject),
    out: &mut [f64],
) -> Result<(), IoError> {
    let (path, obj) = f;
    let a = Attrs::new(obj, path);
    let bits = a.uint(tags::BITS_ALLOCATED)?;
    let signed = a.float(tags::PIXEL_REPRESENTATION)?.unwrap_or(0.0) == 1.0;
    let slope = a.float(tags::RESCALE_SLOPE)?.unwrap_or(1.0);
    let intercept = a.float(tags::RESCALE_INTERCEPT)?.unwrap_or(0.0);
    if a.float(tags::SAMPLES_PER_PIXEL)?.unwrap_or(1.0) != 1.0 {
        return Err(IoError::format(
            path,
            "SamplesPerPixel is not 1: a colour image is not a volume",
        ));
    }
    let elem = obj
        .element(tags::PIXEL_DATA)
        .map_err(|_| IoError::format(path, format!("{} is missing", tag_name(tags::PIXEL_DATA))))?;
    let bytes = elem
        .to_bytes()
        .map_err(|e| IoError::format(path, format!("pixel data cannot be read: {e}")))?;
    let nb = bits / 8;
    if ![1, 2, 4].contains(&nb) || bits % 8 != 0 {
        return Err(IoError::format(
            path,
            format!("BitsAllocated {bits}, expected 8, 16 or 32"),
        ));
    }
    if bytes.len() < out.len() * nb {
        return Err(IoError::format(
            path,
            format!(
                "{} bytes of pixel data for {} pixels of {bits} bits",
                bytes.len(),
                out.len()
            ),
        ));
    }
    for (v, b) in out.iter_mut().zip(bytes.chunks_exact(nb)) {
        let raw = match (nb, signed) {
            (1, false) => b[0] as f64,
            (1, true) => b[0] as i8 as f64,
            (2, false) => u16::from_le_bytes([b[0], b[1]]) as f64,
            (2, true) => i16::from_le_bytes([b[0], b[1]]) as f64,
            (_, false) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            (_, true) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
        };
        *v = raw * slope + intercept;
    }
    Ok(())
}

/// The name of a transfer syntax this reader refuses.
fn syntax_name(uid: &str) -> &'static str {
    match uid {
        "1.2.840.10008.1.2.2" => "explicit VR big endian",
        "1.2.840.10008.1.2.5" => "RLE lossless",
        "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" => "JPEG lossy",
        "1.2.840.10008.1.2.4.57" | "1.2.840.10008.1.2.4.70" => "JPEG lossless",
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => "JPEG-LS",
        "1.2.840.10008.1.2.4.90" | "1.2.840.10008.1.2.4.91" => "JPEG 2000",
        _ => "not a native syntax",
    }
}
