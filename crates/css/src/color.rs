//! CSS colour values to sRGB (`#rrggbb` / `#rrggbbaa`), and the colour measures the stages need.
//!
//! Chromium serializes computed colours as `rgb()` / `rgba()` for sRGB colours, but keeps the
//! notation of wide-gamut and perceptual spaces (`oklch(...)`, `lab(...)`, `color(display-p3 ...)`),
//! and stylesheet text keeps names (`white`) as written. All of them are converted here; a token is
//! the same colour in hex, never a different one.

use std::borrow::Cow;

/// A colour in sRGB, channels 0..=255 (rounded) and alpha 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgba {
    /// Red, 0..=255.
    pub r: u8,
    /// Green, 0..=255.
    pub g: u8,
    /// Blue, 0..=255.
    pub b: u8,
    /// Alpha, 0 (transparent) to 1 (opaque).
    pub a: f64,
}

impl Rgba {
    /// Opaque white.
    pub const WHITE: Rgba = Rgba {
        r: 255,
        g: 255,
        b: 255,
        a: 1.0,
    };

    /// Lower-case hex; alpha is written only when the colour is not opaque.
    pub fn to_hex(self) -> String {
        let alpha = (self.a.clamp(0.0, 1.0) * 255.0).round() as u8;
        if alpha == 255 {
            format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
        } else {
            format!("#{:02x}{:02x}{:02x}{:02x}", self.r, self.g, self.b, alpha)
        }
    }

    /// Alpha below 1 %: nothing is painted.
    pub fn is_transparent(self) -> bool {
        self.a < 0.01
    }

    /// Alpha of 99 % or more.
    pub fn is_opaque(self) -> bool {
        self.a >= 0.99
    }

    /// WCAG relative luminance, 0 (black) to 1 (white), of the colour's RGB (alpha ignored).
    pub fn luminance(self) -> f64 {
        fn channel(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        }
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    /// Luminance below 0.18: light text reads better on it than dark text.
    pub fn is_dark(self) -> bool {
        self.luminance() < 0.18
    }

    /// WCAG contrast ratio between two colours (1 to 21).
    pub fn contrast(self, other: Rgba) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// Max minus min channel, 0..=255: how far the colour is from grey.
    pub fn chroma(self) -> u8 {
        let max = self.r.max(self.g).max(self.b);
        let min = self.r.min(self.g).min(self.b);
        max - min
    }

    /// A brand colour rather than a grey, a near-black or a pastel tint: HSL saturation of at
    /// least 0.3, lightness between 0.12 and 0.85, and channels at least 48 apart.
    pub fn is_saturated(self) -> bool {
        let max = self.r.max(self.g).max(self.b);
        let min = self.r.min(self.g).min(self.b);
        let lightness = (f64::from(max) + f64::from(min)) / 510.0;
        self.a >= 0.5 && self.chroma() >= 48 && (0.12..=0.85).contains(&lightness) && {
            let saturation = if max == min {
                0.0
            } else {
                f64::from(max - min) / 255.0 / (1.0 - (2.0 * lightness - 1.0).abs()).max(1e-6)
            };
            saturation >= 0.3
        }
    }

    /// Hue in degrees (0..360), `None` for greys.
    pub fn hue(self) -> Option<f64> {
        let (r, g, b) = (f64::from(self.r), f64::from(self.g), f64::from(self.b));
        let max = r.max(g).max(b);
        let min = r.min(g).min(b);
        let delta = max - min;
        if delta < 1.0 {
            return None;
        }
        let hue = if max == r {
            60.0 * (((g - b) / delta).rem_euclid(6.0))
        } else if max == g {
            60.0 * ((b - r) / delta + 2.0)
        } else {
            60.0 * ((r - g) / delta + 4.0)
        };
        Some(hue)
    }

    /// The four channels as bytes, alpha scaled to 0..=255.
    pub fn to_bytes(self) -> [u8; 4] {
        [self.r, self.g, self.b, to_byte(self.a)]
    }

    /// `self` painted over an opaque `below`.
    pub fn over(self, below: Rgba) -> Rgba {
        let a = self.a.clamp(0.0, 1.0);
        let mix = |top: u8, bottom: u8| {
            (f64::from(top) * a + f64::from(bottom) * (1.0 - a)).round() as u8
        };
        Rgba {
            r: mix(self.r, below.r),
            g: mix(self.g, below.g),
            b: mix(self.b, below.b),
            a: 1.0,
        }
    }
}

/// Normalizes a CSS colour (`rgb(17, 24, 39)`, `#111827`, `white`, `oklch(...)`) to lower-case
/// hex; `None` when the value is not a single colour.
pub fn color_to_hex(value: &str) -> Option<String> {
    parse_color(value).map(Rgba::to_hex)
}

/// A CSS colour in any CSS Color 4 notation (hex, `rgb`/`rgba`, `hsl`/`hsla`, `hwb`, names,
/// `transparent`, `lab`, `lch`, `oklab`, `oklch`, `color(srgb | srgb-linear | display-p3 ...)`)
/// converted to sRGB, out-of-gamut channels clipped; `None` for anything else (`currentcolor`,
/// gradients, `var(...)`).
pub fn parse_color(value: &str) -> Option<Rgba> {
    let value = value.trim();
    // Computed values are lower case already: copy only the rare one that is not.
    let lower: Cow<'_, str> = if value.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(value.to_ascii_lowercase())
    } else {
        Cow::Borrowed(value)
    };
    if let Some(hex) = lower.strip_prefix('#') {
        return parse_hex(hex);
    }
    if let Some(open) = lower.find('(') {
        if !lower.ends_with(')') {
            return None;
        }
        let name = lower[..open].trim();
        let args = &lower[open + 1..lower.len() - 1];
        return parse_function(name, args);
    }
    named(&lower)
}

fn parse_hex(hex: &str) -> Option<Rgba> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).ok();
    let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    match hex.len() {
        3 | 4 => {
            let r = digit(0)? * 17;
            let g = digit(1)? * 17;
            let b = digit(2)? * 17;
            let a = if hex.len() == 4 {
                f64::from(digit(3)? * 17) / 255.0
            } else {
                1.0
            };
            Some(Rgba { r, g, b, a })
        }
        6 | 8 => {
            let a = if hex.len() == 8 {
                f64::from(pair(6)?) / 255.0
            } else {
                1.0
            };
            Some(Rgba {
                r: pair(0)?,
                g: pair(2)?,
                b: pair(4)?,
                a,
            })
        }
        _ => None,
    }
}

/// Splits `1 2 3 / 0.5` or `1, 2, 3, 0.5` into components and alpha.
fn components(args: &str) -> Option<(Vec<&str>, Option<&str>)> {
    let (main, alpha) = match args.split_once('/') {
        Some((main, alpha)) => (main, Some(alpha.trim())),
        None => (args, None),
    };
    let parts: Vec<&str> = main
        .split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    match (parts.len(), alpha) {
        (4, None) => Some((parts[..3].to_vec(), Some(parts[3]))),
        (3, _) => Some((parts, alpha)),
        _ => None,
    }
}

/// A number, a percentage of `percent_of`, or `none` (0).
fn number(token: &str, percent_of: f64) -> Option<f64> {
    if token == "none" {
        return Some(0.0);
    }
    if let Some(p) = token.strip_suffix('%') {
        return p.parse::<f64>().ok().map(|v| v / 100.0 * percent_of);
    }
    token.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn angle(token: &str) -> Option<f64> {
    if token == "none" {
        return Some(0.0);
    }
    for (unit, factor) in [
        ("deg", 1.0),
        ("grad", 0.9),
        ("rad", 180.0 / std::f64::consts::PI),
        ("turn", 360.0),
    ] {
        if let Some(v) = token.strip_suffix(unit) {
            return v.parse::<f64>().ok().map(|v| v * factor);
        }
    }
    token.parse::<f64>().ok()
}

fn alpha_of(token: Option<&str>) -> Option<f64> {
    match token {
        None => Some(1.0),
        Some(t) => number(t, 1.0).map(|a| a.clamp(0.0, 1.0)),
    }
}

fn to_byte(unit: f64) -> u8 {
    (unit.clamp(0.0, 1.0) * 255.0).round() as u8
}

fn parse_function(name: &str, args: &str) -> Option<Rgba> {
    match name {
        "rgb" | "rgba" => {
            let (c, alpha) = components(args)?;
            let channel = |t: &str| number(t, 255.0).map(|v| v.clamp(0.0, 255.0).round() as u8);
            Some(Rgba {
                r: channel(c[0])?,
                g: channel(c[1])?,
                b: channel(c[2])?,
                a: alpha_of(alpha)?,
            })
        }
        "hsl" | "hsla" => {
            let (c, alpha) = components(args)?;
            let h = angle(c[0])?;
            let s = number(c[1].trim_end_matches('%'), 1.0)? / 100.0;
            let l = number(c[2].trim_end_matches('%'), 1.0)? / 100.0;
            let (r, g, b) = hsl_to_rgb(h, s, l);
            Some(Rgba {
                r: to_byte(r),
                g: to_byte(g),
                b: to_byte(b),
                a: alpha_of(alpha)?,
            })
        }
        "hwb" => {
            let (c, alpha) = components(args)?;
            let h = angle(c[0])?;
            let white = number(c[1].trim_end_matches('%'), 1.0)? / 100.0;
            let black = number(c[2].trim_end_matches('%'), 1.0)? / 100.0;
            let (r, g, b) = hwb_to_rgb(h, white, black);
            Some(Rgba {
                r: to_byte(r),
                g: to_byte(g),
                b: to_byte(b),
                a: alpha_of(alpha)?,
            })
        }
        "oklab" => {
            let (c, alpha) = components(args)?;
            let l = number(c[0], 1.0)?;
            let (a, b) = (number(c[1], 0.4)?, number(c[2], 0.4)?);
            let linear = extreme_lightness(l, 1.0).unwrap_or_else(|| oklab_to_linear(l, a, b));
            Some(from_linear(linear, alpha_of(alpha)?))
        }
        "oklch" => {
            let (c, alpha) = components(args)?;
            let l = number(c[0], 1.0)?;
            let chroma = number(c[1], 0.4)?;
            let h = angle(c[2])?.to_radians();
            let linear = extreme_lightness(l, 1.0)
                .unwrap_or_else(|| oklab_to_linear(l, chroma * h.cos(), chroma * h.sin()));
            Some(from_linear(linear, alpha_of(alpha)?))
        }
        "lab" => {
            let (c, alpha) = components(args)?;
            let l = number(c[0], 100.0)?;
            let (a, b) = (number(c[1], 125.0)?, number(c[2], 125.0)?);
            let linear = extreme_lightness(l, 100.0).unwrap_or_else(|| lab_to_linear(l, a, b));
            Some(from_linear(linear, alpha_of(alpha)?))
        }
        "lch" => {
            let (c, alpha) = components(args)?;
            let l = number(c[0], 100.0)?;
            let chroma = number(c[1], 150.0)?;
            let h = angle(c[2])?.to_radians();
            let linear = extreme_lightness(l, 100.0)
                .unwrap_or_else(|| lab_to_linear(l, chroma * h.cos(), chroma * h.sin()));
            Some(from_linear(linear, alpha_of(alpha)?))
        }
        "color" => {
            let mut words = args.split_whitespace();
            let space = words.next()?;
            let rest: String = words.collect::<Vec<_>>().join(" ");
            let (c, alpha) = components(&rest)?;
            let (r, g, b) = (number(c[0], 1.0)?, number(c[1], 1.0)?, number(c[2], 1.0)?);
            let alpha = alpha_of(alpha)?;
            match space {
                "srgb" => Some(Rgba {
                    r: to_byte(r),
                    g: to_byte(g),
                    b: to_byte(b),
                    a: alpha,
                }),
                "srgb-linear" => Some(from_linear([r, g, b], alpha)),
                "display-p3" => {
                    let lin = [to_linear(r), to_linear(g), to_linear(b)];
                    Some(from_linear(p3_to_srgb_linear(lin), alpha))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Black at zero lightness and white at full lightness, whatever the chroma: CSS gamut mapping
/// starts with this rule, where clipping the channels alone would give a dark red.
fn extreme_lightness(l: f64, full: f64) -> Option<[f64; 3]> {
    if l <= 0.0 {
        Some([0.0; 3])
    } else if l >= full {
        Some([1.0; 3])
    } else {
        None
    }
}

fn hsl_to_rgb(h: f64, s: f64, l: f64) -> (f64, f64, f64) {
    let h = h.rem_euclid(360.0) / 360.0;
    let s = s.clamp(0.0, 1.0);
    let l = l.clamp(0.0, 1.0);
    if s == 0.0 {
        return (l, l, l);
    }
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    let hue = |mut t: f64| {
        if t < 0.0 {
            t += 1.0;
        }
        if t > 1.0 {
            t -= 1.0;
        }
        if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        }
    };
    (hue(h + 1.0 / 3.0), hue(h), hue(h - 1.0 / 3.0))
}

/// HWB as CSS Color 4 defines it: a pure hue mixed with white and black, normalized when the
/// two add up to more than 100 %.
fn hwb_to_rgb(h: f64, white: f64, black: f64) -> (f64, f64, f64) {
    let (white, black) = (white.max(0.0), black.max(0.0));
    if white + black >= 1.0 {
        let grey = white / (white + black);
        return (grey, grey, grey);
    }
    let (r, g, b) = hsl_to_rgb(h, 1.0, 0.5);
    let mix = |c: f64| c * (1.0 - white - black) + white;
    (mix(r), mix(g), mix(b))
}

fn to_linear(c: f64) -> f64 {
    let sign = c.signum();
    let c = c.abs();
    sign * if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn from_linear(linear: [f64; 3], alpha: f64) -> Rgba {
    let gamma = |c: f64| {
        let c = c.clamp(0.0, 1.0);
        if c <= 0.003_130_8 {
            12.92 * c
        } else {
            1.055 * c.powf(1.0 / 2.4) - 0.055
        }
    };
    Rgba {
        r: to_byte(gamma(linear[0])),
        g: to_byte(gamma(linear[1])),
        b: to_byte(gamma(linear[2])),
        a: alpha,
    }
}

fn oklab_to_linear(l: f64, a: f64, b: f64) -> [f64; 3] {
    let l_ = l + 0.396_337_777_4 * a + 0.215_803_757_3 * b;
    let m_ = l - 0.105_561_345_8 * a - 0.063_854_172_8 * b;
    let s_ = l - 0.089_484_177_5 * a - 1.291_485_548 * b;
    let (l3, m3, s3) = (l_ * l_ * l_, m_ * m_ * m_, s_ * s_ * s_);
    [
        4.076_741_662_1 * l3 - 3.307_711_591_3 * m3 + 0.230_969_929_2 * s3,
        -1.268_438_004_6 * l3 + 2.609_757_401_1 * m3 - 0.341_319_396_5 * s3,
        -0.004_196_086_3 * l3 - 0.703_418_614_7 * m3 + 1.707_614_701 * s3,
    ]
}

/// CIE Lab (D50, as CSS defines it) to linear sRGB.
fn lab_to_linear(l: f64, a: f64, b: f64) -> [f64; 3] {
    let fy = (l + 16.0) / 116.0;
    let fx = fy + a / 500.0;
    let fz = fy - b / 200.0;
    let inverse = |f: f64| {
        let f3 = f * f * f;
        if f3 > 216.0 / 24389.0 {
            f3
        } else {
            (116.0 * f - 16.0) / (24389.0 / 27.0)
        }
    };
    let (x, y, z) = (inverse(fx) * 0.964_22, inverse(fy), inverse(fz) * 0.825_21);
    // Bradford D50 -> D65, then XYZ (D65) -> linear sRGB.
    let x65 = 0.955_576_6 * x - 0.023_039_3 * y + 0.063_163_6 * z;
    let y65 = -0.028_289_5 * x + 1.009_941_6 * y + 0.021_007_7 * z;
    let z65 = 0.012_298_2 * x - 0.020_483 * y + 1.329_909_8 * z;
    [
        3.240_969_9 * x65 - 1.537_383_2 * y65 - 0.498_610_8 * z65,
        -0.969_243_6 * x65 + 1.875_967_5 * y65 + 0.041_555_1 * z65,
        0.055_630_1 * x65 - 0.203_977 * y65 + 1.056_971_5 * z65,
    ]
}

fn p3_to_srgb_linear([r, g, b]: [f64; 3]) -> [f64; 3] {
    [
        1.224_940_2 * r - 0.224_940_2 * g,
        -0.042_056_9 * r + 1.042_056_9 * g,
        -0.019_637_6 * r - 0.078_636_1 * g + 1.098_273_7 * b,
    ]
}

/// Every colour found in a CSS value (`0 1px 2px rgba(0, 0, 0, 0.05)`, gradients, shorthands).
pub fn colors_in(value: &str) -> Vec<Rgba> {
    let mut found = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'#' {
            let end = value[i + 1..]
                .find(|ch: char| !ch.is_ascii_hexdigit())
                .map_or(value.len(), |e| i + 1 + e);
            if let Some(color) = parse_color(&value[i..end]) {
                found.push(color);
            }
            i = end.max(i + 1);
        } else if c.is_ascii_alphabetic() {
            let end = value[i..]
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-'))
                .map_or(value.len(), |e| i + e);
            let word = &value[i..end];
            if value[end..].starts_with('(') {
                let close = matching_paren(value, end).unwrap_or(value.len() - 1);
                if let Some(color) = parse_color(&value[i..=close]) {
                    found.push(color);
                    i = close + 1;
                } else {
                    // A gradient or other function: look inside it.
                    i = end + 1;
                }
                continue;
            }
            if let Some(color) = named(&word.to_ascii_lowercase()) {
                found.push(color);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

fn matching_paren(value: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, ch) in value[open..].char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + offset);
                }
            }
            _ => {}
        }
    }
    None
}

fn named(name: &str) -> Option<Rgba> {
    if name == "transparent" {
        return Some(Rgba {
            r: 0,
            g: 0,
            b: 0,
            a: 0.0,
        });
    }
    let index = NAMED.binary_search_by(|(n, _)| n.cmp(&name)).ok()?;
    let rgb = NAMED[index].1;
    Some(Rgba {
        r: (rgb >> 16) as u8,
        g: (rgb >> 8) as u8,
        b: rgb as u8,
        a: 1.0,
    })
}

/// The CSS colour name closest to `color` (its alpha left aside) among those `allowed`, by the
/// "redmean" weighted RGB distance: the name a person would reach for to call a colour
/// (`#d73e48` is near `indianred`). Of two names for one colour (`gray` and `grey`, `cyan` and
/// `aqua`) the first is used, the second where the first is not allowed.
pub fn nearest_color_name(color: Rgba, allowed: impl Fn(&str) -> bool) -> Option<&'static str> {
    const SYNONYMS: &[(&str, &str)] = &[
        ("aqua", "cyan"),
        ("darkgrey", "darkgray"),
        ("darkslategrey", "darkslategray"),
        ("dimgrey", "dimgray"),
        ("fuchsia", "magenta"),
        ("grey", "gray"),
        ("lightgrey", "lightgray"),
        ("lightslategrey", "lightslategray"),
        ("slategrey", "slategray"),
    ];
    let usable = |name: &str| {
        allowed(name)
            && SYNONYMS
                .iter()
                .find(|(second, _)| *second == name)
                .is_none_or(|(_, first)| !allowed(first))
    };
    let distance = |rgb: u32| {
        let (r, g, b) = ((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8);
        let mean_red = (f64::from(color.r) + f64::from(r)) / 2.0;
        let dr = f64::from(color.r) - f64::from(r);
        let dg = f64::from(color.g) - f64::from(g);
        let db = f64::from(color.b) - f64::from(b);
        (2.0 + mean_red / 256.0) * dr * dr
            + 4.0 * dg * dg
            + (2.0 + (255.0 - mean_red) / 256.0) * db * db
    };
    NAMED
        .iter()
        .filter(|(name, _)| usable(name))
        .min_by(|a, b| distance(a.1).total_cmp(&distance(b.1)))
        .map(|(name, _)| *name)
}

/// CSS named colours, sorted by name for binary search.
const NAMED: &[(&str, u32)] = &[
    ("aliceblue", 0xf0f8ff),
    ("antiquewhite", 0xfaebd7),
    ("aqua", 0x00ffff),
    ("aquamarine", 0x7fffd4),
    ("azure", 0xf0ffff),
    ("beige", 0xf5f5dc),
    ("bisque", 0xffe4c4),
    ("black", 0x000000),
    ("blanchedalmond", 0xffebcd),
    ("blue", 0x0000ff),
    ("blueviolet", 0x8a2be2),
    ("brown", 0xa52a2a),
    ("burlywood", 0xdeb887),
    ("cadetblue", 0x5f9ea0),
    ("chartreuse", 0x7fff00),
    ("chocolate", 0xd2691e),
    ("coral", 0xff7f50),
    ("cornflowerblue", 0x6495ed),
    ("cornsilk", 0xfff8dc),
    ("crimson", 0xdc143c),
    ("cyan", 0x00ffff),
    ("darkblue", 0x00008b),
    ("darkcyan", 0x008b8b),
    ("darkgoldenrod", 0xb8860b),
    ("darkgray", 0xa9a9a9),
    ("darkgreen", 0x006400),
    ("darkgrey", 0xa9a9a9),
    ("darkkhaki", 0xbdb76b),
    ("darkmagenta", 0x8b008b),
    ("darkolivegreen", 0x556b2f),
    ("darkorange", 0xff8c00),
    ("darkorchid", 0x9932cc),
    ("darkred", 0x8b0000),
    ("darksalmon", 0xe9967a),
    ("darkseagreen", 0x8fbc8f),
    ("darkslateblue", 0x483d8b),
    ("darkslategray", 0x2f4f4f),
    ("darkslategrey", 0x2f4f4f),
    ("darkturquoise", 0x00ced1),
    ("darkviolet", 0x9400d3),
    ("deeppink", 0xff1493),
    ("deepskyblue", 0x00bfff),
    ("dimgray", 0x696969),
    ("dimgrey", 0x696969),
    ("dodgerblue", 0x1e90ff),
    ("firebrick", 0xb22222),
    ("floralwhite", 0xfffaf0),
    ("forestgreen", 0x228b22),
    ("fuchsia", 0xff00ff),
    ("gainsboro", 0xdcdcdc),
    ("ghostwhite", 0xf8f8ff),
    ("gold", 0xffd700),
    ("goldenrod", 0xdaa520),
    ("gray", 0x808080),
    ("green", 0x008000),
    ("greenyellow", 0xadff2f),
    ("grey", 0x808080),
    ("honeydew", 0xf0fff0),
    ("hotpink", 0xff69b4),
    ("indianred", 0xcd5c5c),
    ("indigo", 0x4b0082),
    ("ivory", 0xfffff0),
    ("khaki", 0xf0e68c),
    ("lavender", 0xe6e6fa),
    ("lavenderblush", 0xfff0f5),
    ("lawngreen", 0x7cfc00),
    ("lemonchiffon", 0xfffacd),
    ("lightblue", 0xadd8e6),
    ("lightcoral", 0xf08080),
    ("lightcyan", 0xe0ffff),
    ("lightgoldenrodyellow", 0xfafad2),
    ("lightgray", 0xd3d3d3),
    ("lightgreen", 0x90ee90),
    ("lightgrey", 0xd3d3d3),
    ("lightpink", 0xffb6c1),
    ("lightsalmon", 0xffa07a),
    ("lightseagreen", 0x20b2aa),
    ("lightskyblue", 0x87cefa),
    ("lightslategray", 0x778899),
    ("lightslategrey", 0x778899),
    ("lightsteelblue", 0xb0c4de),
    ("lightyellow", 0xffffe0),
    ("lime", 0x00ff00),
    ("limegreen", 0x32cd32),
    ("linen", 0xfaf0e6),
    ("magenta", 0xff00ff),
    ("maroon", 0x800000),
    ("mediumaquamarine", 0x66cdaa),
    ("mediumblue", 0x0000cd),
    ("mediumorchid", 0xba55d3),
    ("mediumpurple", 0x9370db),
    ("mediumseagreen", 0x3cb371),
    ("mediumslateblue", 0x7b68ee),
    ("mediumspringgreen", 0x00fa9a),
    ("mediumturquoise", 0x48d1cc),
    ("mediumvioletred", 0xc71585),
    ("midnightblue", 0x191970),
    ("mintcream", 0xf5fffa),
    ("mistyrose", 0xffe4e1),
    ("moccasin", 0xffe4b5),
    ("navajowhite", 0xffdead),
    ("navy", 0x000080),
    ("oldlace", 0xfdf5e6),
    ("olive", 0x808000),
    ("olivedrab", 0x6b8e23),
    ("orange", 0xffa500),
    ("orangered", 0xff4500),
    ("orchid", 0xda70d6),
    ("palegoldenrod", 0xeee8aa),
    ("palegreen", 0x98fb98),
    ("paleturquoise", 0xafeeee),
    ("palevioletred", 0xdb7093),
    ("papayawhip", 0xffefd5),
    ("peachpuff", 0xffdab9),
    ("peru", 0xcd853f),
    ("pink", 0xffc0cb),
    ("plum", 0xdda0dd),
    ("powderblue", 0xb0e0e6),
    ("purple", 0x800080),
    ("rebeccapurple", 0x663399),
    ("red", 0xff0000),
    ("rosybrown", 0xbc8f8f),
    ("royalblue", 0x4169e1),
    ("saddlebrown", 0x8b4513),
    ("salmon", 0xfa8072),
    ("sandybrown", 0xf4a460),
    ("seagreen", 0x2e8b57),
    ("seashell", 0xfff5ee),
    ("sienna", 0xa0522d),
    ("silver", 0xc0c0c0),
    ("skyblue", 0x87ceeb),
    ("slateblue", 0x6a5acd),
    ("slategray", 0x708090),
    ("slategrey", 0x708090),
    ("snow", 0xfffafa),
    ("springgreen", 0x00ff7f),
    ("steelblue", 0x4682b4),
    ("tan", 0xd2b48c),
    ("teal", 0x008080),
    ("thistle", 0xd8bfd8),
    ("tomato", 0xff6347),
    ("turquoise", 0x40e0d0),
    ("violet", 0xee82ee),
    ("wheat", 0xf5deb3),
    ("white", 0xffffff),
    ("whitesmoke", 0xf5f5f5),
    ("yellow", 0xffff00),
    ("yellowgreen", 0x9acd32),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_and_authored_colours_become_hex() {
        assert_eq!(color_to_hex("rgb(17, 24, 39)").as_deref(), Some("#111827"));
        assert_eq!(
            color_to_hex("rgba(9, 9, 11, 0.72)").as_deref(),
            Some("#09090bb8")
        );
        assert_eq!(
            color_to_hex("rgba(0, 0, 0, 0)").as_deref(),
            Some("#00000000")
        );
        assert_eq!(color_to_hex("#FFF").as_deref(), Some("#ffffff"));
        assert_eq!(color_to_hex("white").as_deref(), Some("#ffffff"));
        assert_eq!(
            color_to_hex("rgb(255 90 54 / 50%)").as_deref(),
            Some("#ff5a3680")
        );
        assert_eq!(
            color_to_hex("hsl(0, 100%, 50%)").as_deref(),
            Some("#ff0000")
        );
        // Tailwind v4's blue-600 and gray-900, as Chromium reports them.
        assert_eq!(
            color_to_hex("oklch(0.546 0.245 262.881)").as_deref(),
            Some("#155dfc")
        );
        assert_eq!(
            color_to_hex("oklch(0.21 0.034 264.665)").as_deref(),
            Some("#101828")
        );
        assert_eq!(
            color_to_hex("color(srgb 1 0 0.5)").as_deref(),
            Some("#ff0080")
        );
        assert_eq!(color_to_hex("lab(50 0 0)").as_deref(), Some("#777777"));
        assert_eq!(color_to_hex("linear-gradient(red, blue)"), None);
        assert_eq!(color_to_hex("none"), None);
    }

    /// Examples of CSS Color 4 and the Web Platform Tests' css-color references (a channel may
    /// differ by one from the rounded reference: the spec's matrices carry more digits).
    #[test]
    fn css_color_4_examples_convert_to_their_srgb_references() {
        let cases: &[(&str, [u8; 4])] = &[
            ("#0f08", [0, 255, 0, 136]),
            ("#00ff0080", [0, 255, 0, 128]),
            ("rgb(29 164 192 / 95%)", [29, 164, 192, 242]),
            ("rgb(100% 0% 0% / 50%)", [255, 0, 0, 128]),
            ("rgba(0, 0, 255, .5)", [0, 0, 255, 128]),
            ("hsl(120deg 100% 25%)", [0, 128, 0, 255]),
            ("hsla(240 100% 50% / .5)", [0, 0, 255, 128]),
            ("hsl(0.5turn 100% 50%)", [0, 255, 255, 255]),
            ("hwb(0 0% 0%)", [255, 0, 0, 255]),
            ("hwb(120 0% 50%)", [0, 128, 0, 255]),
            ("hwb(240 20% 30%)", [51, 51, 179, 255]),
            ("hwb(0 60% 60%)", [128, 128, 128, 255]),
            ("hwb(90deg 0% 0% / 0.5)", [128, 255, 0, 128]),
            ("rebeccapurple", [102, 51, 153, 255]),
            ("transparent", [0, 0, 0, 0]),
            // green (sRGB #008000) converted to Lab, LCH and OKLCH (lab-001, lch-001, oklch-011).
            ("lab(46.2775% -47.5621 48.5837)", [0, 128, 0, 255]),
            ("lch(46.2775% 67.9892 134.3912)", [0, 128, 0, 255]),
            ("oklch(51.975% 44.215% 142.495)", [0, 128, 0, 255]),
            ("oklab(51.975% -0.1403 0.10768)", [0, 128, 0, 255]),
            // lab-004, lab-006, lch-004, lch-007, lch-010.
            ("lab(50 50 0)", [193, 78, 121, 255]),
            ("lab(70 0 70)", [195, 169, 14, 255]),
            ("lch(50% 50 0)", [193, 78, 121, 255]),
            ("lch(55% 60 270)", [33, 135, 237, 255]),
            ("lch(0% 110 60)", [0, 0, 0, 255]),
            // display-p3-006: lch(54% 35 118) in display-p3 and in sRGB.
            (
                "color(display-p3 0.465377 0.532768 0.317713)",
                [114, 137, 73, 255],
            ),
            ("color(srgb 0.448436 0.53537 0.288113)", [114, 137, 73, 255]),
            ("color(srgb-linear 1 0 0 / 25%)", [255, 0, 0, 64]),
        ];
        for &(css, expected) in cases {
            let got = parse_color(css)
                .unwrap_or_else(|| panic!("{css} did not parse"))
                .to_bytes();
            let close = got.iter().zip(expected).all(|(&g, e)| g.abs_diff(e) <= 1);
            assert!(close, "{css}: got {got:?}, expected {expected:?}");
        }
        for bad in [
            "currentcolor",
            "rgb(1, 2)",
            "#12345",
            "hwb(x 0% 0%)",
            "color(rec2020 1 0 0)",
        ] {
            assert_eq!(parse_color(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_nearest_name_is_the_closest_allowed_colour() {
        let named = |hex: &str, allowed: &dyn Fn(&str) -> bool| {
            nearest_color_name(parse_color(hex).unwrap(), allowed)
        };
        assert_eq!(named("#ffa07a", &|_| true), Some("lightsalmon"));
        assert_eq!(named("#333333", &|_| true), Some("darkslategray"));
        assert_eq!(named("#eeeeee", &|_| true), Some("whitesmoke"));
        // A name taken elsewhere gives way to the next closest one.
        assert_eq!(
            named("#ffa07a", &|name| name != "lightsalmon"),
            Some("sandybrown")
        );
        assert_eq!(named("#000000", &|_| false), None);
        // The other spelling of a name that is not allowed.
        assert_eq!(named("#808080", &|name| name != "gray"), Some("grey"));
        assert_eq!(named("#808080", &|_| true), Some("gray"));
    }

    #[test]
    fn names_are_sorted_for_binary_search() {
        assert!(NAMED.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn colours_inside_compound_values_are_found() {
        let found: Vec<String> =
            colors_in("0 1px 2px rgba(0, 0, 0, 0.05), linear-gradient(90deg, #fff 0%, rgb(1, 2, 3) 100%) white")
                .into_iter()
                .map(Rgba::to_hex)
                .collect();
        assert_eq!(found, ["#0000000d", "#ffffff", "#010203", "#ffffff"]);
    }

    #[test]
    fn saturation_separates_brand_colours_from_greys() {
        let p = |v| parse_color(v).unwrap();
        assert!(p("rgb(79, 70, 229)").is_saturated());
        assert!(p("rgb(255, 90, 54)").is_saturated());
        assert!(!p("rgb(107, 114, 128)").is_saturated());
        assert!(!p("rgb(247, 249, 252)").is_saturated());
        assert!(!p("rgb(9, 9, 11)").is_saturated());
        assert!(!p("rgb(255, 248, 197)").is_saturated(), "pastel tint");
    }
}
