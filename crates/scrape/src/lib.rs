//! replica-scrape
