//! A captured transform (its functions, as the browser computes them:
//! `translate(-50%, 0px) rotate(45deg)`) as Tailwind's transform utilities.

use super::values::{arbitrary, inset_class};

/// Tailwind composes its utilities in this order:
/// `translate(x, y) rotate(a) skewX(a) skewY(a) scaleX(n) scaleY(n)`; a 2D `matrix` that is
/// a translation with a rotation or a scale is read as those functions. A transform whose
/// functions come in another order (or are others: a shearing matrix, 3D) keeps its value as
/// an arbitrary property. An identity transform (which still makes a stacking context and
/// holds fixed descendants) is Tailwind's `transform`, whose functions are all at rest.
pub(crate) fn transform_classes(value: &str) -> Vec<String> {
    match utilities(value) {
        Some(classes) => classes,
        None => vec![format!("[transform:{}]", arbitrary(value))],
    }
}

/// The reset of each utility in `base` that `wide` does not set, so that an `md:` transform
/// does not keep a phone's rotation or scale.
pub(crate) fn transform_resets(wide: &[String], base: &[String]) -> Vec<String> {
    const UTILITIES: [(&str, &str); 7] = [
        ("translate-x-", "translate-x-0"),
        ("translate-y-", "translate-y-0"),
        ("rotate-", "rotate-0"),
        ("skew-x-", "skew-x-0"),
        ("skew-y-", "skew-y-0"),
        ("scale-x-", "scale-x-100"),
        ("scale-y-", "scale-y-100"),
    ];
    let sets = |classes: &[String], prefix: &str| {
        classes.iter().any(|class| {
            let class = class.trim_start_matches('-');
            class.starts_with(prefix)
                || (prefix.starts_with("scale-")
                    && class.starts_with("scale-")
                    && !class.starts_with("scale-x-")
                    && !class.starts_with("scale-y-"))
        })
    };
    if base.iter().any(|class| class.starts_with('[')) {
        return Vec::new();
    }
    let mut resets: Vec<String> = Vec::new();
    for (prefix, reset) in UTILITIES {
        if sets(base, prefix) && !sets(wide, prefix) {
            resets.push(reset.to_string());
        }
    }
    if resets.iter().any(|reset| reset == "scale-x-100")
        && resets.iter().any(|reset| reset == "scale-y-100")
    {
        resets.retain(|reset| !reset.starts_with("scale-"));
        resets.push("scale-100".to_string());
    }
    resets
}

fn utilities(value: &str) -> Option<Vec<String>> {
    let mut classes = Vec::new();
    // The index in Tailwind's order of the last function read.
    let mut last = None;
    for (name, args) in functions(value)? {
        let (step, mut function_classes) = match (name, args.as_slice()) {
            ("translate", [x]) => (0, translate(x, "0px")),
            ("translate", [x, y]) | ("translate3d", [x, y, "0px"]) => (0, translate(x, y)),
            ("translateX", [x]) => (0, translate(x, "0px")),
            ("translateY", [y]) => (0, translate("0px", y)),
            ("rotate" | "rotateZ", [angle]) => (1, vec![angle_class("rotate", angle)?]),
            ("skewX", [angle]) => (2, vec![angle_class("skew-x", angle)?]),
            ("skewY", [angle]) => (3, vec![angle_class("skew-y", angle)?]),
            ("scale", [factor]) => (4, scale(factor, factor)?),
            ("scale", [x, y]) => (4, scale(x, y)?),
            ("scaleX", [x]) => (4, scale(x, "1")?),
            ("scaleY", [y]) => (5, scale("1", y)?),
            ("matrix", [a, b, c, d, x, y]) if last.is_none() => {
                last = Some(5);
                classes.extend(matrix([a, b, c, d, x, y])?);
                continue;
            }
            _ => return None,
        };
        if last.is_some_and(|last| step <= last) {
            return None;
        }
        last = Some(step);
        classes.append(&mut function_classes);
    }
    if classes.is_empty() {
        classes.push("transform".to_string());
    }
    Some(classes)
}

/// `matrix(a, b, c, d, x, y)` as `translate(x, y)` and a rotation or a scale; `None` for a
/// matrix that shears or mirrors.
fn matrix(values: [&str; 6]) -> Option<Vec<String>> {
    let [a, b, c, d]: [f64; 4] = [
        values[0].parse().ok()?,
        values[1].parse().ok()?,
        values[2].parse().ok()?,
        values[3].parse().ok()?,
    ];
    let mut classes = translate(&format!("{}px", values[4]), &format!("{}px", values[5]));
    if b == 0.0 && c == 0.0 && a > 0.0 && d > 0.0 {
        classes.extend(scale(values[0], values[3])?);
        return Some(classes);
    }
    // The browser writes six significant digits: cos 45deg is 0.707107.
    if (a - d).abs() < 1e-6 && (b + c).abs() < 1e-6 && (a * a + b * b - 1.0).abs() < 1e-4 {
        let degrees = b.atan2(a).to_degrees();
        let whole = degrees.round();
        if (degrees - whole).abs() < 1e-3 {
            classes.push(angle_class("rotate", &format!("{whole}deg"))?);
            return Some(classes);
        }
    }
    None
}

/// `name(arg, arg) name(arg)` as names and arguments; `None` where it is not such a list.
fn functions(value: &str) -> Option<Vec<(&str, Vec<&str>)>> {
    let mut out = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let open = rest.find('(')?;
        let close = rest.find(')')?;
        if close < open {
            return None;
        }
        let name = rest[..open].trim();
        let args = rest[open + 1..close].split(',').map(str::trim).collect();
        out.push((name, args));
        rest = rest[close + 1..].trim_start();
    }
    (!out.is_empty()).then_some(out)
}

fn translate(x: &str, y: &str) -> Vec<String> {
    [("translate-x", x), ("translate-y", y)]
        .into_iter()
        .filter(|(_, length)| !matches!(*length, "0px" | "0" | "0%"))
        .map(|(prefix, length)| inset_class(prefix, length))
        .collect()
}

/// `rotate-45`, `-rotate-3` on Tailwind's steps, `rotate-[30deg]` off them; `None` for an
/// angle in another unit (the browser computes degrees).
fn angle_class(prefix: &str, angle: &str) -> Option<String> {
    let degrees: f64 = angle.strip_suffix("deg")?.parse().ok()?;
    let steps: &[f64] = if prefix == "rotate" {
        &[0.0, 1.0, 2.0, 3.0, 6.0, 12.0, 45.0, 90.0, 180.0]
    } else {
        &[0.0, 1.0, 2.0, 3.0, 6.0, 12.0]
    };
    let sign = if degrees < 0.0 { "-" } else { "" };
    Some(
        match steps
            .iter()
            .find(|step| (**step - degrees.abs()).abs() < 1e-9)
        {
            Some(step) => format!("{sign}{prefix}-{step}"),
            None => format!("{prefix}-[{angle}]"),
        },
    )
}

/// `scale-105` for both axes alike, `scale-x-50 scale-y-75` apart; Tailwind's steps or an
/// arbitrary factor.
fn scale(x: &str, y: &str) -> Option<Vec<String>> {
    let step = |prefix: &str, factor: &str| -> Option<Option<String>> {
        let value: f64 = factor.parse().ok()?;
        if (value - 1.0).abs() < 1e-9 {
            return Some(None);
        }
        const STEPS: [f64; 10] = [
            0.0, 50.0, 75.0, 90.0, 95.0, 100.0, 105.0, 110.0, 125.0, 150.0,
        ];
        let percent = value * 100.0;
        Some(Some(
            match STEPS.iter().find(|step| (**step - percent).abs() < 1e-6) {
                Some(step) => format!("{prefix}-{step}"),
                None => format!("{prefix}-[{factor}]"),
            },
        ))
    };
    if x == y {
        return Some(step("scale", x)?.into_iter().collect());
    }
    Some(
        [step("scale-x", x)?, step("scale-y", y)?]
            .into_iter()
            .flatten()
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_in_tailwinds_order_become_its_utilities() {
        let classes = |value: &str| transform_classes(value).join(" ");
        assert_eq!(
            classes("translate(-50%, 0px) rotate(45deg)"),
            "-translate-x-1/2 rotate-45"
        );
        assert_eq!(
            classes("translate(-50%, -50%)"),
            "-translate-x-1/2 -translate-y-1/2"
        );
        assert_eq!(classes("translate(0px, -4px)"), "-translate-y-1");
        assert_eq!(classes("translate(13px, 0px)"), "translate-x-[13px]");
        assert_eq!(classes("translate(0px, 0px)"), "transform");
        assert_eq!(classes("scale(1.05, 1.05)"), "scale-105");
        assert_eq!(classes("scale(0.5, 0.75)"), "scale-x-50 scale-y-75");
        assert_eq!(classes("scale(1.02, 1.02)"), "scale-[1.02]");
        assert_eq!(classes("rotate(-3deg)"), "-rotate-3");
        assert_eq!(classes("rotate(30deg)"), "rotate-[30deg]");
        // 2D matrices that translate, rotate or scale, as the browser computes them.
        assert_eq!(classes("matrix(1, 0, 0, 1, 0, 0)"), "transform");
        assert_eq!(classes("matrix(1, 0, 0, 1, 0, -8)"), "-translate-y-2");
        assert_eq!(
            classes("matrix(0.707107, 0.707107, -0.707107, 0.707107, 0, 0)"),
            "rotate-45"
        );
        assert_eq!(
            classes("matrix(6.12323e-17, -1, 1, 6.12323e-17, 0, 0)"),
            "-rotate-90"
        );
        assert_eq!(
            classes("matrix(1.1, 0, 0, 1.1, 4, 0)"),
            "translate-x-1 scale-110"
        );
        assert_eq!(
            classes("matrix(-1, 0, 0, 1, 0, 0)"),
            "[transform:matrix(-1,_0,_0,_1,_0,_0)]"
        );
        assert_eq!(
            classes("translate3d(-50%, -50%, 0px)"),
            "-translate-x-1/2 -translate-y-1/2"
        );
        // Out of Tailwind's order, or not its functions: the value as it is.
        assert_eq!(
            classes("rotate(45deg) translate(10px, 0px)"),
            "[transform:rotate(45deg)_translate(10px,_0px)]"
        );
        assert_eq!(
            classes("matrix(1, 0, 1, 1, 5, 5)"),
            "[transform:matrix(1,_0,_1,_1,_5,_5)]"
        );
        assert_eq!(
            classes("perspective(100px) rotateY(10deg)"),
            "[transform:perspective(100px)_rotateY(10deg)]"
        );
    }

    #[test]
    fn a_wide_transform_resets_what_the_phone_one_sets() {
        let strings = |classes: &[&str]| -> Vec<String> {
            classes.iter().map(|class| class.to_string()).collect()
        };
        assert_eq!(
            transform_resets(
                &strings(&["-translate-x-1/2"]),
                &strings(&["-translate-x-1/2", "rotate-45", "scale-105"])
            ),
            strings(&["rotate-0", "scale-100"])
        );
        assert!(transform_resets(&strings(&["rotate-90"]), &strings(&["rotate-45"])).is_empty());
    }
}
