//! The resizer on images made here: dimensions and format of every variant, and each way
//! an upload is refused.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use photos::{Format, MAX_UPLOAD_BYTES, PhotoError, WIDTHS, resize};

/// A photo-like gradient (so encoders have something to do), `w`×`h`, in `format`.
fn picture(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

fn decoded(bytes: &[u8]) -> DynamicImage {
    assert_eq!(
        image::guess_format(bytes).unwrap(),
        ImageFormat::Jpeg,
        "variants are JPEG"
    );
    image::load_from_memory_with_format(bytes, ImageFormat::Jpeg).unwrap()
}

#[test]
fn a_jpeg_gets_one_jpeg_per_width_with_its_aspect_ratio() {
    let r = resize(&picture(2000, 1500, ImageFormat::Jpeg), Format::Jpeg).unwrap();
    assert_eq!((r.format, r.width, r.height), (Format::Jpeg, 2000, 1500));
    let sizes: Vec<_> = r
        .variants
        .iter()
        .map(|v| (v.width, v.actual_width, v.height))
        .collect();
    assert_eq!(
        sizes,
        vec![(400, 400, 300), (800, 800, 600), (1600, 1600, 1200)]
    );
    assert_eq!(r.variants.len(), WIDTHS.len());
    for v in &r.variants {
        let img = decoded(&v.bytes);
        assert_eq!((img.width(), img.height()), (v.actual_width, v.height));
        assert!(!img.color().has_alpha());
    }
}

#[test]
fn a_transparent_png_is_laid_on_white_and_webp_is_accepted() {
    // Opaque red on the right half, fully transparent on the left.
    let img = RgbaImage::from_fn(900, 300, |x, _| {
        Rgba([200, 10, 10, if x < 450 { 0 } else { 255 }])
    });
    let mut png = Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(img)
        .write_to(&mut png, ImageFormat::Png)
        .unwrap();
    let r = resize(png.get_ref(), Format::Png).unwrap();
    let v = decoded(&r.variants[1].bytes);
    assert_eq!((v.width(), v.height()), (800, 267));
    assert!(!v.color().has_alpha());
    let left = v.to_rgb8().get_pixel(100, 100).0;
    let right = v.to_rgb8().get_pixel(700, 100).0;
    assert!(
        left.iter().all(|&c| c > 245),
        "transparent → white, got {left:?}"
    );
    assert!(
        right[0] > 180 && right[1] < 40,
        "opaque red stays red, got {right:?}"
    );

    let webp = picture(500, 500, ImageFormat::WebP);
    let r = resize(&webp, Format::Webp).unwrap();
    assert_eq!(r.format, Format::Webp);
}

#[test]
fn a_small_photo_is_never_upscaled() {
    let r = resize(&picture(300, 600, ImageFormat::Png), Format::Png).unwrap();
    for v in &r.variants {
        assert_eq!((v.actual_width, v.height), (300, 600));
        let img = decoded(&v.bytes);
        assert_eq!(img.width(), 300);
    }
}

#[test]
fn a_corrupt_jpeg_is_refused_as_corrupt() {
    let mut bytes = b"\xFF\xD8\xFF\xE0".to_vec();
    bytes.extend(std::iter::repeat_n(0x5A, 5000));
    assert!(matches!(
        resize(&bytes, Format::Jpeg),
        Err(PhotoError::Corrupt(_))
    ));

    assert_eq!(PhotoError::Corrupt(String::new()).code(), "corrupt_image");
}

#[test]
fn text_called_an_image_is_not_an_image() {
    let e = resize(b"hello, I am a text file called photo.jpg\n", Format::Jpeg).unwrap_err();
    assert_eq!(e, PhotoError::NotAnImage);
    assert_eq!(e.code(), "not_an_image");
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    assert_eq!(
        resize(svg, Format::Png).unwrap_err(),
        PhotoError::NotAnImage
    );
}

#[test]
fn bytes_of_another_format_than_declared_are_refused() {
    let e = resize(&picture(10, 10, ImageFormat::Png), Format::Jpeg).unwrap_err();
    assert_eq!(
        e,
        PhotoError::TypeMismatch {
            declared: Format::Jpeg,
            actual: Format::Png
        }
    );
    assert_eq!(e.code(), "image_type_mismatch");
}

#[test]
fn oversize_uploads_are_refused_before_decoding() {
    let mut big = picture(64, 64, ImageFormat::Jpeg);
    big.resize(MAX_UPLOAD_BYTES as usize + 1, 0);
    let e = resize(&big, Format::Jpeg).unwrap_err();
    assert!(matches!(e, PhotoError::TooLarge { .. }), "{e:?}");
    assert_eq!(e.code(), "image_too_large");
    assert!(resize(&[], Format::Jpeg).is_err());
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    // A PNG whose header claims 20000 × 20000 (1.6 GB as RGBA) and whose data is a few bytes.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(20_000u32.to_be_bytes());
    ihdr.extend(20_000u32.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc32(&ihdr).to_be_bytes());
    let e = resize(&png, Format::Png).unwrap_err();
    assert!(
        matches!(
            e,
            PhotoError::TooManyPixels { width: 20_000, .. } | PhotoError::Corrupt(_)
        ),
        "{e:?}"
    );
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
