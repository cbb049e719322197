//! Integration tests of the scrape against real headless Chromium and a real HTTP server.

mod bad_input;
mod fixture_sites;
mod support;
