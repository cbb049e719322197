//! Integration tests of the scrape against real headless Chromium and a real HTTP server.

mod bad_input;
mod console;
mod fixture_sites;
mod screenshot;
mod ssrf;
mod support;
