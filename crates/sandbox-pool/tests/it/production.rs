//! A project built with `next build` and served by `next start`: what the fidelity benchmark
//! measures (DESIGN.md §8).

use replica_sandbox_pool::{ProductionConfig, ProductionServer, SandboxPoolError, processes_under};
use tempfile::TempDir;

use crate::support::{files, leftover_processes, template};

const PAGE: &str = r#"export default function Page() {
  return <main><h1>Built for production</h1></main>;
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn builds_serves_the_production_page_and_stops_with_its_group_on_drop() {
    let dir = TempDir::new().unwrap();
    let server = ProductionServer::start(
        &template(),
        dir.path(),
        &files(&[("app/page.jsx", PAGE)]),
        &ProductionConfig::default(),
    )
    .await
    .unwrap();
    assert!(server.project_dir().join(".next/BUILD_ID").is_file());
    let page = reqwest::get(server.url()).await.unwrap();
    assert_eq!(page.status(), 200);
    let body = page.text().await.unwrap();
    assert!(body.contains("Built for production"), "{body}");
    // A production page: no dev-server client (its HMR code names webpack-hmr).
    assert!(!body.contains("webpack-hmr"), "{body}");
    assert!(
        !processes_under(dir.path()).is_empty(),
        "the server runs in the project"
    );
    drop(server);
    assert_eq!(leftover_processes(dir.path()).await, Vec::<i32>::new());
    // The built project stays for the caller to look at.
    assert!(dir.path().join("project/app/page.jsx").is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_project_that_does_not_build_is_a_typed_error_with_the_build_output() {
    let dir = TempDir::new().unwrap();
    let error = ProductionServer::start(
        &template(),
        dir.path(),
        &files(&[(
            "app/page.jsx",
            "export default function Page() { return <main>; }\n",
        )]),
        &ProductionConfig::default(),
    )
    .await
    .unwrap_err();
    match &error {
        SandboxPoolError::BuildFailed { output } => {
            assert!(output.contains("app/page.jsx"), "{output}")
        }
        other => panic!("expected BuildFailed, got {other}"),
    }
    assert_eq!(leftover_processes(dir.path()).await, Vec::<i32>::new());
}
