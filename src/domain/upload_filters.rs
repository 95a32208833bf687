//! Pleroma's upload filters (`Pleroma.Upload.Filter.*`) the gateway runs, without exiftool:
//! `Exiftool.StripLocation` (GPS tags and PNG text), `Exiftool.StripMetadata` (all EXIF, XMP,
//! comments and PNG text; the ICC profile stays), `Dedupe` (the content's SHA-256 names the
//! file) and `AnonymizeFilename` (the shown name replaced).
use img_parts::{jpeg::Jpeg, png::Png, webp::WebP, Bytes, ImageEXIF};
use sha2::Digest;

use crate::config::Upload;

/// PNG chunks of text metadata (exiftool's `-png:all=`).
const PNG_TEXT: [[u8; 4]; 3] = [*b"tEXt", *b"iTXt", *b"zTXt"];
/// JPEG APP1 (EXIF, XMP) and COM segments.
const APP1: u8 = 0xE1;
const COM: u8 = 0xFE;

/// `body` with the metadata filters of `upload` applied, when it is a JPEG, PNG or WebP that
/// they change; `None` leaves the file as it is (other types, or nothing to strip).
pub fn strip_metadata(upload: &Upload, content_type: &str, body: &[u8]) -> Option<Vec<u8>> {
    let all = upload.has_filter("Exiftool.StripMetadata");
    let location = upload.has_filter("Exiftool.StripLocation");
    if !all && !location {
        return None;
    }
    let bytes = Bytes::copy_from_slice(body);
    let out = match content_type {
        "image/jpeg" => {
            let mut jpeg = Jpeg::from_bytes(bytes).ok()?;
            if all {
                jpeg.segments_mut().retain(|s| s.marker() != APP1 && s.marker() != COM);
            } else {
                let exif = jpeg.exif()?;
                jpeg.set_exif(Some(without_gps(&exif)?.into()));
            }
            jpeg.encoder().bytes()
        }
        "image/png" => {
            let mut png = Png::from_bytes(bytes).ok()?;
            png.chunks_mut().retain(|c| !PNG_TEXT.contains(&c.kind()));
            match png.exif() {
                Some(_) if all => png.set_exif(None),
                Some(exif) => png.set_exif(without_gps(&exif).map(Into::into)),
                None => {}
            }
            png.encoder().bytes()
        }
        "image/webp" => {
            let mut webp = WebP::from_bytes(bytes).ok()?;
            match webp.exif() {
                Some(_) if all => webp.set_exif(None),
                Some(exif) => webp.set_exif(without_gps(&exif).map(Into::into)),
                None => {}
            }
            if all {
                webp.remove_chunks_by_id(img_parts::webp::CHUNK_XMP);
            }
            webp.encoder().bytes()
        }
        _ => return None,
    };
    Some(out.to_vec())
}

/// A TIFF (EXIF) block with its GPS IFD emptied: every GPS entry and the data it points at
/// zeroed, the IFD left with no entries. `None` when the block does not parse.
fn without_gps(exif: &[u8]) -> Option<Vec<u8>> {
    let mut tiff = exif.to_vec();
    let little = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |b: &[u8], at: usize| -> Option<u32> {
        let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(u32::from(if little { u16::from_le_bytes(s) } else { u16::from_be_bytes(s) }))
    };
    let u32_at = |b: &[u8], at: usize| -> Option<u32> {
        let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if little { u32::from_le_bytes(s) } else { u32::from_be_bytes(s) })
    };
    let ifd0 = u32_at(&tiff, 4)? as usize;
    let entries = u16_at(&tiff, ifd0)? as usize;
    let gps = (0..entries).find_map(|i| {
        let entry = ifd0 + 2 + i * 12;
        (u16_at(&tiff, entry)? == 0x8825).then(|| u32_at(&tiff, entry + 8)).flatten()
    });
    let Some(gps) = gps.map(|g| g as usize) else { return Some(tiff) };
    let count = u16_at(&tiff, gps)? as usize;
    for i in 0..count {
        let entry = gps + 2 + i * 12;
        let (kind, n) = (u16_at(&tiff, entry + 2)?, u32_at(&tiff, entry + 4)? as usize);
        // TIFF type sizes: BYTE, ASCII, SHORT, LONG, RATIONAL, SBYTE, UNDEFINED, SSHORT, SLONG,
        // SRATIONAL, FLOAT, DOUBLE.
        let unit = [1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8].get((kind as usize).wrapping_sub(1)).copied().unwrap_or(1);
        let size = unit * n;
        if size > 4 {
            let at = u32_at(&tiff, entry + 8)? as usize;
            if let Some(data) = tiff.get_mut(at..at.checked_add(size)?) {
                data.fill(0);
            }
        }
        tiff.get_mut(entry..entry + 12)?.fill(0);
    }
    // No entries left; the next-IFD link after them is kept zero too.
    tiff.get_mut(gps..gps + 2)?.fill(0);
    Some(tiff)
}

/// The stored file name under `Dedupe`: the content's SHA-256 (hex) and the extension.
pub fn dedupe_name(body: &[u8], extension: &str) -> String {
    let hash = sha2::Sha256::digest(body);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}{extension}")
}

/// The name shown for an upload under `AnonymizeFilename`: the configured text with
/// `{extension}` replaced, or a random one (`<random>.<extension>`, as Pleroma's).
pub fn anonymized_name(upload: &Upload, original: &str) -> String {
    let extension = original.rsplit('.').next().unwrap_or("").to_string();
    match &upload.anonymize_text {
        Some(text) => text.replace("{extension}", &extension),
        None => {
            use base64::Engine;
            let random = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 10]>());
            format!("{random}.{extension}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF block: IFD0 with a GPS pointer, the GPS IFD with a latitude
    /// (RATIONAL ×3, 24 bytes out of line).
    fn tiff_with_gps() -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes()); // IFD0 at 8
        t.extend(1u16.to_le_bytes()); // one entry
        t.extend(0x8825u16.to_le_bytes());
        t.extend(4u16.to_le_bytes()); // LONG
        t.extend(1u32.to_le_bytes());
        t.extend(26u32.to_le_bytes()); // GPS IFD at 26
        t.extend(0u32.to_le_bytes()); // no next IFD (ends at 26)
        t.extend(1u16.to_le_bytes()); // GPS IFD: one entry
        t.extend(2u16.to_le_bytes()); // GPSLatitude
        t.extend(5u16.to_le_bytes()); // RATIONAL
        t.extend(3u32.to_le_bytes());
        t.extend(44u32.to_le_bytes()); // data at 44
        t.extend(0u32.to_le_bytes());
        t.extend([0x55u8; 24]);
        t
    }

    #[test]
    fn gps_is_zeroed_and_the_rest_kept() {
        let tiff = tiff_with_gps();
        let out = without_gps(&tiff).unwrap();
        assert_eq!(out.len(), tiff.len());
        assert_eq!(&out[..26], &tiff[..26]);
        assert!(!out.contains(&0x55));
        assert_eq!(without_gps(b"nope"), None);
    }

    #[test]
    fn names() {
        let mut upload = Upload::default();
        assert_eq!(dedupe_name(b"abc", ".png"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.png");
        upload.anonymize_text = Some("file.{extension}".into());
        assert_eq!(anonymized_name(&upload, "holiday.JPG"), "file.JPG");
        upload.anonymize_text = None;
        assert!(anonymized_name(&upload, "a.png").ends_with(".png"));
        assert!(!upload.has_filter("Dedupe"));
        upload.filters = vec!["Dedupe".into(), "Pleroma.Upload.Filter.Exiftool.StripLocation".into()];
        assert!(upload.has_filter("Dedupe") && upload.has_filter("Exiftool.StripLocation"));
    }
}
