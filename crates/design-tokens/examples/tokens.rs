//! Prints the design tokens of a recorded scrape as JSON:
//! `cargo run -p replica-design-tokens --example tokens -- fixtures/scrapes/landing`.

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: tokens SCRAPE_DIR");
        std::process::exit(2);
    };
    match replica_core::ScrapeData::load(std::path::Path::new(&dir)) {
        Ok(scrape) => {
            let tokens = replica_design_tokens::extract(&scrape);
            println!(
                "{}",
                serde_json::to_string_pretty(&tokens).expect("tokens serialize")
            );
        }
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    }
}
