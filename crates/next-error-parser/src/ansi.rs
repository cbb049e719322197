//! Removing terminal escape sequences: Next.js colours its code frames even when its output
//! is not a terminal, and `FORCE_COLOR` colours everything else.

/// `text` without ANSI escape sequences (CSI such as colours and cursor moves, OSC such as
/// hyperlinks and titles, and two-byte escapes).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // CSI: parameters and intermediates up to a final byte in @..=~.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ST (ESC \).
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            // Any other escape is ESC plus one character; a trailing ESC is dropped.
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn strips_colours_cursor_moves_and_links() {
        let cases = [
            ("plain ✓ text", "plain ✓ text"),
            ("\u{1b}[31mx\u{1b}[0m Unexpected", "x Unexpected"),
            (
                "\u{1b}[36;1;4m/p/app/page.jsx\u{1b}[0m:2:1",
                "/p/app/page.jsx:2:1",
            ),
            ("\u{1b}[38;2;173;127;168m▲ Next.js\u{1b}[39m", "▲ Next.js"),
            ("\u{1b}[?25h", ""),
            (
                "\u{1b}]8;;https://nextjs.org\u{7}link\u{1b}]8;;\u{1b}\\",
                "link",
            ),
            ("a\u{1b}7b", "ab"),
            ("trailing\u{1b}", "trailing"),
        ];
        for (input, expected) in cases {
            assert_eq!(strip_ansi(input), expected, "{input:?}");
        }
    }
}
