//! Errors as the text of an LLM fix prompt: numbered, each with its place, the message, the
//! code frame and the hint, indented so a model can tell where one ends.

use std::fmt::Write;

use crate::NextError;

/// The errors as prompt text; the caller adds the files and the instructions around it.
pub fn format_nextjs_errors(errors: &[NextError]) -> String {
    if errors.is_empty() {
        return "The Next.js dev server reported no errors.\n".to_string();
    }
    let mut out = String::new();
    let noun = if errors.len() == 1 { "error" } else { "errors" };
    let _ = writeln!(
        out,
        "The Next.js dev server reported {} {noun}:",
        errors.len()
    );
    for (number, error) in errors.iter().enumerate() {
        out.push('\n');
        let _ = write!(out, "{}. {}", number + 1, error.kind.as_str());
        if let Some(file) = &error.file {
            let _ = write!(out, " in {file}");
            match (error.line, error.column) {
                (Some(line), Some(column)) => {
                    let _ = write!(out, " at line {line}, column {column}");
                }
                (Some(line), None) => {
                    let _ = write!(out, " at line {line}");
                }
                _ => {}
            }
        }
        out.push('\n');
        indent_into(&mut out, &error.message, "   ");
        if let Some(frame) = &error.code_frame {
            out.push_str("   Code:\n");
            indent_into(&mut out, frame, "     ");
        }
        let _ = writeln!(out, "   Fix: {}", error.fix_hint);
    }
    out
}

fn indent_into(out: &mut String, text: &str, indent: &str) {
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::format_nextjs_errors;
    use crate::{ErrorKind, new_error};

    #[test]
    fn numbered_with_place_message_frame_and_fix() {
        let errors = [
            new_error(
                ErrorKind::RuntimeError,
                Some("app/page.jsx".to_string()),
                Some((4, 12)),
                "ReferenceError: heroTitle is not defined".to_string(),
                Some("> 4 |       <h1>{heroTitle}</h1>\n    |            ^".to_string()),
            ),
            new_error(
                ErrorKind::Other,
                None,
                None,
                "Failed to start server".to_string(),
                None,
            ),
        ];
        assert_eq!(
            format_nextjs_errors(&errors),
            "The Next.js dev server reported 2 errors:

1. runtime error in app/page.jsx at line 4, column 12
   ReferenceError: heroTitle is not defined
   Code:
     > 4 |       <h1>{heroTitle}</h1>
         |            ^
   Fix: `heroTitle` is not defined at app/page.jsx line 4: declare it, import it, or replace it with a literal value.

2. error
   Failed to start server
   Fix: Read the message; the dev server reported it outside a known error format.
"
        );
        assert_eq!(
            format_nextjs_errors(&[]),
            "The Next.js dev server reported no errors.\n"
        );
    }
}
