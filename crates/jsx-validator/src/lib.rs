//! replica-jsx-validator
