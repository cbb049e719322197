use std::time::Instant;
fn main() {
    let dir = std::path::Path::new("fixtures/scrapes/long-page");
    let pngs = [std::fs::read(dir.join("desktop-full.png")).unwrap(), std::fs::read(dir.join("mobile-full.png")).unwrap()];
    for png in &pngs {
        let t = Instant::now();
        let img = image::load_from_memory_with_format(png, image::ImageFormat::Png).unwrap();
        let d = t.elapsed();
        let rgb = img.to_rgb8();
        println!("{:?} decode {:?} color {:?}", (img.width(), img.height()), d, img.color());
        for filter in [image::codecs::png::FilterType::NoFilter, image::codecs::png::FilterType::Sub, image::codecs::png::FilterType::Up, image::codecs::png::FilterType::Adaptive] {
        let t = Instant::now();
        let mut total = 0;
        let h = rgb.height();
        let mut y = 0;
        while y < h {
            let hh = (h - y).min(700);
            let sub = image::imageops::crop_imm(&rgb, 0, y, rgb.width(), hh).to_image();
            let mut out = Vec::new();
            let enc = image::codecs::png::PngEncoder::new_with_quality(&mut out, image::codecs::png::CompressionType::Fast, filter);
            image::ImageEncoder::write_image(enc, sub.as_raw(), sub.width(), sub.height(), image::ExtendedColorType::Rgb8).unwrap();
            total += out.len();
            y += hh;
        }
        println!("encode {filter:?} {:?} bytes {}", t.elapsed(), total);
        }
    }
}
