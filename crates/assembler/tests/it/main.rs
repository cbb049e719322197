//! Integration tests of replica-assembler, one binary.

mod skeleton;
