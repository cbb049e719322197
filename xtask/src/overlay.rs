//! `cargo xtask sections DIR`: draws the detected sections of DIR/scrape.json onto its full-page
//! screenshots (DIR/desktop-sections.png, DIR/mobile-sections.png), to check them by eye.

use std::path::Path;

use anyhow::Context;
use image::{Rgba, RgbaImage};
use replica_core::{Device, ScrapeData};

const COLOURS: [[u8; 3]; 6] = [
    [230, 25, 75],
    [60, 180, 75],
    [0, 130, 200],
    [245, 130, 48],
    [145, 30, 180],
    [0, 0, 0],
];

pub fn draw_sections(dir: &Path) -> anyhow::Result<()> {
    // Relative paths are the user's, not the project root's.
    let dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::var("PWD").map(|p| Path::new(&p).join(dir))?
    };
    let data = ScrapeData::load(&dir)?;
    for device in Device::ALL {
        let capture = data.device(device);
        let shot = &capture.screenshots.full_page;
        let mut image = image::load_from_memory(&shot.png)
            .context("decoding the screenshot")?
            .to_rgba8();
        let scale = shot.width as f64 / shot.css_width;
        for (index, section) in capture.sections.iter().enumerate() {
            let [r, g, b] = COLOURS[index % COLOURS.len()];
            let rect = section.rect;
            let x0 = (rect.x * scale) as i64;
            let y0 = (rect.y * scale) as i64;
            let x1 = (rect.right() * scale) as i64 - 1;
            let y1 = (rect.bottom() * scale) as i64 - 1;
            for thickness in 0..(3.0 * scale) as i64 {
                outline(
                    &mut image,
                    x0 + thickness,
                    y0 + thickness,
                    x1 - thickness,
                    y1 - thickness,
                    Rgba([r, g, b, 255]),
                );
            }
            println!(
                "{} #{index} {} <{}> {:.0},{:.0} {:.0}x{:.0}",
                device.name(),
                section.kind.as_str(),
                section.tag,
                rect.x,
                rect.y,
                rect.width,
                rect.height
            );
        }
        let out = dir.join(format!("{}-sections.png", device.name()));
        image.save(&out)?;
        println!("wrote {}", out.display());
    }
    Ok(())
}

fn outline(image: &mut RgbaImage, x0: i64, y0: i64, x1: i64, y1: i64, colour: Rgba<u8>) {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let mut put = |x: i64, y: i64| {
        if (0..w).contains(&x) && (0..h).contains(&y) {
            image.put_pixel(x as u32, y as u32, colour);
        }
    };
    for x in x0..=x1 {
        put(x, y0);
        put(x, y1);
    }
    for y in y0..=y1 {
        put(x0, y);
        put(x1, y);
    }
}
