//! Product photos: which uploads are accepted, where an upload and its resized variants live
//! in the site bucket, and (feature `resize`) how the variants are made.
//!
//! One vocabulary for the three places that meet a photo: the admin API checks and resizes an
//! upload and stores the variants, the pages offer them in `srcset`, and shop-local / CloudFront
//! serve them. The names live here so they cannot drift apart; the `image` codecs live behind
//! the `resize` feature so only the crate that resizes compiles them.
//!
//! | object | key in the site bucket | served at |
//! |---|---|---|
//! | an upload, until it is checked | `uploads/<sku>/<ulid>.<ext>` | nowhere (CloudFront is denied `uploads/`) |
//! | the original | `images/<sku>/<ulid>.<ext>` | `/images/<sku>/<ulid>.<ext>` |
//! | a variant `w` px wide (JPEG) | `images/w<w>/<sku>/<ulid>.jpg` | `/images/w<w>/<sku>/<ulid>.jpg` |
//!
//! Variants are JPEG (quality [`VARIANT_QUALITY`]), not WebP: the `image` crate encodes WebP
//! losslessly only, which for photos is about five times the size of a JPEG at quality 80
//! (measured: 232 KB against 48 KB for a 400 px photo). Transparent pixels are laid on white,
//! the pages' background.

#[cfg(feature = "resize")]
mod resize;

#[cfg(feature = "resize")]
pub use resize::{Resized, Variant, resize};

/// Widths (px) of the variants made of every uploaded photo, offered in `srcset`.
pub const WIDTHS: [u32; 3] = [400, 800, 1600];

/// Largest upload accepted (10 MiB).
pub const MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;

/// Longest side (px) of a photo that is decoded; larger ones are refused before decoding.
pub const MAX_SIDE: u32 = 12_000;

/// Most pixels of a photo that is decoded (40 MP: 160 MB as RGBA), against decompression bombs.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Bucket prefix of uploads not yet checked (private: the CDN never serves it).
pub const UPLOAD_PREFIX: &str = "uploads/";

/// Bucket prefix of published images (served at `/images/…`).
pub const IMAGE_PREFIX: &str = "images/";

/// Content type of every variant.
pub const VARIANT_CONTENT_TYPE: &str = "image/jpeg";

/// JPEG quality of the variants.
pub const VARIANT_QUALITY: u8 = 80;

/// A raster format accepted for upload. (No SVG: it can carry script; no AVIF: its decoder is C.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// WebP.
    Webp,
}

impl Format {
    /// Every accepted format.
    pub const ALL: [Format; 3] = [Format::Jpeg, Format::Png, Format::Webp];

    /// The format a `Content-Type` names (case and parameters ignored).
    pub fn from_content_type(content_type: &str) -> Option<Format> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.content_type() == essence)
    }

    /// Its MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
        }
    }

    /// The file extension an upload of this format is stored under.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
        }
    }

    /// The format the bytes really are, by their magic numbers (never by name or header).
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Format::Webp)
        } else {
            None
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.content_type())
    }
}

/// True when `key` (relative to `images/`) is a raster photo that has variants; other images
/// (the demo catalogue's SVGs) are offered as they are.
pub fn has_variants(key: &str) -> bool {
    key.rsplit_once('.').is_some_and(|(_, ext)| {
        Format::ALL
            .iter()
            .any(|f| ext.eq_ignore_ascii_case(f.extension()))
    })
}

/// The key (relative to `images/`) of the variant `width` px wide of the photo `key`:
/// `KIT-1/01h….png` → `w800/KIT-1/01h….jpg`.
pub fn variant_key(key: &str, width: u32) -> String {
    let stem = match key.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => stem,
        _ => key,
    };
    format!("w{width}/{stem}.jpg")
}

/// Why an upload is refused. Each reason has a stable `code` for the API's JSON errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// More bytes than [`MAX_UPLOAD_BYTES`] (or none).
    #[error("a photo must be between 1 byte and {} MiB; this one is {size} bytes", MAX_UPLOAD_BYTES / 1024 / 1024)]
    TooLarge {
        /// Its size.
        size: u64,
    },
    /// The bytes are no JPEG, PNG or WebP, whatever the name or type says.
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    /// The bytes are one format, the declared type another.
    #[error("the file is {actual} but was uploaded as {declared}")]
    TypeMismatch {
        /// What the upload said.
        declared: Format,
        /// What the bytes are.
        actual: Format,
    },
    /// Wider or taller than [`MAX_SIDE`], or more than [`MAX_PIXELS`].
    #[error("the image is {width}×{height} px; at most {MAX_SIDE} px a side and {} MP", MAX_PIXELS / 1_000_000)]
    TooManyPixels {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
    /// The right magic numbers, but it does not decode.
    #[error("the image could not be read: {0}")]
    Corrupt(String),
}

impl PhotoError {
    /// The API error code.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::TooLarge { .. } => "image_too_large",
            PhotoError::NotAnImage => "not_an_image",
            PhotoError::TypeMismatch { .. } => "image_type_mismatch",
            PhotoError::TooManyPixels { .. } => "image_too_many_pixels",
            PhotoError::Corrupt(_) => "corrupt_image",
        }
    }
}

/// Checks an upload's size against [`MAX_UPLOAD_BYTES`].
pub fn check_size(size: u64) -> Result<(), PhotoError> {
    if (1..=MAX_UPLOAD_BYTES).contains(&size) {
        Ok(())
    } else {
        Err(PhotoError::TooLarge { size })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_reads_magic_numbers_not_names() {
        assert_eq!(Format::sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Format::Jpeg));
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\nrest"), Some(Format::Png));
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(Format::sniff(b"<svg xmlns=..."), None);
        assert_eq!(Format::sniff(b"GIF89a"), None);
        assert_eq!(Format::sniff(b""), None);
    }

    #[test]
    fn content_types() {
        assert_eq!(Format::from_content_type("IMAGE/JPEG"), Some(Format::Jpeg));
        assert_eq!(
            Format::from_content_type("image/png; charset=binary"),
            Some(Format::Png)
        );
        assert_eq!(Format::from_content_type("image/svg+xml"), None);
        assert_eq!(Format::from_content_type("image/avif"), None);
        assert_eq!(Format::from_content_type("text/plain"), None);
    }

    #[test]
    fn variant_keys() {
        assert_eq!(variant_key("KIT-1/01abc.jpg", 800), "w800/KIT-1/01abc.jpg");
        assert_eq!(variant_key("KIT-1/01abc.webp", 400), "w400/KIT-1/01abc.jpg");
        assert_eq!(variant_key("KIT-1/noext", 400), "w400/KIT-1/noext.jpg");
        assert!(has_variants("KIT-1/01abc.JPG"));
        assert!(!has_variants("KIT-001.svg"));
    }

    #[test]
    fn sizes() {
        assert!(check_size(1).is_ok());
        assert!(check_size(MAX_UPLOAD_BYTES).is_ok());
        assert_eq!(
            check_size(0).unwrap_err().code(),
            PhotoError::TooLarge { size: 0 }.code()
        );
        assert!(check_size(50 * 1024 * 1024).is_err());
    }
}
