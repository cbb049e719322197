//! Getting code and JSON out of a model's prose.

/// The content of the first fenced code block (```` ```jsx ... ``` ````) in `text`, or the whole
/// text trimmed when there is none. An unclosed fence (a truncated answer) yields everything
/// after the opening line.
pub fn strip_code_fences(text: &str) -> &str {
    let mut offset = 0;
    let mut opening: Option<(usize, usize)> = None; // (fence length, where the content starts)
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let trimmed = line.trim();
        let ticks = trimmed.bytes().take_while(|&byte| byte == b'`').count();
        match opening {
            None if ticks >= 3 => opening = Some((ticks, offset)),
            // A closing fence is backticks alone, at least as many as opened.
            Some((fence, start)) if ticks >= fence && ticks == trimmed.len() => {
                return text[start..line_start].trim_end_matches(['\n', '\r']);
            }
            _ => {}
        }
    }
    match opening {
        Some((_, start)) => text[start..].trim_end(),
        None => text.trim(),
    }
}

/// The first complete, valid JSON object in `text`, as a slice of it.
///
/// Braces inside strings and escaped quotes are skipped; a brace-delimited span that is not
/// valid JSON (`{name}` in prose) is passed over. `None` when no object completes, as in a
/// truncated answer.
pub fn first_json_object(text: &str) -> Option<&str> {
    let mut search_from = 0;
    while let Some(relative) = text[search_from..].find('{') {
        let start = search_from + relative;
        let end = matching_brace(&text[start..])?;
        let candidate = &text[start..start + end];
        if serde_json::from_str::<serde_json::Value>(candidate).is_ok() {
            return Some(candidate);
        }
        search_from = start + 1;
    }
    None
}

/// The length of the brace-balanced span that `text` starts with, or `None` if it never closes.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (index, byte) in outside_json_strings(text.as_bytes()) {
        match byte {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(index + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The bytes of a JSON text outside its strings, with their offsets (the quotes, and escaped
/// quotes inside strings, skipped).
pub(crate) fn outside_json_strings(bytes: &[u8]) -> impl Iterator<Item = (usize, u8)> + '_ {
    let (mut in_string, mut escaped) = (false, false);
    bytes.iter().copied().enumerate().filter(move |&(_, byte)| {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            return false;
        }
        in_string = byte == b'"';
        !in_string
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences() {
        assert_eq!(
            strip_code_fences("```jsx\nexport default 1;\n```"),
            "export default 1;"
        );
        assert_eq!(strip_code_fences("```\r\na\r\n```\r\n"), "a");
        assert_eq!(
            strip_code_fences(
                "Here it is:\n\n```jsx\nconst a = 1;\n\nconst b = 2;\n```\nThat's all.\n```css\nx\n```"
            ),
            "const a = 1;\n\nconst b = 2;"
        );
        assert_eq!(strip_code_fences("  no fences here \n"), "no fences here");
        // Truncated answer: the fence never closes.
        assert_eq!(
            strip_code_fences("```jsx\nexport default function A() {\n  return <div>\n"),
            "export default function A() {\n  return <div>"
        );
        // Backticks inside the code (template literals) do not close the block.
        assert_eq!(
            strip_code_fences("```js\nconst s = `a`;\nconst t = ```x```;\n```"),
            "const s = `a`;\nconst t = ```x```;"
        );
        // A longer fence can hold a shorter one.
        assert_eq!(
            strip_code_fences("````md\n```js\nx\n```\n````"),
            "```js\nx\n```"
        );
        assert_eq!(strip_code_fences("```jsx\n```"), "");
        assert_eq!(strip_code_fences(""), "");
    }

    #[test]
    fn json_objects() {
        assert_eq!(first_json_object(r#"{"a":1}"#), Some(r#"{"a":1}"#));
        assert_eq!(
            first_json_object("Sure! ```json\n{\"a\": {\"b\": [1, 2]}}\n``` done"),
            Some("{\"a\": {\"b\": [1, 2]}}")
        );
        assert_eq!(
            first_json_object(r#"x {"s": "a } b { c", "t": "q\"}"} y {"z":2}"#),
            Some(r#"{"s": "a } b { c", "t": "q\"}"}"#)
        );
        assert_eq!(
            first_json_object(r#"use {name} here: {"ok": true}"#),
            Some(r#"{"ok": true}"#)
        );
        assert_eq!(
            first_json_object(r#"{"a": "\\"} tail"#),
            Some(r#"{"a": "\\"}"#)
        );
        assert_eq!(
            first_json_object(r#"{"a": "ünï{cödé}"}"#),
            Some(r#"{"a": "ünï{cödé}"}"#)
        );
        // Truncated: no object completes.
        assert_eq!(first_json_object(r#"{"a": {"b": 1}, "c": "#), None);
        assert_eq!(first_json_object("no json"), None);
        assert_eq!(first_json_object("}{"), None);
        assert_eq!(first_json_object(""), None);
    }
}
