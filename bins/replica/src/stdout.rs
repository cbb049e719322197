//! The commands' results on stdout, written so that a reader that goes away (`replica config |
//! head`) ends the output quietly: `print!` panics on a closed pipe.

use std::fmt;
use std::io::{self, Write as _};

/// `print!` for a command's result; flushed, so streamed text shows at once.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!($($arg)*))
    };
}

/// `println!` for a command's result.
macro_rules! outln {
    () => {
        $crate::stdout::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};

/// Writes to stdout; a closed pipe drops the rest of the output, any other failure panics as
/// `print!` would.
pub fn write(args: fmt::Arguments<'_>) {
    let mut stdout = io::stdout().lock();
    match stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
        Err(error) => panic!("failed printing to stdout: {error}"),
    }
}
