//! The Next.js template every generated project runs on: which packages exist there, so the
//! validator can refuse imports of anything else and the assembler can pin `package.json`.
//!
//! The sandbox crate installs exactly these (its `package.json` is tested against both lists).

/// How npm resolved the template's packages (its `package-lock.json`, written into every
/// sandbox template install): what `npm ci` installs, what fills the npm cache, and what a
/// generated project's own lock file is cut from. Kept here, beside the package lists it
/// resolves; regenerate it with `npm install --package-lock-only` next to
/// crates/sandbox-pool/template/package.json.
pub const TEMPLATE_LOCK: &str = include_str!("../template/package-lock.json");

/// tsconfig.json as create-next-app 14 writes it, byte for byte (Next leaves it as it is): what
/// TypeScript projects get, and what tests write to switch a sandbox to TypeScript.
pub const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "lib": ["dom", "dom.iterable", "esnext"],
    "allowJs": true,
    "skipLibCheck": true,
    "strict": true,
    "noEmit": true,
    "esModuleInterop": true,
    "module": "esnext",
    "moduleResolution": "bundler",
    "resolveJsonModule": true,
    "isolatedModules": true,
    "jsx": "preserve",
    "incremental": true,
    "plugins": [
      {
        "name": "next"
      }
    ],
    "paths": {
      "@/*": ["./*"]
    }
  },
  "include": ["next-env.d.ts", "**/*.ts", "**/*.tsx", ".next/types/**/*.ts"],
  "exclude": ["node_modules"]
}
"#;

/// Next.js version of the template.
pub const NEXT_VERSION: &str = "14.2.21";

/// npm packages generated code may import, with the exact versions the template pins (and
/// its `package-lock.json` resolves: sandbox-pool tests both against this list).
pub const TEMPLATE_PACKAGES: &[(&str, &str)] = &[
    ("react", "18.3.1"),
    ("react-dom", "18.3.1"),
    ("next", NEXT_VERSION),
    ("framer-motion", "11.18.2"),
    ("gsap", "3.12.7"),
    ("swiper", "11.2.1"),
    ("embla-carousel-react", "8.5.2"),
    ("@headlessui/react", "2.2.0"),
    ("@radix-ui/react-accordion", "1.2.2"),
    ("@radix-ui/react-dialog", "1.1.4"),
    ("@radix-ui/react-dropdown-menu", "2.1.4"),
    ("@radix-ui/react-tabs", "1.1.2"),
    ("@radix-ui/react-tooltip", "1.1.6"),
    ("@radix-ui/react-popover", "1.1.4"),
    ("lucide-react", "0.469.0"),
    ("react-icons", "5.4.0"),
    ("@heroicons/react", "2.2.0"),
    ("react-intersection-observer", "9.14.1"),
    ("react-scroll", "1.9.0"),
    ("react-countup", "6.5.3"),
    ("react-type-animation", "3.2.0"),
    ("clsx", "2.1.1"),
    ("tailwind-merge", "2.6.0"),
    ("class-variance-authority", "0.7.1"),
];

/// The tooling a project needs besides what it imports: the template's `devDependencies`,
/// installed beside [`TEMPLATE_PACKAGES`] so a project's `npm install` finds them in the npm
/// cache the template install filled. Configs may `require` these.
pub const TEMPLATE_DEV_PACKAGES: &[(&str, &str)] = &[
    ("tailwindcss", "3.4.17"),
    ("postcss", "8.4.49"),
    ("autoprefixer", "10.4.20"),
    ("typescript", "5.7.3"),
    ("@types/node", "20.17.10"),
    ("@types/react", "18.3.18"),
    ("@types/react-dom", "18.3.5"),
    ("eslint", "8.57.1"),
    ("eslint-config-next", NEXT_VERSION),
];

/// Packages the agent may add to a project beyond the template (DESIGN.md §9 `install_package`),
/// each at the one version it installs. The sandbox's command allowlist accepts exactly
/// `npm install <name>@<version>` for these, and the validator accepts their imports in a
/// project whose package.json lists them. A new entry needs a version that works with the
/// template's React 18 and Next 14 (peer dependencies included).
///
/// | package | for |
/// |---|---|
/// | `canvas-confetti` | a celebration effect (no dependencies) |
/// | `date-fns` | formatting and computing dates |
/// | `embla-carousel-autoplay` | autoplay for the template's `embla-carousel-react` (same version) |
/// | `react-fast-marquee` | scrolling logo and text bands |
/// | `react-hook-form`, `zod` | forms and their validation |
/// | `react-markdown` | rendering Markdown content |
/// | `recharts` | charts |
/// | `@radix-ui/react-slider`, `@radix-ui/react-switch` | accessible form controls |
pub const INSTALLABLE_PACKAGES: &[(&str, &str)] = &[
    ("canvas-confetti", "1.9.4"),
    ("date-fns", "4.4.0"),
    ("embla-carousel-autoplay", "8.5.2"),
    ("react-fast-marquee", "1.6.5"),
    ("react-hook-form", "7.92.0"),
    ("zod", "4.6.7"),
    ("react-markdown", "10.1.0"),
    ("recharts", "3.11.3"),
    ("@radix-ui/react-slider", "1.6.1"),
    ("@radix-ui/react-switch", "1.4.1"),
];

/// The pinned version of an installable package, `None` when it is not on the list.
pub fn installable_version(name: &str) -> Option<&'static str> {
    INSTALLABLE_PACKAGES
        .iter()
        .find(|(package, _)| *package == name)
        .map(|(_, version)| *version)
}

/// Whether `specifier` (as written in an `import`) names a template package or one of its
/// subpaths (`swiper/css`, `react-icons/fa`, `next/link`). Relative imports are not packages.
pub fn is_template_package(specifier: &str) -> bool {
    template_version(package_name(specifier)).is_some()
}

/// The version the template pins for the package `name`, runtime or tooling.
pub fn template_version(name: &str) -> Option<&'static str> {
    TEMPLATE_PACKAGES
        .iter()
        .chain(TEMPLATE_DEV_PACKAGES)
        .find(|(package, _)| *package == name)
        .map(|(_, version)| *version)
}

/// The package part of a bare import specifier: `@scope/name` or `name`.
pub fn package_name(specifier: &str) -> &str {
    let mut parts = specifier.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(scope), Some(name)) if scope.starts_with('@') => {
            &specifier[..scope.len() + 1 + name.len()]
        }
        (Some(name), _) => name,
        _ => specifier,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subpaths_and_scopes() {
        assert!(is_template_package("next/link"));
        assert!(is_template_package("swiper/css/navigation"));
        assert!(is_template_package("@radix-ui/react-tabs"));
        assert!(is_template_package("@heroicons/react/24/solid"));
        assert!(is_template_package("tailwindcss/plugin"));
        assert_eq!(template_version("typescript"), Some("5.7.3"));
        assert!(!is_template_package("@radix-ui/react-slider"));
        assert!(!is_template_package("axios"));
        assert!(!is_template_package("./Hero"));
        assert_eq!(package_name("@scope"), "@scope");
    }

    #[test]
    fn installable_packages_are_new_and_listed_once() {
        for (i, (name, version)) in INSTALLABLE_PACKAGES.iter().enumerate() {
            assert!(!is_template_package(name), "{name} is in the template");
            assert_eq!(installable_version(name), Some(*version));
            assert!(
                INSTALLABLE_PACKAGES[i + 1..].iter().all(|(n, _)| n != name),
                "{name} twice"
            );
            assert!(version.split('.').all(|part| part.parse::<u32>().is_ok()));
        }
        assert_eq!(installable_version("left-pad"), None);
    }
}
