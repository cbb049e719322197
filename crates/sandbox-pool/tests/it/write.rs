//! write_project_files against real directories, symlinks included.

use std::fs;
use std::path::Path;

use replica_core::{ProjectFiles, SandboxError};
use replica_sandbox_pool::{SandboxPoolError, write_project_files};
use tempfile::TempDir;

fn files(entries: &[(&str, &str)]) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    for (path, text) in entries {
        files.insert_text(*path, *text);
    }
    files
}

/// Every entry under `dir`, relative and sorted, to see exactly what was written.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            out.push(
                path.strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn writes_files_creating_directories_and_replacing_old_contents() {
    let root = TempDir::new().unwrap();
    fs::create_dir(root.path().join("app")).unwrap();
    fs::write(root.path().join("app/page.jsx"), "old").unwrap();
    let project = files(&[
        ("app/page.jsx", "export default function Page() {}"),
        ("components/Hero.jsx", "hero"),
        ("public/assets/img/logo.svg", "<svg/>"),
        ("package.json", "{}"),
    ]);
    write_project_files(root.path(), &project).unwrap();

    assert_eq!(
        fs::read_to_string(root.path().join("app/page.jsx")).unwrap(),
        "export default function Page() {}"
    );
    assert_eq!(
        fs::read_to_string(root.path().join("public/assets/img/logo.svg")).unwrap(),
        "<svg/>"
    );
    // No temporary files are left behind.
    assert_eq!(
        listing(root.path()),
        [
            "app",
            "app/page.jsx",
            "components",
            "components/Hero.jsx",
            "package.json",
            "public",
            "public/assets",
            "public/assets/img",
            "public/assets/img/logo.svg"
        ]
    );
}

#[test]
fn invalid_paths_are_refused_before_anything_is_written() {
    for bad in [
        "../escape.txt",
        "/etc/passwd",
        "app/../../x",
        "a\\b",
        "app//page.jsx",
    ] {
        let root = TempDir::new().unwrap();
        let project = files(&[("app/page.jsx", "ok"), (bad, "bad")]);
        let error = write_project_files(root.path(), &project).unwrap_err();
        assert!(
            matches!(error, SandboxPoolError::InvalidPath(_)),
            "{bad}: {error}"
        );
        assert!(error.to_string().contains(&format!("{bad:?}")), "{error}");
        assert!(
            listing(root.path()).is_empty(),
            "{bad}: something was written"
        );
    }
}

#[test]
fn a_missing_root_is_an_io_error_naming_it() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("nope");
    let error = write_project_files(&missing, &files(&[("a.txt", "a")])).unwrap_err();
    assert!(matches!(error, SandboxPoolError::Io { .. }), "{error}");
    assert!(error.to_string().contains("nope"), "{error}");
}

#[test]
fn a_file_where_a_directory_should_be_is_an_io_error() {
    let root = TempDir::new().unwrap();
    fs::write(root.path().join("app"), "a file").unwrap();
    let error = write_project_files(root.path(), &files(&[("app/page.jsx", "x")])).unwrap_err();
    assert!(matches!(error, SandboxPoolError::Io { .. }), "{error}");
}

#[test]
fn errors_convert_to_the_trait_level_sandbox_error() {
    let root = TempDir::new().unwrap();
    let error = write_project_files(root.path(), &files(&[("../x", "x")])).unwrap_err();
    assert!(
        matches!(SandboxError::from(error), SandboxError::PathEscape { path } if path == "../x")
    );
}

#[cfg(unix)]
mod symlinks {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn a_symlinked_directory_leading_outside_is_refused() {
        let outside = TempDir::new().unwrap();
        let root = TempDir::new().unwrap();
        symlink(outside.path(), root.path().join("app")).unwrap();

        let error =
            write_project_files(root.path(), &files(&[("app/page.jsx", "pwned")])).unwrap_err();
        match &error {
            SandboxPoolError::SymlinkEscape { path, link } => {
                assert_eq!(path, "app/page.jsx");
                assert!(link.ends_with("app"), "{}", link.display());
            }
            other => panic!("expected a symlink escape, got {other}"),
        }
        assert!(
            listing(outside.path()).is_empty(),
            "a file was written outside the project"
        );
    }

    #[test]
    fn a_symlinked_file_leading_outside_is_refused_and_left_alone() {
        let outside = TempDir::new().unwrap();
        let secret = outside.path().join("secret.txt");
        fs::write(&secret, "secret").unwrap();
        let root = TempDir::new().unwrap();
        fs::create_dir(root.path().join("app")).unwrap();
        symlink(&secret, root.path().join("app/page.jsx")).unwrap();

        let error =
            write_project_files(root.path(), &files(&[("app/page.jsx", "pwned")])).unwrap_err();
        assert!(
            matches!(error, SandboxPoolError::SymlinkEscape { .. }),
            "{error}"
        );
        assert_eq!(fs::read_to_string(&secret).unwrap(), "secret");
    }

    #[test]
    fn a_symlink_through_parent_directories_is_refused() {
        let root = TempDir::new().unwrap();
        // Points at the root's parent by a relative path.
        symlink("..", root.path().join("up")).unwrap();
        let error = write_project_files(root.path(), &files(&[("up/x.txt", "x")])).unwrap_err();
        assert!(
            matches!(error, SandboxPoolError::SymlinkEscape { .. }),
            "{error}"
        );
    }

    #[test]
    fn a_dangling_symlink_is_refused() {
        let root = TempDir::new().unwrap();
        symlink(
            "/nonexistent/replica-test-target",
            root.path().join("public"),
        )
        .unwrap();
        let error = write_project_files(root.path(), &files(&[("public/a.png", "x")])).unwrap_err();
        assert!(
            matches!(error, SandboxPoolError::SymlinkEscape { .. }),
            "{error}"
        );
    }

    #[test]
    fn symlinks_that_stay_inside_are_followed_or_replaced() {
        let root = TempDir::new().unwrap();
        fs::create_dir(root.path().join("real")).unwrap();
        symlink("real", root.path().join("alias")).unwrap();
        fs::write(root.path().join("real/target.txt"), "target").unwrap();
        symlink("real/target.txt", root.path().join("link.txt")).unwrap();

        write_project_files(
            root.path(),
            &files(&[("alias/a.txt", "a"), ("link.txt", "new")]),
        )
        .unwrap();
        // A directory link inside the project is followed...
        assert_eq!(
            fs::read_to_string(root.path().join("real/a.txt")).unwrap(),
            "a"
        );
        // ...and a file link is replaced by the file, never written through.
        assert!(!root.path().join("link.txt").is_symlink());
        assert_eq!(
            fs::read_to_string(root.path().join("link.txt")).unwrap(),
            "new"
        );
        assert_eq!(
            fs::read_to_string(root.path().join("real/target.txt")).unwrap(),
            "target"
        );
    }

    #[test]
    fn a_root_that_is_itself_a_symlink_is_resolved_first() {
        let real = TempDir::new().unwrap();
        let links = TempDir::new().unwrap();
        let root = links.path().join("project");
        symlink(real.path(), &root).unwrap();
        write_project_files(&root, &files(&[("app/page.jsx", "x")])).unwrap();
        assert_eq!(
            fs::read_to_string(real.path().join("app/page.jsx")).unwrap(),
            "x"
        );
    }
}
