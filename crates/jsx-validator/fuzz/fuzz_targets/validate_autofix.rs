//! validate + format_report + autofix on arbitrary bytes, as a component and as a page:
//! nothing may panic, and autofix must settle (a second run changes nothing).
//!
//! On stable Rust: `cd crates/jsx-validator/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run
//! validate_autofix -s none -- -max_total_time=900`; seed corpus/validate_autofix with the
//! fixture files (tests/fixtures/**/*.jsx without their `//- path` lines).
#![no_main]

use libfuzzer_sys::fuzz_target;
use replica_core::ProjectFiles;
use replica_jsx_validator::{autofix, format_report, validate};

fuzz_target!(|data: &[u8]| {
    let mut files = ProjectFiles::default();
    files.insert_bytes("components/Fuzz.jsx", data.to_vec());
    files.insert_bytes("app/page.jsx", data.to_vec());
    files.insert_text("app/layout.jsx", "import './globals.css';\nexport default function L({ children }) { return <html><body>{children}</body></html>; }\n");
    let report = validate(&files);
    let _ = format_report(&report);
    let fixed = autofix(&files, &report);
    let again = autofix(&fixed.files, &report);
    assert_eq!(again.files, fixed.files, "autofix did not settle");
});
