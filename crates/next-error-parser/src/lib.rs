//! replica-next-error-parser
