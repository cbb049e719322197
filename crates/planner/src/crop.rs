//! Section crops: each band cut out of a full-page screenshot, full width, as PNG.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ExtendedColorType, ImageEncoder};
use replica_core::{Screenshot, SectionCrop};

/// A vertical band in CSS px: `[top, bottom)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Band {
    pub top: f64,
    pub bottom: f64,
}

/// A decoded full-page screenshot.
pub(crate) struct Decoded {
    image: DynamicImage,
    /// CSS px of the page the image covers, from the top.
    css_height: f64,
}

impl std::fmt::Debug for Decoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoded")
            .field("width", &self.image.width())
            .field("height", &self.image.height())
            .finish()
    }
}

/// Decodes a screenshot; `None` when it is missing or not a PNG.
pub(crate) fn decode(shot: &Screenshot) -> Option<Decoded> {
    if shot.png.is_empty() || shot.css_height <= 0.0 {
        return None;
    }
    let image = image::load_from_memory_with_format(&shot.png, image::ImageFormat::Png).ok()?;
    let image = match image {
        DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_)
        | DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_) => image,
        other => DynamicImage::ImageRgba8(other.to_rgba8()),
    };
    (image.height() > 0).then_some(Decoded {
        image,
        css_height: shot.css_height,
    })
}

/// Cuts one band out of a screenshot. The screenshot covers the page from the top down to
/// `css_height` (full-page captures stop at a cap): a band reaching past it is cut there and
/// marked `clipped`; a band entirely below it, or empty, gives `None`. Image rows per CSS px
/// come from the screenshot itself (`height / css_height`: the device scale factor, times the
/// zoom of a page shown zoomed out).
pub(crate) fn crop(decoded: &Decoded, band: Band) -> Option<SectionCrop> {
    let css_height = decoded.css_height;
    if band.bottom <= band.top || band.top >= css_height {
        return None;
    }
    let (width, height) = (decoded.image.width(), decoded.image.height());
    let scale = f64::from(height) / css_height;
    let y0 = ((band.top.max(0.0) * scale).round() as u32).min(height);
    let y1 = ((band.bottom.min(css_height) * scale).round() as u32).min(height);
    if y1 <= y0 {
        return None;
    }
    let bytes = decoded.image.as_bytes();
    let stride = bytes.len() / height as usize;
    let rows = &bytes[y0 as usize * stride..y1 as usize * stride];
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Adaptive)
        .write_image(
            rows,
            width,
            y1 - y0,
            ExtendedColorType::from(decoded.image.color()),
        )
        .ok()?;
    Some(SectionCrop {
        width,
        height: y1 - y0,
        clipped: band.bottom > css_height + 0.5,
        png,
    })
}

/// Crops every band of both devices, using two threads: the two screenshots decode side by
/// side, then the crops are encoded by whichever thread is free, largest first.
pub(crate) fn crops_of_both(
    desktop: (&Screenshot, &[Option<Band>]),
    mobile: (&Screenshot, &[Option<Band>]),
) -> (Vec<Option<SectionCrop>>, Vec<Option<SectionCrop>>) {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    // A thread that cannot be started means doing its share on this one.
    let (desktop_image, mobile_image) = std::thread::scope(|scope| {
        let other = std::thread::Builder::new().spawn_scoped(scope, || decode(mobile.0));
        let desktop_image = decode(desktop.0);
        let mobile_image = match other {
            Ok(handle) => handle.join().ok().flatten(),
            Err(_) => decode(mobile.0),
        };
        (desktop_image, mobile_image)
    });
    // Jobs: (device, index, rows), biggest first so the two threads finish together.
    let mut jobs: Vec<(usize, usize, f64)> = Vec::new();
    for (device, bands) in [desktop.1, mobile.1].into_iter().enumerate() {
        for (index, band) in bands.iter().enumerate() {
            if let Some(band) = band {
                jobs.push((device, index, band.bottom - band.top));
            }
        }
    }
    jobs.sort_by(|a, b| b.2.total_cmp(&a.2));
    let results: Mutex<[Vec<Option<SectionCrop>>; 2]> = Mutex::new([
        desktop.1.iter().map(|_| None).collect(),
        mobile.1.iter().map(|_| None).collect(),
    ]);
    let next = AtomicUsize::new(0);
    let images = [desktop_image.as_ref(), mobile_image.as_ref()];
    let bands = [desktop.1, mobile.1];
    let work = || {
        loop {
            let job = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(device, index, _)) = jobs.get(job) else {
                break;
            };
            let cropped = images[device]
                .zip(bands[device][index])
                .and_then(|(image, band)| crop(image, band));
            if let Ok(mut results) = results.lock() {
                results[device][index] = cropped;
            }
        }
    };
    std::thread::scope(|scope| {
        // If the helper cannot start, this thread takes every job.
        let _helper = std::thread::Builder::new().spawn_scoped(scope, work);
        work();
    });
    let [desktop_crops, mobile_crops] = results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    (desktop_crops, mobile_crops)
}
