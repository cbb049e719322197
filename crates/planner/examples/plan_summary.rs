//! Prints a one-line-per-section summary of the plan of a recorded scrape, and writes the
//! section crops as PNGs when given a second directory:
//! `cargo run -p replica-planner --example plan_summary -- fixtures/scrapes/landing [OUT_DIR]`.

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: plan_summary SCRAPE_DIR");
        std::process::exit(2);
    };
    let scrape = match replica_core::ScrapeData::load(std::path::Path::new(&dir)) {
        Ok(scrape) => scrape,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    let tokens = replica_design_tokens::extract(&scrape);
    let plan = replica_planner::plan(&scrape, &tokens);
    println!(
        "{} | theme {} | fonts {:?}",
        plan.shared_context.title, plan.shared_context.theme, plan.shared_context.font_families
    );
    let out = std::env::args().nth(2).map(std::path::PathBuf::from);
    for s in &plan.sections {
        let d = &s.data;
        if let Some(out) = &out {
            std::fs::create_dir_all(out).expect("create the output directory");
            for (device, crop) in [("desktop", &d.desktop_crop), ("mobile", &d.mobile_crop)] {
                if let Some(crop) = crop {
                    std::fs::write(out.join(format!("{}-{device}.png", s.id)), &crop.png)
                        .expect("write a crop");
                }
            }
        }
        let crop = |c: &Option<replica_core::SectionCrop>| {
            c.as_ref().map_or("-".to_string(), |c| {
                format!(
                    "{}x{}{}",
                    c.width,
                    c.height,
                    if c.clipped { " clipped" } else { "" }
                )
            })
        };
        let roots: Vec<String> = d
            .dom
            .iter()
            .map(|r| format!("{}#{}", r.tag, r.id))
            .collect();
        println!(
            "{:>2} {:<14} {:<12} y {:>8.1}..{:<8.1} m {:<20} crops {} / {} | roots {} | h{} p{} img{} a{} btn{} nav{} logo{} bg {:?}",
            s.order,
            s.component_name,
            s.kind.as_str(),
            d.rect.y,
            d.rect.bottom(),
            d.mobile_box.map_or("-".to_string(), |m| format!(
                "{:.1}..{:.1}",
                m.y,
                m.bottom()
            )),
            crop(&d.desktop_crop),
            crop(&d.mobile_crop),
            roots.join(","),
            d.headings.len(),
            d.paragraphs.len(),
            d.images.len(),
            d.links.len(),
            d.buttons.len(),
            d.nav_links.len(),
            d.logo_svg.is_some() as u8,
            d.background
                .as_deref()
                .map(|b| b.chars().take(40).collect::<String>()),
        );
    }
}
