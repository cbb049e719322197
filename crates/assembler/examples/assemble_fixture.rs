//! Writes the project assembled from a recorded scrape to a folder, to build it with
//! `npm install && npx next build` or look at it:
//! `cargo run -p replica-assembler --example assemble_fixture -- fixtures/scrapes/landing faithful OUT [--localize] [--js]`
//! (`--localize` downloads the assets, private addresses allowed, as the CLI does; `--js`
//! writes JavaScript instead of TypeScript.)

use std::path::PathBuf;
use std::process::ExitCode;

use replica_assembler::{AssembleInput, LocalizeOptions, ProjectStyle, assemble, localize_assets};
use replica_core::OutputStyle;
use replica_core::{Lang, ScrapeData, UrlPolicy};
use replica_section_gen::{
    CompileOptions, LayoutWidths, compile_plan, compile_wrappers, tailwind_theme,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let localize = args.iter().any(|arg| arg == "--localize");
    let lang = if args.iter().any(|arg| arg == "--js") {
        Lang::JavaScript
    } else {
        Lang::TypeScript
    };
    args.retain(|arg| arg != "--localize" && arg != "--js");
    let [scrape_dir, style, out] = args.as_slice() else {
        eprintln!("usage: assemble_fixture SCRAPE_DIR faithful|tailwind OUT_DIR");
        return ExitCode::FAILURE;
    };
    let style = match style.as_str() {
        "faithful" => OutputStyle::Faithful,
        "tailwind" => OutputStyle::Tailwind,
        other => {
            eprintln!("unknown style {other:?}");
            return ExitCode::FAILURE;
        }
    };
    let scrape = match ScrapeData::load(&PathBuf::from(scrape_dir)) {
        Ok(scrape) => scrape,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let tokens = replica_design_tokens::extract(&scrape);
    let plan = replica_planner::plan(&scrape, &tokens);
    let options = CompileOptions {
        style,
        mobile_dom: Some(&scrape.mobile.dom),
        rendering_mode: scrape.rendering_mode(),
        lang,
    };
    let components: Vec<_> = compile_plan(&plan, &tokens, &options)
        .into_iter()
        .filter_map(|result| result.map_err(|error| eprintln!("{error}")).ok())
        .collect();
    let wrappers = compile_wrappers(&plan, &tokens, &options);
    let project_style = match style {
        OutputStyle::Faithful => ProjectStyle::Faithful,
        OutputStyle::Tailwind => ProjectStyle::Tailwind {
            theme_extend: serde_json::to_value(tailwind_theme(
                &tokens,
                Some(LayoutWidths::of(&scrape)),
            ))
            .unwrap_or_default(),
        },
    };
    let mut assembly = match assemble(&AssembleInput {
        scrape: &scrape,
        plan: &plan,
        tokens: &tokens,
        components: &components,
        wrappers: &wrappers,
        style: &project_style,
        lang,
        stylesheet_sources: &[],
        site: None,
    }) {
        Ok(assembly) => assembly,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    if localize {
        let options = LocalizeOptions {
            policy: UrlPolicy::allow_all(),
            ..LocalizeOptions::default()
        };
        let report = localize_assets(&mut assembly.files, &options).await;
        eprintln!("{} assets localized", report.localized.len());
        assembly.warnings.extend(report.warnings());
    }
    for (path, file) in &assembly.files.files {
        let target = PathBuf::from(out).join(path);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, &file.contents));
        if let Err(error) = written {
            eprintln!("{}: {error}", target.display());
            return ExitCode::FAILURE;
        }
    }
    for warning in &assembly.warnings {
        eprintln!("warning: {warning}");
    }
    println!("{} files in {out}", assembly.files.len());
    ExitCode::SUCCESS
}
