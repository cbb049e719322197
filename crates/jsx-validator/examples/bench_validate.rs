//! Validating a project of 200 generated components (100-300 lines each), the speed
//! target: at most 100 ms. `cargo run --release -p replica-jsx-validator --example bench_validate`

use std::fmt::Write;
use std::time::{Duration, Instant};

use replica_core::ProjectFiles;
use replica_jsx_validator::{autofix, validate};

const COMPONENTS: usize = 200;
const RUNS: usize = 30;

fn main() {
    let files = project(COMPONENTS, false);
    let lines: usize = files
        .files
        .values()
        .map(|file| file.contents.iter().filter(|&&b| b == b'\n').count())
        .sum();
    let report = validate(&files);
    assert!(
        report.valid,
        "the generated project must be valid:\n{report}"
    );
    assert_eq!(report.stats.components, COMPONENTS);
    println!(
        "project: {} files, {} components, {lines} lines, {} KiB",
        files.len(),
        report.stats.components,
        files
            .files
            .values()
            .map(|f| f.contents.len())
            .sum::<usize>()
            / 1024
    );
    let times = measure(|| {
        std::hint::black_box(validate(std::hint::black_box(&files)));
    });
    print_times(
        "validate (clean, 200 components)",
        &times,
        Some(Duration::from_millis(100)),
    );

    // Every tenth component carries the mechanical mistakes autofix repairs.
    let broken = project(COMPONENTS, true);
    let broken_report = validate(&broken);
    let times = measure(|| {
        std::hint::black_box(validate(std::hint::black_box(&broken)));
    });
    print_times(
        &format!(
            "validate (20 broken components, {} errors)",
            broken_report.errors.len()
        ),
        &times,
        None,
    );
    let times = measure(|| {
        std::hint::black_box(autofix(&broken, &broken_report));
    });
    let fixed = autofix(&broken, &broken_report);
    print_times(
        &format!(
            "autofix (20 broken components -> {} errors left)",
            fixed.report.errors.len()
        ),
        &times,
        None,
    );
}

fn measure(mut run: impl FnMut()) -> Vec<Duration> {
    run(); // warm-up
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn print_times(what: &str, sorted: &[Duration], target: Option<Duration>) {
    let min = sorted[0];
    let median = sorted[sorted.len() / 2];
    let verdict = match target {
        Some(target) if median <= target => format!(" (target <= {} ms: met)", target.as_millis()),
        Some(target) => format!(" (target <= {} ms: MISSED)", target.as_millis()),
        None => String::new(),
    };
    println!(
        "{what}: min {:.2} ms, median {:.2} ms over {} runs{verdict}",
        min.as_secs_f64() * 1000.0,
        median.as_secs_f64() * 1000.0,
        sorted.len()
    );
}

/// A project like the assembler writes: layout, globals, a page importing every section.
fn project(components: usize, with_mistakes: bool) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    files.insert_text(
        "app/layout.jsx",
        "import './globals.css';\n\nexport const metadata = { title: 'Bench' };\n\nexport default function RootLayout({ children }) {\n  return (\n    <html lang=\"en\">\n      <body>{children}</body>\n    </html>\n  );\n}\n",
    );
    files.insert_text("app/globals.css", "body { margin: 0; }\n");
    let mut page = String::new();
    for i in 0..components {
        writeln!(page, "import Section{i} from '../components/Section{i}';").unwrap();
    }
    page.push_str("\nexport default function Page() {\n  return (\n    <main>\n");
    for i in 0..components {
        writeln!(page, "      <Section{i} />").unwrap();
    }
    page.push_str("    </main>\n  );\n}\n");
    files.insert_text("app/page.jsx", page);
    for i in 0..components {
        let broken = with_mistakes && i.is_multiple_of(10);
        files.insert_text(format!("components/Section{i}.jsx"), component(i, broken));
    }
    files
}

/// A section component of 100-300 lines: data arrays, mapped cards with keys, inline SVG,
/// style objects, a client component with hooks every third file.
fn component(index: usize, broken: bool) -> String {
    let target_lines = 100 + (index * 37) % 201;
    let interactive = index.is_multiple_of(3);
    let mut out = String::new();
    if interactive && !broken {
        out.push_str("'use client';\n\n");
    }
    if interactive {
        out.push_str("import { useState, useEffect } from 'react';\n");
    }
    out.push_str(
        "import Link from 'next/link';\nimport { ArrowRight, Check } from 'lucide-react';\n\n",
    );
    out.push_str("const items = [\n");
    for item in 0..8 {
        writeln!(
            out,
            "  {{ id: 'item-{item}', title: 'Feature {item} of section {index}', body: 'Text for feature {item}, written to be long enough to wrap.', href: '/features/{item}' }},"
        )
        .unwrap();
    }
    out.push_str("];\n\n");
    writeln!(out, "export default function Section{index}() {{").unwrap();
    if interactive {
        out.push_str("  const [open, setOpen] = useState(null);\n  const [scrolled, setScrolled] = useState(false);\n  useEffect(() => {\n    const onScroll = () => setScrolled(window.scrollY > 10);\n    window.addEventListener('scroll', onScroll);\n    return () => window.removeEventListener('scroll', onScroll);\n  }, []);\n");
    }
    out.push_str("  return (\n");
    if broken {
        writeln!(out, "    <section class=\"section section-{index}\" style=\"padding: 64px 24px; background-color: #f8fafc\">").unwrap();
        out.push_str("      <!-- generated section -->\n");
        out.push_str("      <img src=\"/assets/hero.png\" alt=\"\">\n");
    } else {
        writeln!(out, "    <section className=\"section section-{index}\" style={{{{ padding: '64px 24px', backgroundColor: '#f8fafc' }}}}>").unwrap();
        out.push_str("      {/* generated section */}\n");
        out.push_str("      <img src=\"/assets/hero.png\" alt=\"\" />\n");
    }
    let mut block = 0;
    // Each block is 24 lines; stop when the file is long enough.
    while out.lines().count() + 30 < target_lines {
        writeln!(
            out,
            "      <div className=\"container mx-auto grid gap-6 block-{block}\">"
        )
        .unwrap();
        writeln!(out, "        <h2 className=\"text-3xl font-semibold tracking-tight\">Heading {block} of section {index}</h2>").unwrap();
        out.push_str("        <p className=\"text-slate-600 max-w-prose\">\n");
        writeln!(
            out,
            "          Paragraph {block} explains what this part of the page is about,{{' '}}"
        )
        .unwrap();
        out.push_str(
            "          <Link href=\"/about\" className=\"underline\">with a link</Link> inside.\n",
        );
        out.push_str("        </p>\n");
        out.push_str("        <ul className=\"grid grid-cols-1 md:grid-cols-3 gap-4\">\n");
        out.push_str("          {items.map((item) => (\n");
        out.push_str(
            "            <li key={item.id} className=\"rounded-xl border p-6 shadow-sm\">\n",
        );
        out.push_str(
            "              <Check aria-hidden=\"true\" className=\"h-5 w-5 text-emerald-500\" />\n",
        );
        out.push_str("              <h3 className=\"mt-3 font-medium\">{item.title}</h3>\n");
        out.push_str("              <p className=\"mt-1 text-sm\">{item.body}</p>\n");
        out.push_str("              <Link href={item.href} className=\"mt-4 inline-flex items-center gap-1\">\n");
        out.push_str("                Learn more <ArrowRight className=\"h-4 w-4\" />\n");
        out.push_str("              </Link>\n");
        out.push_str("            </li>\n");
        out.push_str("          ))}\n");
        out.push_str("        </ul>\n");
        out.push_str("        <svg viewBox=\"0 0 24 24\" width=\"24\" height=\"24\" fill=\"none\" aria-hidden=\"true\">\n");
        writeln!(out, "          <path d=\"M{block} 2L2 7l10 5 10-5-10-5z\" stroke=\"currentColor\" strokeWidth=\"2\" strokeLinecap=\"round\" />").unwrap();
        out.push_str("        </svg>\n");
        if interactive {
            writeln!(out, "        <button type=\"button\" aria-expanded={{open === {block}}} onClick={{() => setOpen({block})}}>Toggle {block}</button>").unwrap();
        } else {
            writeln!(
                out,
                "        <a href=\"#block-{block}\" className=\"sr-only\">Skip {block}</a>"
            )
            .unwrap();
        }
        out.push_str("      </div>\n");
        block += 1;
    }
    if interactive {
        out.push_str("      {scrolled && <p className=\"sticky\">Scrolled</p>}\n");
    }
    out.push_str("    </section>\n  );\n}\n");
    out
}
