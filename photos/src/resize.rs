//! The resizer: checks an upload (magic numbers, declared type, dimensions before decoding),
//! decodes it once, turns it upright (EXIF orientation) and encodes one JPEG per width.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, Rgb, RgbImage};

use crate::{Format, MAX_PIXELS, MAX_SIDE, PhotoError, VARIANT_QUALITY, WIDTHS, check_size};

/// Most memory the decoder may allocate (a [`MAX_PIXELS`] RGBA image and some headroom).
const MAX_ALLOC: u64 = MAX_PIXELS * 4 + 16 * 1024 * 1024;

/// One resized variant, JPEG encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The width it was made for (one of [`WIDTHS`]); the name it is stored under.
    pub width: u32,
    /// Its real width: `width`, or the original's when that is narrower (never upscaled).
    pub actual_width: u32,
    /// Its height (the original's aspect ratio).
    pub height: u32,
    /// The JPEG file.
    pub bytes: Vec<u8>,
}

/// A checked upload and its variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resized {
    /// What the upload is.
    pub format: Format,
    /// The upright original's width.
    pub width: u32,
    /// The upright original's height.
    pub height: u32,
    /// One per [`WIDTHS`], in that order.
    pub variants: Vec<Variant>,
}

impl From<Format> for ImageFormat {
    fn from(f: Format) -> ImageFormat {
        match f {
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Png => ImageFormat::Png,
            Format::Webp => ImageFormat::WebP,
        }
    }
}

fn corrupt(e: impl std::fmt::Display) -> PhotoError {
    PhotoError::Corrupt(e.to_string())
}

/// Checks `bytes` (uploaded as `declared`) and makes its variants.
///
/// Refuses, before decoding anything: too many bytes, bytes that are no accepted image
/// whatever they were called, bytes of another format than declared, and dimensions past
/// [`MAX_SIDE`] / [`MAX_PIXELS`] (read from the header). The largest variant is resized from
/// the original and each smaller one from the one before, which is quicker than resizing the
/// original each time and looks the same at these ratios.
pub fn resize(bytes: &[u8], declared: Format) -> Result<Resized, PhotoError> {
    check_size(bytes.len() as u64)?;
    let format = Format::sniff(bytes).ok_or(PhotoError::NotAnImage)?;
    if format != declared {
        return Err(PhotoError::TypeMismatch {
            declared,
            actual: format,
        });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.into());
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS
    {
        return Err(PhotoError::TooManyPixels {
            width: w,
            height: h,
        });
    }
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    img.apply_orientation(orientation);
    let (width, height) = (img.width(), img.height());
    let img = DynamicImage::ImageRgb8(on_white(img));

    let mut variants = Vec::with_capacity(WIDTHS.len());
    let mut source = img;
    for &target in WIDTHS.iter().rev() {
        let vw = target.min(width);
        let vh = ((u64::from(height) * u64::from(vw) + u64::from(width) / 2) / u64::from(width))
            .max(1) as u32;
        let resized = if (vw, vh) == (source.width(), source.height()) {
            source.clone()
        } else {
            source.resize_exact(vw, vh, FilterType::CatmullRom)
        };
        variants.push(Variant {
            width: target,
            actual_width: vw,
            height: vh,
            bytes: encode_jpeg(&resized)?,
        });
        source = resized;
    }
    variants.reverse();
    Ok(Resized {
        format,
        width,
        height,
        variants,
    })
}

/// 8-bit RGB, transparent pixels laid on white (JPEG has no alpha; the pages are white).
fn on_white(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over =
            |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a)) + 127) / 255) as u8;
        Rgb([over(r), over(g), over(b)])
    })
}

fn encode_jpeg(img: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    img.write_with_encoder(JpegEncoder::new_with_quality(&mut out, VARIANT_QUALITY))
        .map_err(|e| PhotoError::Corrupt(format!("encoding JPEG: {e}")))?;
    Ok(out)
}
