//! Whole projects: a complete, realistic one validates clean; the report's shape.

use replica_core::ProjectFiles;
use replica_jsx_validator::{Check, Severity, validate};

use crate::fixtures::parse_fixture;

pub const COMPLETE_PROJECT: &str = r#"//- app/layout.jsx
import './globals.css';

export const metadata = { title: 'Acme' };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
//- app/page.jsx
import Header from '@/components/Header';
import Hero from '../components/Hero';
import Faq from '../components/Faq';

export default function Page() {
  return (
    <main>
      <Header />
      <Hero title="Build faster" />
      <Faq />
    </main>
  );
}
//- app/globals.css
body { margin: 0; }
//- components/Header.jsx
import Link from 'next/link';
import { Menu } from 'lucide-react';

const links = [
  { href: '/', label: 'Home' },
  { href: '/pricing', label: 'Pricing' },
];

export default function Header() {
  return (
    <header className="header">
      <Menu aria-hidden="true" />
      <nav>
        {links.map((link) => (
          <Link key={link.href} href={link.href}>
            {link.label}
          </Link>
        ))}
      </nav>
    </header>
  );
}
//- components/Hero.jsx
import Image from 'next/image';

export default function Hero({ title }) {
  return (
    <section style={{ backgroundColor: '#0f172a', '--accent': '#38bdf8' }}>
      <h1>{title}</h1>
      <label htmlFor="email">Email</label>
      <input id="email" type="email" />
      <Image src="/hero.png" alt="" width={640} height={480} />
    </section>
  );
}
//- components/Faq.jsx
'use client';

import { useState } from 'react';
import { motion } from 'framer-motion';

export default function Faq() {
  const [open, setOpen] = useState(null);
  return (
    <motion.ul initial={{ opacity: 0 }} animate={{ opacity: 1 }}>
      {['a', 'b'].map((id) => (
        <li key={id}>
          <button type="button" onClick={() => setOpen(id)}>
            {id}
          </button>
          {open === id && <p>Answer</p>}
        </li>
      ))}
    </motion.ul>
  );
}
//- jsconfig.json
{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["./*"] } } }
//- next.config.js
const path = require('path');

/** @type {import('next').NextConfig} */
module.exports = { images: { unoptimized: true }, outputFileTracingRoot: path.join(__dirname) };
"#;

#[test]
fn a_complete_project_is_clean() {
    let files = parse_fixture(COMPLETE_PROJECT).unwrap();
    let report = validate(&files);
    assert!(
        report.errors.is_empty() && report.warnings.is_empty(),
        "{report}"
    );
    assert!(report.valid);
    assert_eq!(report.stats.files, 8);
    assert_eq!(report.stats.javascript_files, 6);
    assert_eq!(report.stats.components, 3);
}

/// A TypeScript project: typed layout, page, a component with typed data and a module
/// augmentation, a JavaScript component beside them (a model's section). Clean; a component
/// missing from it is found under either extension.
pub const TYPESCRIPT_PROJECT: &str = r#"//- app/layout.tsx
import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = { title: "Acme" };

export default function RootLayout({
  children,
}: Readonly<{
  children: React.ReactNode;
}>) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
//- app/page.tsx
import Main from "@/components/Main";
import Hero from "@/components/Hero";
import Legacy from "@/components/Legacy";

export default function Page() {
  return (
    <Main>
      <Hero />
      <Legacy />
    </Main>
  );
}
//- app/globals.css
body { margin: 0; }
//- components/Main.tsx
export default function Main({ children }: { children: React.ReactNode }) {
  return <main id="top">{children}</main>;
}
//- components/Hero.tsx
import Image from "next/image";

type CardItem = { title: string };
const cardItems: CardItem[] = [{ title: "One" }, { title: "Two" }, { title: "Three" }];

export default function Hero() {
  return (
    <section>
      <Image src="/a.png" alt="" width={10} height={10} unoptimized />
      <td colSpan={2} style={{ "--gap": "1px" } as React.CSSProperties} {...({ frame: "box" } as object)} />
      {cardItems.map((item, index) => (
        <font key={index} face="Arial">{item.title}</font>
      ))}
    </section>
  );
}

declare module "react" {
  interface HTMLAttributes<T> {
    face?: unknown;
  }
  namespace JSX {
    interface IntrinsicElements {
      font: DetailedHTMLProps<HTMLAttributes<HTMLElement>, HTMLElement>;
    }
  }
}
//- components/Legacy.jsx
export default function Legacy() {
  return <p>Written by a model</p>;
}
//- tsconfig.json
{ "compilerOptions": { "paths": { "@/*": ["./*"] } } }
"#;

#[test]
fn a_typescript_project_is_clean() {
    let mut files = parse_fixture(TYPESCRIPT_PROJECT).unwrap();
    let report = validate(&files);
    assert!(
        report.errors.is_empty() && report.warnings.is_empty(),
        "{report}"
    );
    assert_eq!(report.stats.javascript_files, 5);
    files.files.remove("components/Hero.tsx");
    let report = validate(&files);
    assert!(report.has(Check::MissingComponentFile), "{report}");
}

#[test]
fn diagnostics_are_sorted_and_split_by_severity() {
    let mut files = ProjectFiles::default();
    files.insert_text(
        "components/B.jsx",
        "export default function B({ items }) {\n  return <ul>{items.map((i) => <li>{i}</li>)}</ul>;\n}\n",
    );
    files.insert_text(
        "components/A.jsx",
        "export default function A() {\n  return <p class=\"x\" for=\"y\">a</p>;\n}\n",
    );
    let report = validate(&files);
    let errors: Vec<_> = report
        .errors
        .iter()
        .map(|d| (d.file.as_str(), d.check))
        .collect();
    assert_eq!(
        errors,
        [
            ("components/A.jsx", Check::ClassNotClassname),
            ("components/A.jsx", Check::ForNotHtmlfor),
        ]
    );
    assert!(report.errors.iter().all(|d| d.severity == Severity::Error));
    let warnings: Vec<_> = report
        .warnings
        .iter()
        .map(|d| (d.file.as_str(), d.check))
        .collect();
    assert_eq!(
        warnings,
        [
            ("components/A.jsx", Check::OrphanComponent),
            // Findings about a whole file come before those at a position.
            ("components/B.jsx", Check::OrphanComponent),
            ("components/B.jsx", Check::MissingKeyProp),
        ]
    );
}

#[test]
fn an_allowlisted_package_is_importable_once_package_json_lists_it() {
    let component = "import confetti from 'canvas-confetti';\nimport pad from 'left-pad';\n\nexport default function Party() {\n  return <button onClick={() => confetti()}>{pad('x', 2)}</button>;\n}\n";
    let bad_imports = |package_json: &str| {
        let mut files = ProjectFiles::default();
        files.insert_text(
            "components/Party.jsx",
            format!("'use client';\n{component}"),
        );
        files.insert_text("package.json", package_json);
        let report = validate(&files);
        let mut messages: Vec<String> = report
            .errors
            .iter()
            .filter(|d| d.check == Check::BadImport)
            .map(|d| d.message.clone())
            .collect();
        messages.sort();
        messages
    };
    let without = bad_imports(r#"{"dependencies": {"next": "14.2.21"}}"#);
    assert_eq!(without.len(), 2, "{without:?}");
    assert!(
        without.iter().any(|m| m.contains("canvas-confetti")),
        "{without:?}"
    );
    // Listed: accepted. left-pad is not on the allowlist, so listing it changes nothing.
    let with = bad_imports(
        r#"{"dependencies": {"next": "14.2.21", "canvas-confetti": "1.9.4", "left-pad": "1.3.0"}}"#,
    );
    assert_eq!(with.len(), 1, "{with:?}");
    assert!(with[0].contains("left-pad"), "{with:?}");
}
