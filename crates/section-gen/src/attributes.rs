//! HTML and SVG attribute names to React prop names.

use std::borrow::Cow;

/// What an HTML attribute becomes in JSX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeMapping {
    /// Emit the value under this prop name.
    Prop(Cow<'static, str>),
    /// `style`: the value becomes an object through [`style_object`](crate::style_object).
    Style,
    /// Not emitted, for the reason given.
    Drop(&'static str),
}

/// Maps attribute `name` of element `tag` (both as the DOM reports them) to its JSX form.
///
/// Names React spells differently are looked up case-insensitively (`class` -> `className`,
/// `viewbox` and `viewBox` -> `viewBox`, `stroke-width` -> `strokeWidth`); `aria-*`,
/// `data-*` and other names pass through unchanged. Inline event handlers are dropped
/// because the clone must not run the page's scripts (DESIGN.md §6), and form values become
/// `defaultValue`/`defaultChecked` so React leaves the fields editable.
pub fn map_attribute(tag: &str, name: &str) -> AttributeMapping {
    let lower = name.to_ascii_lowercase();
    if lower == "style" {
        return AttributeMapping::Style;
    }
    if lower.starts_with("aria-") || lower.starts_with("data-") {
        return AttributeMapping::Prop(Cow::Owned(lower));
    }
    if lower.len() > 2
        && lower.starts_with("on")
        && lower[2..].bytes().all(|b| b.is_ascii_alphabetic())
    {
        return AttributeMapping::Drop(
            "inline event handlers are scripts, which the clone does not run",
        );
    }
    if matches!(
        lower.as_str(),
        "key" | "ref" | "children" | "dangerouslysetinnerhtml"
    ) {
        return AttributeMapping::Drop("React reserves this prop name");
    }
    let tag = tag.to_ascii_lowercase();
    match (tag.as_str(), lower.as_str()) {
        ("input" | "textarea" | "select", "value") => {
            return AttributeMapping::Prop(Cow::Borrowed("defaultValue"));
        }
        ("input", "checked") => return AttributeMapping::Prop(Cow::Borrowed("defaultChecked")),
        _ => {}
    }
    if let Some(react) = react_name(&lower) {
        return AttributeMapping::Prop(Cow::Borrowed(react));
    }
    if !is_jsx_attribute_name(name) {
        // Framework syntax such as Vue's `:class` or Alpine's `@click` cannot be written in JSX.
        return AttributeMapping::Drop("not a valid JSX attribute name");
    }
    if name.contains(':') {
        // `ns:name` parses, but Next.js's compiler refuses JSX namespaces; the XML ones
        // React knows are mapped above.
        return AttributeMapping::Drop("React does not support namespaced attributes");
    }
    AttributeMapping::Prop(Cow::Owned(name.to_string()))
}

/// JSX accepts `ident` or `ns:ident`, where identifiers may also contain `-`.
fn is_jsx_attribute_name(name: &str) -> bool {
    let part = |part: &str| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-'))
    };
    match name.split_once(':') {
        Some((namespace, local)) => part(namespace) && part(local),
        None => part(name),
    }
}

/// React's spelling of an attribute whose lowercase DOM name differs from it (React DOM's
/// `possibleStandardNames`, HTML and SVG). `None` means the name is used as it is.
fn react_name(lower: &str) -> Option<&'static str> {
    REACT_NAMES
        .binary_search_by_key(&lower, |&(dom, _)| dom)
        .ok()
        .map(|index| REACT_NAMES[index].1)
}

/// Lowercase DOM name to React name, sorted by the DOM name for the binary search.
const REACT_NAMES: &[(&str, &str)] = &[
    ("accent-height", "accentHeight"),
    ("accept-charset", "acceptCharset"),
    ("acceptcharset", "acceptCharset"),
    ("accesskey", "accessKey"),
    ("alignment-baseline", "alignmentBaseline"),
    ("allowfullscreen", "allowFullScreen"),
    ("allowreorder", "allowReorder"),
    ("arabic-form", "arabicForm"),
    ("attributename", "attributeName"),
    ("attributetype", "attributeType"),
    ("autocapitalize", "autoCapitalize"),
    ("autocomplete", "autoComplete"),
    ("autocorrect", "autoCorrect"),
    ("autofocus", "autoFocus"),
    ("autoplay", "autoPlay"),
    ("autoreverse", "autoReverse"),
    ("autosave", "autoSave"),
    ("basefrequency", "baseFrequency"),
    ("baseline-shift", "baselineShift"),
    ("baseprofile", "baseProfile"),
    ("calcmode", "calcMode"),
    ("cap-height", "capHeight"),
    ("cellpadding", "cellPadding"),
    ("cellspacing", "cellSpacing"),
    ("charset", "charSet"),
    ("class", "className"),
    ("classid", "classID"),
    ("classname", "className"),
    ("clip-path", "clipPath"),
    ("clip-rule", "clipRule"),
    ("clippathunits", "clipPathUnits"),
    ("color-interpolation", "colorInterpolation"),
    ("color-interpolation-filters", "colorInterpolationFilters"),
    ("color-profile", "colorProfile"),
    ("color-rendering", "colorRendering"),
    ("colspan", "colSpan"),
    ("contenteditable", "contentEditable"),
    ("contentscripttype", "contentScriptType"),
    ("contentstyletype", "contentStyleType"),
    ("contextmenu", "contextMenu"),
    ("controlslist", "controlsList"),
    ("crossorigin", "crossOrigin"),
    ("datetime", "dateTime"),
    ("diffuseconstant", "diffuseConstant"),
    ("disablepictureinpicture", "disablePictureInPicture"),
    ("disableremoteplayback", "disableRemotePlayback"),
    ("dominant-baseline", "dominantBaseline"),
    ("edgemode", "edgeMode"),
    ("enable-background", "enableBackground"),
    ("enctype", "encType"),
    ("enterkeyhint", "enterKeyHint"),
    ("externalresourcesrequired", "externalResourcesRequired"),
    ("fetchpriority", "fetchPriority"),
    ("fill-opacity", "fillOpacity"),
    ("fill-rule", "fillRule"),
    ("filterres", "filterRes"),
    ("filterunits", "filterUnits"),
    ("flood-color", "floodColor"),
    ("flood-opacity", "floodOpacity"),
    ("font-family", "fontFamily"),
    ("font-size", "fontSize"),
    ("font-size-adjust", "fontSizeAdjust"),
    ("font-stretch", "fontStretch"),
    ("font-style", "fontStyle"),
    ("font-variant", "fontVariant"),
    ("font-weight", "fontWeight"),
    ("for", "htmlFor"),
    ("formaction", "formAction"),
    ("formenctype", "formEncType"),
    ("formmethod", "formMethod"),
    ("formnovalidate", "formNoValidate"),
    ("formtarget", "formTarget"),
    ("frameborder", "frameBorder"),
    ("glyph-name", "glyphName"),
    ("glyph-orientation-horizontal", "glyphOrientationHorizontal"),
    ("glyph-orientation-vertical", "glyphOrientationVertical"),
    ("glyphref", "glyphRef"),
    ("gradienttransform", "gradientTransform"),
    ("gradientunits", "gradientUnits"),
    ("horiz-adv-x", "horizAdvX"),
    ("horiz-origin-x", "horizOriginX"),
    ("hreflang", "hrefLang"),
    ("htmlfor", "htmlFor"),
    ("http-equiv", "httpEquiv"),
    ("httpequiv", "httpEquiv"),
    ("image-rendering", "imageRendering"),
    ("imagesizes", "imageSizes"),
    ("imagesrcset", "imageSrcSet"),
    ("inputmode", "inputMode"),
    ("itemid", "itemID"),
    ("itemprop", "itemProp"),
    ("itemref", "itemRef"),
    ("itemscope", "itemScope"),
    ("itemtype", "itemType"),
    ("kernelmatrix", "kernelMatrix"),
    ("kernelunitlength", "kernelUnitLength"),
    ("keyparams", "keyParams"),
    ("keypoints", "keyPoints"),
    ("keysplines", "keySplines"),
    ("keytimes", "keyTimes"),
    ("keytype", "keyType"),
    ("lengthadjust", "lengthAdjust"),
    ("letter-spacing", "letterSpacing"),
    ("lighting-color", "lightingColor"),
    ("limitingconeangle", "limitingConeAngle"),
    ("marginheight", "marginHeight"),
    ("marginwidth", "marginWidth"),
    ("marker-end", "markerEnd"),
    ("marker-mid", "markerMid"),
    ("marker-start", "markerStart"),
    ("markerheight", "markerHeight"),
    ("markerunits", "markerUnits"),
    ("markerwidth", "markerWidth"),
    ("maskcontentunits", "maskContentUnits"),
    ("maskunits", "maskUnits"),
    ("maxlength", "maxLength"),
    ("mediagroup", "mediaGroup"),
    ("minlength", "minLength"),
    ("nomodule", "noModule"),
    ("novalidate", "noValidate"),
    ("numoctaves", "numOctaves"),
    ("overline-position", "overlinePosition"),
    ("overline-thickness", "overlineThickness"),
    ("paint-order", "paintOrder"),
    ("panose-1", "panose1"),
    ("pathlength", "pathLength"),
    ("patterncontentunits", "patternContentUnits"),
    ("patterntransform", "patternTransform"),
    ("patternunits", "patternUnits"),
    ("playsinline", "playsInline"),
    ("pointer-events", "pointerEvents"),
    ("pointsatx", "pointsAtX"),
    ("pointsaty", "pointsAtY"),
    ("pointsatz", "pointsAtZ"),
    ("preservealpha", "preserveAlpha"),
    ("preserveaspectratio", "preserveAspectRatio"),
    ("primitiveunits", "primitiveUnits"),
    ("radiogroup", "radioGroup"),
    ("readonly", "readOnly"),
    ("referrerpolicy", "referrerPolicy"),
    ("refx", "refX"),
    ("refy", "refY"),
    ("rendering-intent", "renderingIntent"),
    ("repeatcount", "repeatCount"),
    ("repeatdur", "repeatDur"),
    ("requiredextensions", "requiredExtensions"),
    ("requiredfeatures", "requiredFeatures"),
    ("rowspan", "rowSpan"),
    ("shape-rendering", "shapeRendering"),
    ("specularconstant", "specularConstant"),
    ("specularexponent", "specularExponent"),
    ("spellcheck", "spellCheck"),
    ("spreadmethod", "spreadMethod"),
    ("srcdoc", "srcDoc"),
    ("srclang", "srcLang"),
    ("srcset", "srcSet"),
    ("startoffset", "startOffset"),
    ("stddeviation", "stdDeviation"),
    ("stitchtiles", "stitchTiles"),
    ("stop-color", "stopColor"),
    ("stop-opacity", "stopOpacity"),
    ("strikethrough-position", "strikethroughPosition"),
    ("strikethrough-thickness", "strikethroughThickness"),
    ("stroke-dasharray", "strokeDasharray"),
    ("stroke-dashoffset", "strokeDashoffset"),
    ("stroke-linecap", "strokeLinecap"),
    ("stroke-linejoin", "strokeLinejoin"),
    ("stroke-miterlimit", "strokeMiterlimit"),
    ("stroke-opacity", "strokeOpacity"),
    ("stroke-width", "strokeWidth"),
    ("surfacescale", "surfaceScale"),
    ("systemlanguage", "systemLanguage"),
    ("tabindex", "tabIndex"),
    ("tablevalues", "tableValues"),
    ("targetx", "targetX"),
    ("targety", "targetY"),
    ("text-anchor", "textAnchor"),
    ("text-decoration", "textDecoration"),
    ("text-rendering", "textRendering"),
    ("textlength", "textLength"),
    ("transform-origin", "transformOrigin"),
    ("underline-position", "underlinePosition"),
    ("underline-thickness", "underlineThickness"),
    ("unicode-bidi", "unicodeBidi"),
    ("unicode-range", "unicodeRange"),
    ("units-per-em", "unitsPerEm"),
    ("usemap", "useMap"),
    ("v-alphabetic", "vAlphabetic"),
    ("v-hanging", "vHanging"),
    ("v-ideographic", "vIdeographic"),
    ("v-mathematical", "vMathematical"),
    ("vector-effect", "vectorEffect"),
    ("vert-adv-y", "vertAdvY"),
    ("vert-origin-x", "vertOriginX"),
    ("vert-origin-y", "vertOriginY"),
    ("viewbox", "viewBox"),
    ("viewtarget", "viewTarget"),
    ("word-spacing", "wordSpacing"),
    ("writing-mode", "writingMode"),
    ("x-height", "xHeight"),
    ("xchannelselector", "xChannelSelector"),
    ("xlink:actuate", "xlinkActuate"),
    ("xlink:arcrole", "xlinkArcrole"),
    ("xlink:href", "xlinkHref"),
    ("xlink:role", "xlinkRole"),
    ("xlink:show", "xlinkShow"),
    ("xlink:title", "xlinkTitle"),
    ("xlink:type", "xlinkType"),
    ("xml:base", "xmlBase"),
    ("xml:lang", "xmlLang"),
    ("xml:space", "xmlSpace"),
    ("xmlns:xlink", "xmlnsXlink"),
    ("ychannelselector", "yChannelSelector"),
    ("zoomandpan", "zoomAndPan"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn react_names_are_sorted_for_the_binary_search() {
        assert!(REACT_NAMES.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

    fn prop(name: &str) -> AttributeMapping {
        AttributeMapping::Prop(Cow::Owned(name.to_string()))
    }

    #[test]
    fn attribute_names() {
        let cases = [
            // (tag, html name, expected)
            ("div", "class", prop("className")),
            ("label", "for", prop("htmlFor")),
            ("div", "tabindex", prop("tabIndex")),
            ("input", "readonly", prop("readOnly")),
            ("input", "maxlength", prop("maxLength")),
            ("td", "colspan", prop("colSpan")),
            ("td", "rowspan", prop("rowSpan")),
            ("img", "srcset", prop("srcSet")),
            ("img", "crossorigin", prop("crossOrigin")),
            ("img", "fetchpriority", prop("fetchPriority")),
            ("input", "autocomplete", prop("autoComplete")),
            ("form", "enctype", prop("encType")),
            ("meta", "http-equiv", prop("httpEquiv")),
            ("meta", "charset", prop("charSet")),
            ("time", "datetime", prop("dateTime")),
            ("video", "playsinline", prop("playsInline")),
            ("iframe", "allowfullscreen", prop("allowFullScreen")),
            ("div", "contenteditable", prop("contentEditable")),
            ("div", "itemscope", prop("itemScope")),
            // The DOM may report HTML names in any case.
            ("div", "CLASS", prop("className")),
            // Unchanged.
            ("a", "href", prop("href")),
            ("img", "alt", prop("alt")),
            ("img", "loading", prop("loading")),
            ("button", "aria-label", prop("aria-label")),
            ("button", "aria-expanded", prop("aria-expanded")),
            ("div", "data-testid", prop("data-testid")),
            ("div", "data-Section-Id", prop("data-section-id")),
            ("div", "role", prop("role")),
            ("div", "hx-get", prop("hx-get")),
            ("input", "type", prop("type")),
            // SVG, lowercased by an HTML parser or already in their SVG case.
            ("svg", "viewbox", prop("viewBox")),
            ("svg", "viewBox", prop("viewBox")),
            ("svg", "preserveAspectRatio", prop("preserveAspectRatio")),
            ("path", "stroke-width", prop("strokeWidth")),
            ("path", "stroke-linecap", prop("strokeLinecap")),
            ("path", "fill-rule", prop("fillRule")),
            ("path", "clip-rule", prop("clipRule")),
            ("g", "clip-path", prop("clipPath")),
            ("stop", "stop-color", prop("stopColor")),
            ("text", "text-anchor", prop("textAnchor")),
            ("use", "xlink:href", prop("xlinkHref")),
            ("svg", "xmlns:xlink", prop("xmlnsXlink")),
            ("text", "xml:space", prop("xmlSpace")),
            ("svg", "xmlns", prop("xmlns")),
            ("path", "d", prop("d")),
            (
                "linearGradient",
                "gradientTransform",
                prop("gradientTransform"),
            ),
            // Form values stay editable.
            ("input", "value", prop("defaultValue")),
            ("textarea", "value", prop("defaultValue")),
            ("input", "checked", prop("defaultChecked")),
            ("option", "value", prop("value")),
            ("button", "value", prop("value")),
            // Style and dropped attributes.
            ("div", "style", AttributeMapping::Style),
            ("svg", "STYLE", AttributeMapping::Style),
        ];
        for (tag, name, expected) in cases {
            assert_eq!(map_attribute(tag, name), expected, "<{tag} {name}>");
        }
    }

    #[test]
    fn event_handlers_and_framework_syntax_are_dropped() {
        for (tag, name) in [
            ("button", "onclick"),
            ("body", "onLoad"),
            ("img", "onerror"),
            ("div", ":class"),
            ("button", "@click"),
            ("div", "x-on:click.prevent"),
            ("div", "[hidden]"),
            ("li", "key"),
            ("svg", "xmlns:serif"),
            ("p", "v:shape"),
            ("div", "ref"),
        ] {
            assert!(
                matches!(map_attribute(tag, name), AttributeMapping::Drop(_)),
                "<{tag} {name}> should be dropped"
            );
        }
        // Names that merely start with "on" are kept.
        assert_eq!(map_attribute("div", "one-time"), prop("one-time"));
    }
}
