//! replica-assembler
