//! Server-sent events as the three providers send them: the parsing rules of the HTML
//! standard's `text/event-stream`, fed with whatever chunks the network delivers.

/// One dispatched event: its `event:` name (empty when none was given) and its `data:` lines
/// joined by `\n`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SseEvent {
    pub name: String,
    pub data: String,
}

/// Splits a byte stream into events. Lines may end in `\n`, `\r\n` or `\r`, and a chunk may end
/// anywhere, even inside a UTF-8 character or between `\r` and `\n`.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    /// Bytes of a line not yet ended.
    line: Vec<u8>,
    /// The last chunk ended in `\r`: a `\n` starting the next one belongs to that line end.
    after_cr: bool,
    name: String,
    data: String,
    has_data: bool,
}

impl SseParser {
    /// Feeds a chunk; returns the events it completed.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        let mut rest = chunk;
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            rest = rest.strip_prefix(b"\n").unwrap_or(rest);
        }
        while let Some(end) = rest.iter().position(|&byte| byte == b'\n' || byte == b'\r') {
            self.line.extend_from_slice(&rest[..end]);
            let line = std::mem::take(&mut self.line);
            self.line(&line, &mut events);
            let ending = rest[end];
            rest = &rest[end + 1..];
            if ending == b'\r' {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.line.extend_from_slice(rest);
        events
    }

    /// The stream ended: an event whose blank line never came is dispatched rather than lost
    /// (some servers end on the last `data:` line).
    pub(crate) fn finish(&mut self) -> Option<SseEvent> {
        let mut events = Vec::new();
        let line = std::mem::take(&mut self.line);
        if !line.is_empty() {
            self.line(&line, &mut events);
        }
        self.line(b"", &mut events);
        events.pop()
    }

    fn line(&mut self, line: &[u8], events: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if self.has_data {
                events.push(SseEvent {
                    name: std::mem::take(&mut self.name),
                    data: std::mem::take(&mut self.data),
                });
            }
            self.name.clear();
            self.has_data = false;
            return;
        }
        if line[0] == b':' {
            return; // a comment, such as a keep-alive
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => value.clone_into(&mut self.name),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            // `id` and `retry` matter to reconnecting browsers, not to one model call.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, data: &str) -> SseEvent {
        SseEvent {
            name: name.to_owned(),
            data: data.to_owned(),
        }
    }

    fn parse_in_pieces(text: &str, piece: usize) -> Vec<SseEvent> {
        let mut parser = SseParser::default();
        let mut events: Vec<SseEvent> = text
            .as_bytes()
            .chunks(piece)
            .flat_map(|chunk| parser.push(chunk))
            .collect();
        events.extend(parser.finish());
        events
    }

    #[test]
    fn events_survive_any_chunking() {
        let text = "event: message_start\r\ndata: {\"a\":\"é\"}\r\n\r\n: ping\n\ndata: one\ndata:two\n\nevent: x\rdata: [DONE]\r\r";
        let expected = vec![
            event("message_start", "{\"a\":\"é\"}"),
            event("", "one\ntwo"),
            event("x", "[DONE]"),
        ];
        for piece in 1..=text.len() {
            assert_eq!(parse_in_pieces(text, piece), expected, "pieces of {piece}");
        }
    }

    #[test]
    fn names_reset_and_empty_events_are_not_dispatched() {
        let text = "event: lonely\n\nevent: a\ndata: 1\n\ndata: 2\n\nid: 7\nretry: 10\ndata\n\n";
        assert_eq!(
            parse_in_pieces(text, 1000),
            vec![event("a", "1"), event("", "2"), event("", "")]
        );
    }

    #[test]
    fn an_unterminated_last_event_is_dispatched_at_the_end() {
        assert_eq!(
            parse_in_pieces("data: {\"done\":true}", 4),
            vec![event("", "{\"done\":true}")]
        );
        assert_eq!(parse_in_pieces("", 4), vec![]);
    }
}
