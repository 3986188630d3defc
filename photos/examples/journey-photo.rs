//! Writes the browser journey's photo, `tests/journeys/fixtures/jug-1800x1350.jpg`: a
//! 1800 × 1350 JPEG (wider than the largest variant, so every variant is exactly its width)
//! of a blue jug on a warm background. Run: `cargo run -p photos --example journey-photo`.

use image::{Rgb, RgbImage};

fn main() {
    let (w, h) = (1800u32, 1350u32);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        // A jug: an ellipse body and a neck, shaded left to right.
        let body = ((fx - 0.5) / 0.22).powi(2) + ((fy - 0.62) / 0.3).powi(2) < 1.0;
        let neck = (fx - 0.5).abs() < 0.07 && fy > 0.18 && fy < 0.4;
        if body || neck {
            let shade = 1.0 - (fx - 0.42).abs() * 1.6;
            Rgb([
                (30.0 * shade) as u8,
                (80.0 * shade) as u8,
                (60.0 + 170.0 * shade) as u8,
            ])
        } else {
            Rgb([
                (235.0 - 40.0 * fy) as u8,
                (215.0 - 50.0 * fy) as u8,
                (180.0 - 60.0 * fy) as u8,
            ])
        }
    });
    let out = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/journeys/fixtures/jug-1800x1350.jpg"
    );
    let mut file = std::fs::File::create(out).unwrap();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut file, 85)
        .encode_image(&img)
        .unwrap();
    println!("wrote {out}");
}
