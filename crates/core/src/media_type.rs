//! File extensions and the media types (MIME types) they are served with: one table for the
//! server, the fixture server and the assembler's asset names.

/// Extension (lowercase, no dot) and media type; the first extension of a media type is the one
/// a file of that type is named with.
const MEDIA_TYPES: &[(&str, &str)] = &[
    ("html", "text/html; charset=utf-8"),
    ("htm", "text/html; charset=utf-8"),
    ("css", "text/css; charset=utf-8"),
    ("js", "text/javascript; charset=utf-8"),
    ("mjs", "text/javascript; charset=utf-8"),
    ("cjs", "text/javascript; charset=utf-8"),
    ("jsx", "text/javascript; charset=utf-8"),
    ("ts", "text/javascript; charset=utf-8"),
    ("tsx", "text/javascript; charset=utf-8"),
    ("json", "application/json"),
    ("txt", "text/plain; charset=utf-8"),
    ("md", "text/plain; charset=utf-8"),
    ("pdf", "application/pdf"),
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("ico", "image/x-icon"),
    ("woff2", "font/woff2"),
    ("woff", "font/woff"),
    ("ttf", "font/ttf"),
    ("otf", "font/otf"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
];

/// The media type a file is served with, from its name's extension (any case);
/// `application/octet-stream` when the extension is unknown or missing.
pub fn media_type_of_path(path: &str) -> &'static str {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    file_name
        .rsplit_once('.')
        .and_then(|(_, extension)| {
            MEDIA_TYPES
                .iter()
                .find(|(known, _)| known.eq_ignore_ascii_case(extension))
        })
        .map_or("application/octet-stream", |&(_, media_type)| media_type)
}

/// The extension a file of `media_type` is named with (`image/jpeg` -> `jpg`); parameters such
/// as `; charset=utf-8` and the case are ignored.
pub fn extension_for_media_type(media_type: &str) -> Option<&'static str> {
    let essence = media_type.split(';').next()?.trim().to_ascii_lowercase();
    if essence == "image/vnd.microsoft.icon" {
        return Some("ico");
    }
    MEDIA_TYPES
        .iter()
        .find(|(_, known)| known.split(';').next() == Some(essence.as_str()))
        .map(|&(extension, _)| extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_from_paths() {
        assert_eq!(
            media_type_of_path("app/page.tsx"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(media_type_of_path("a/b/Logo.SVG"), "image/svg+xml");
        assert_eq!(media_type_of_path("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            media_type_of_path("v1.2/README"),
            "application/octet-stream"
        );
        assert_eq!(
            media_type_of_path("no-extension"),
            "application/octet-stream"
        );
    }

    #[test]
    fn extensions_from_media_types() {
        assert_eq!(extension_for_media_type("image/jpeg"), Some("jpg"));
        assert_eq!(extension_for_media_type("Font/WOFF2"), Some("woff2"));
        assert_eq!(
            extension_for_media_type("text/css; charset=utf-8"),
            Some("css")
        );
        assert_eq!(
            extension_for_media_type("image/vnd.microsoft.icon"),
            Some("ico")
        );
        assert_eq!(extension_for_media_type("application/x-unknown"), None);
    }
}
