//! Screenshots as compact JPEGs for prompts: a full-page PNG costs many times the tokens and
//! bytes of a JPEG a model reads just as well.

use base64::Engine;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, RgbImage};
use replica_core::ImageBlock;

/// Widest image sent to a model; wider screenshots are scaled down, keeping the aspect ratio.
pub const MAX_PROMPT_IMAGE_WIDTH: u32 = 1280;
/// JPEG quality for prompt images.
pub const PROMPT_JPEG_QUALITY: u8 = 75;

/// Why a screenshot could not be turned into a JPEG.
#[derive(Debug, thiserror::Error)]
pub enum ScreenshotError {
    #[error("could not decode the screenshot: {0}")]
    Decode(String),
    #[error("the screenshot is empty ({width}x{height} px)")]
    Empty { width: u32, height: u32 },
    #[error("could not encode the screenshot as JPEG: {0}")]
    Encode(String),
}

/// Re-encodes a screenshot (PNG, or anything the image crate reads) as a JPEG at most
/// [`MAX_PROMPT_IMAGE_WIDTH`] px wide, quality [`PROMPT_JPEG_QUALITY`], with transparency
/// flattened onto white (JPEG has no alpha, and pages sit on white by default).
pub fn screenshot_to_jpeg(screenshot: &[u8]) -> Result<Vec<u8>, ScreenshotError> {
    let decoded = image::load_from_memory(screenshot)
        .map_err(|error| ScreenshotError::Decode(error.to_string()))?;
    let (width, height) = (decoded.width(), decoded.height());
    if width == 0 || height == 0 {
        return Err(ScreenshotError::Empty { width, height });
    }
    let resized = if width > MAX_PROMPT_IMAGE_WIDTH {
        let new_height = ((u64::from(height) * u64::from(MAX_PROMPT_IMAGE_WIDTH))
            .div_ceil(u64::from(width)))
        .max(1);
        let new_height = u32::try_from(new_height).unwrap_or(u32::MAX);
        // Triangle is a good downscaling filter at a fraction of Lanczos's cost on tall pages.
        decoded.resize_exact(MAX_PROMPT_IMAGE_WIDTH, new_height, FilterType::Triangle)
    } else {
        decoded
    };
    let flat = flatten_on_white(&resized);
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, PROMPT_JPEG_QUALITY)
        .encode_image(&flat)
        .map_err(|error| ScreenshotError::Encode(error.to_string()))?;
    Ok(jpeg)
}

/// [`screenshot_to_jpeg`], packed as a prompt image block.
pub fn screenshot_block(screenshot: &[u8]) -> Result<ImageBlock, ScreenshotError> {
    let jpeg = screenshot_to_jpeg(screenshot)?;
    Ok(ImageBlock {
        media_type: "image/jpeg".to_owned(),
        base64: base64::engine::general_purpose::STANDARD.encode(jpeg),
    })
}

fn flatten_on_white(image: &DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    let mut flat = RgbImage::new(rgba.width(), rgba.height());
    for (target, source) in flat.pixels_mut().zip(rgba.pixels()) {
        let [red, green, blue, alpha] = source.0;
        let alpha = u32::from(alpha);
        let blend =
            |channel: u8| ((u32::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
        target.0 = [blend(red), blend(green), blend(blue)];
    }
    flat
}

#[cfg(test)]
mod tests {
    use image::{ImageFormat, Rgba, RgbaImage};

    use super::*;

    fn png(image: RgbaImage) -> Vec<u8> {
        let mut bytes = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut bytes, ImageFormat::Png)
            .expect("png encodes");
        bytes.into_inner()
    }

    fn decode(jpeg: &[u8]) -> DynamicImage {
        assert_eq!(
            image::guess_format(jpeg).expect("format"),
            ImageFormat::Jpeg
        );
        image::load_from_memory(jpeg).expect("jpeg decodes")
    }

    #[test]
    fn wide_screenshots_shrink_to_1280_keeping_aspect() {
        let wide = png(RgbaImage::from_pixel(2560, 300, Rgba([10, 20, 30, 255])));
        let out = decode(&screenshot_to_jpeg(&wide).expect("converts"));
        assert_eq!((out.width(), out.height()), (1280, 150));

        let odd = png(RgbaImage::from_pixel(1300, 7, Rgba([0, 0, 0, 255])));
        let out = decode(&screenshot_to_jpeg(&odd).expect("converts"));
        assert_eq!((out.width(), out.height()), (1280, 7));
    }

    #[test]
    fn narrow_screenshots_keep_their_size() {
        let narrow = png(RgbaImage::from_pixel(375, 50, Rgba([200, 100, 50, 255])));
        let out = decode(&screenshot_to_jpeg(&narrow).expect("converts"));
        assert_eq!((out.width(), out.height()), (375, 50));
    }

    #[test]
    fn transparency_becomes_white() {
        let mut image = RgbaImage::from_pixel(64, 64, Rgba([0, 0, 0, 0]));
        for x in 32..64 {
            for y in 0..64 {
                image.put_pixel(x, y, Rgba([0, 0, 0, 128]));
            }
        }
        let out = decode(&screenshot_to_jpeg(&png(image)).expect("converts")).to_rgb8();
        let clear = out.get_pixel(8, 32).0;
        assert!(clear.iter().all(|&channel| channel >= 250), "{clear:?}");
        let half = out.get_pixel(56, 32).0;
        assert!(
            half.iter().all(|&channel| (120..=135).contains(&channel)),
            "{half:?}"
        );
    }

    #[test]
    fn block_is_base64_jpeg() {
        let block = screenshot_block(&png(RgbaImage::from_pixel(4, 4, Rgba([1, 2, 3, 255]))))
            .expect("converts");
        assert_eq!(block.media_type, "image/jpeg");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&block.base64)
            .expect("base64");
        decode(&bytes);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(
            screenshot_to_jpeg(b"not an image"),
            Err(ScreenshotError::Decode(_))
        ));
        assert!(matches!(
            screenshot_to_jpeg(&[]),
            Err(ScreenshotError::Decode(_))
        ));
    }
}
