//! The web UI on `GET /`, driven in real headless Chromium against a real `replica serve`
//! (real `next dev` previews, the scripted replay model): clone a fixture site from the URL
//! field, reload mid-clone and watch the timeline go on, see the preview through the server's
//! port, toggle mobile, compare, ask the agent in the chat, undo its turn and find it again
//! after a reload, edit a file and see the preview change and the validator's finding on its
//! line, find the clone among the recent ones. One server and one browser for all of it (they
//! are the slow part).

use std::time::Duration;

use fantoccini::Locator;
use serde_json::Value;

use crate::preview::Chromium;
use crate::server::{Served, wait_for};
use crate::sites;

/// The browser's view of one CSS selector: whether it matches, and its text.
async fn text_of(chromium: &Chromium, selector: &str) -> Option<String> {
    let script = format!(
        "const e = document.querySelector({}); return e ? e.textContent : null;",
        serde_json::to_string(selector).unwrap()
    );
    chromium.eval(&script).await.as_str().map(str::to_string)
}

async fn click(chromium: &Chromium, selector: &str) {
    chromium
        .session
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {selector}: {e}"));
}

async fn wait_for_selector(chromium: &Chromium, selector: &str, timeout: Duration) {
    wait_for(selector, timeout, async || {
        text_of(chromium, selector).await.is_some()
    })
    .await;
}

/// Every request the UI page made so far, as Chromium's resource timing saw it.
async fn requests(chromium: &Chromium) -> Vec<String> {
    let names = chromium
        .eval(
            "return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]",
        )
        .await;
    names
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap().to_string())
        .collect()
}

/// The text the preview iframe shows, read inside it (it is another origin).
async fn preview_text(chromium: &Chromium) -> String {
    chromium.session.enter_frame(0).await.unwrap();
    let text = chromium
        .eval("return document.body ? document.body.innerText : ''")
        .await;
    chromium.session.enter_parent_frame().await.unwrap();
    text.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_ui_clones_shows_compares_and_edits() {
    let fixtures = replica_fixture_server::FixtureServer::start(sites())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/llm/scripts/ui-chat-hero.json");
    let server = Served::start(
        &dir.path().join("data"),
        &dir.path().join("sandboxes"),
        &["--allow-private"],
        &[
            ("REPLICA_LLM", "replay"),
            ("REPLICA_LLM_SCRIPT", script.to_str().unwrap()),
        ],
    );
    let chromium = Chromium::start().await;

    let id = clone_from_the_url_field(&chromium, &server, &fixtures.url("/landing/")).await;
    preview_and_mobile(&chromium, &server, &id).await;
    compare_view(&chromium).await;
    chat_and_undo(&chromium, &server).await;
    edit_in_the_code_view(&chromium).await;
    recent_clones(&chromium, &server, &id).await;
    a_failed_clone_says_where(&chromium, &fixtures.url("/_status/404")).await;

    // Offline: everything the page asked for came from the server itself (its API, or a
    // preview host on its port for the iframe).
    let origin = server.url("");
    let previews = format!(".preview.localhost:{}/", server.port());
    for request in requests(&chromium).await {
        let preview = request
            .strip_prefix("http://")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(host, _)| format!("{host}/").ends_with(&previews));
        assert!(
            request.starts_with(&format!("{origin}/")) || preview,
            "the UI requested something outside the server: {request}"
        );
    }
    chromium.close().await;
}

/// Opens `/`, types the URL, clicks Clone, reloads the page once the components are written
/// and waits for the timeline's `done`. Returns the id.
async fn clone_from_the_url_field(chromium: &Chromium, server: &Served, url: &str) -> String {
    chromium.session.goto(&server.url("/")).await.unwrap();
    let id = start_a_clone(chromium, url).await;
    // Deploying, compiling and measuring are still ahead: reload, and the page re-attaches.
    wait_for_selector(
        chromium,
        "[data-stage=generate][data-state=done]",
        Duration::from_secs(300),
    )
    .await;
    assert_eq!(text_of(chromium, "[data-outcome]").await, None);
    chromium.session.refresh().await.unwrap();
    wait_for_selector(chromium, "html[data-ready]", Duration::from_secs(20)).await;
    wait_for_selector(chromium, "[data-outcome]", Duration::from_secs(300)).await;
    // The page asked for the running clone's events, so it was mid-clone when it reloaded.
    let events = format!("/api/clones/{id}/events");
    wait_for(
        "the re-attached stream",
        Duration::from_secs(10),
        async || {
            requests(chromium)
                .await
                .iter()
                .any(|request| request.ends_with(&events))
        },
    )
    .await;
    let outcome = text_of(chromium, "[data-outcome]").await.unwrap();
    assert!(
        text_of(chromium, "[data-outcome=done]").await.is_some(),
        "the clone did not end with done: {outcome}"
    );
    assert!(
        outcome.contains("desktop") && outcome.contains('%'),
        "{outcome}"
    );
    let states = chromium
        .eval("return [...document.querySelectorAll('.stage')].map(s => [s.dataset.stage, s.dataset.state])")
        .await;
    assert!(
        states.as_array().unwrap().len() >= 10,
        "the reloaded page shows the whole timeline: {states}"
    );
    for stage in states.as_array().unwrap() {
        assert_eq!(
            stage[1], "done",
            "every stage of the timeline ends done: {states}"
        );
    }
    // The sections filled in: landing has eight, all written.
    let chips = chromium
        .eval("return document.querySelectorAll('[data-stage=generate] .chip-ok').length")
        .await;
    assert_eq!(chips, 8, "{states}");
    id
}

/// Types `url` into the start page's field and clicks Clone; the id from the project page.
async fn start_a_clone(chromium: &Chromium, url: &str) -> String {
    wait_for_selector(
        chromium,
        "html[data-ready] #clone-url",
        Duration::from_secs(20),
    )
    .await;
    let field = chromium
        .session
        .find(Locator::Id("clone-url"))
        .await
        .unwrap();
    field.send_keys(url).await.unwrap();
    click(chromium, ".start-form button[type=submit]").await;
    let mut id = String::new();
    wait_for("the project page", Duration::from_secs(60), async || {
        let hash = chromium.eval("return location.hash").await;
        match hash.as_str().and_then(|hash| hash.strip_prefix("#/p/")) {
            Some(found) => {
                id = found.to_string();
                true
            }
            None => false,
        }
    })
    .await;
    id
}

/// A page that answers 404: the timeline ends with the stage that failed and why, in words.
async fn a_failed_clone_says_where(chromium: &Chromium, url: &str) {
    click(chromium, ".brand").await;
    start_a_clone(chromium, url).await;
    wait_for_selector(chromium, "[data-outcome]", Duration::from_secs(120)).await;
    let outcome = text_of(chromium, "[data-outcome=error]").await;
    let outcome = outcome.expect("the clone of a 404 page ends with an error");
    assert!(
        outcome.starts_with("Failed at scrape.") && outcome.contains("404"),
        "{outcome}"
    );
    let state = chromium
        .eval("return document.querySelector('[data-stage=scrape]').dataset.state")
        .await;
    assert_eq!(state, "failed");
}

async fn preview_and_mobile(chromium: &Chromium, server: &Served, id: &str) {
    click(chromium, "#right-tab-preview").await;
    wait_for_selector(chromium, "iframe.preview-frame", Duration::from_secs(30)).await;
    let src = chromium
        .eval("return document.querySelector('iframe.preview-frame').src")
        .await;
    let src = src.as_str().unwrap();
    assert!(
        src.starts_with(&format!("http://{id}-"))
            && src.ends_with(&format!(".preview.localhost:{}/", server.port())),
        "the preview is routed through the server's port: {src}"
    );
    wait_for(
        "the clone in the iframe",
        Duration::from_secs(60),
        async || preview_text(chromium).await.contains("Brightloom"),
    )
    .await;
    let download = chromium
        .eval(
            "const link = document.querySelector('a[download]');
             return fetch(link.href).then(r => [r.status, r.headers.get('content-type')]);",
        )
        .await;
    assert_eq!(download, serde_json::json!([200, "application/zip"]));
    click(chromium, "[data-device=mobile]").await;
    let width = chromium
        .eval("return document.querySelector('iframe.preview-frame').getBoundingClientRect().width")
        .await;
    assert_eq!(width.as_f64(), Some(375.0));
    click(chromium, "[data-device=desktop]").await;
}

async fn compare_view(chromium: &Chromium) {
    click(chromium, "#right-tab-compare").await;
    let mut shown = Value::Null;
    wait_for(
        "three images and two scores",
        Duration::from_secs(30),
        async || {
            shown = chromium
                .eval(
                    "return {
                  images: [...document.querySelectorAll('.compare-grid img')]
                    .map(i => [i.complete && i.naturalWidth > 0, new URL(i.src).pathname]),
                  scores: [...document.querySelectorAll('.score-card dd')].map(d => d.textContent),
                }",
                )
                .await;
            let images = shown["images"].as_array().unwrap();
            images.len() == 3 && images.iter().all(|image| image[0] == true)
        },
    )
    .await;
    let paths: Vec<&str> = shown["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|image| image[1].as_str().unwrap())
        .collect();
    for (path, name) in paths.iter().zip(["base", "target", "diff"]) {
        assert!(
            path.ends_with(&format!("/captures/inspection/desktop/{name}.png")),
            "{paths:?}"
        );
    }
    let scores = shown["scores"].as_array().unwrap();
    assert_eq!(scores.len(), 2, "{shown}");
    for score in scores {
        assert!(score.as_str().unwrap().ends_with(" %"), "{shown}");
    }
}

/// Asks the agent (the scripted model) to retitle the hero: its tool rows, the changed file
/// and the new heading in the preview; then undo brings the old heading back.
async fn chat_and_undo(chromium: &Chromium, server: &Served) {
    click(chromium, "#right-tab-preview").await;
    click(chromium, "#left-tab-chat").await;
    wait_for("the chat's session", Duration::from_secs(20), async || {
        chromium
            .eval("return document.getElementById('chat-input')?.placeholder")
            .await
            == "Ask for a change…"
    })
    .await;
    let input = chromium
        .session
        .find(Locator::Id("chat-input"))
        .await
        .unwrap();
    input.send_keys("retitle the hero").await.unwrap();
    click(chromium, ".chat-form button[type=submit]").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while text_of(chromium, ".turn .turn-end, .turn .form-error")
        .await
        .is_none()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the turn did not end: {:?}\n{}",
            text_of(chromium, ".chat").await,
            server.stderr()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let chat = text_of(chromium, ".chat").await.unwrap();
    assert_eq!(
        text_of(chromium, ".turn .form-error").await,
        None,
        "the turn failed: {chat}\n{}",
        server.stderr()
    );
    let turn = shown_turn(chromium).await;
    assert!(turn["end"].as_str().unwrap().contains("compiles"), "{turn}");
    wait_for(
        "the agent's heading in the preview",
        Duration::from_secs(60),
        async || {
            preview_text(chromium)
                .await
                .contains("Planned by the agent,")
        },
    )
    .await;

    click(chromium, ".turn-end button").await;
    wait_for("the undo", Duration::from_secs(30), async || {
        text_of(chromium, ".chat-note")
            .await
            .is_some_and(|note| note.starts_with("Undone: components/Hero.tsx is back"))
    })
    .await;
    wait_for(
        "the old heading in the preview",
        Duration::from_secs(60),
        async || {
            let text = preview_text(chromium).await;
            text.contains("Project planning your whole team") && !text.contains("Planned by")
        },
    )
    .await;
    assert_eq!(text_of(chromium, ".turn-end button").await, None);

    // A reload resumes the session: the turn as it was, marked undone.
    chromium.session.refresh().await.unwrap();
    wait_for_selector(chromium, "html[data-ready]", Duration::from_secs(20)).await;
    click(chromium, "#left-tab-chat").await;
    wait_for_selector(chromium, ".turn .turn-end", Duration::from_secs(20)).await;
    let turn = shown_turn(chromium).await;
    assert!(turn["end"].as_str().unwrap().contains("undone"), "{turn}");
}

/// The first turn of the chat as shown; asserts what the scripted turn said and did: the
/// model's text and its tool calls in the order they came, and the file it changed.
async fn shown_turn(chromium: &Chromium) -> Value {
    let turn = chromium
        .eval(
            "const turn = document.querySelector('.turn');
             return {
               user: turn.querySelector('.bubble.user').textContent,
               parts: [...turn.querySelectorAll('.agent-text, .tool-row')].map(e =>
                 e.classList.contains('tool-row')
                   ? [e.dataset.tool, e.classList.contains('tool-ok')]
                   : e.textContent),
               files: [...turn.querySelectorAll('.file-chip')].map(c => c.textContent),
               end: turn.querySelector('.turn-end').textContent,
             };",
        )
        .await;
    assert!(
        turn["user"].as_str().unwrap().ends_with("retitle the hero"),
        "{turn}"
    );
    assert_eq!(
        turn["parts"],
        serde_json::json!([
            "Reading the hero first.",
            ["read_file", true],
            "Changing the heading.",
            ["edit_file", true],
            "Done: the hero's heading now starts with Planned by the agent.",
        ]),
        "{turn}"
    );
    assert_eq!(turn["files"], serde_json::json!(["components/Hero.tsx"]));
    turn
}

/// Edits the hero's heading in the code view: the preview shows the new text (hot reload) and
/// the `class=` it brings is a validation problem on its line.
async fn edit_in_the_code_view(chromium: &Chromium) {
    click(chromium, "#right-tab-code").await;
    wait_for_selector(
        chromium,
        "[data-path='components/Hero.tsx']",
        Duration::from_secs(20),
    )
    .await;
    click(chromium, "[data-path='components/Hero.tsx']").await;
    let mut line = 0;
    wait_for("Hero.tsx in the editor", Duration::from_secs(20), async || {
        let found = chromium
            .eval(
                "const area = document.querySelector('textarea.code-input');
                 if (!area || !area.getAttribute('aria-label').includes('Hero.tsx')) return 0;
                 return area.value.split('\\n').findIndex(l => l.includes('<h1>Project planning')) + 1;",
            )
            .await;
        line = found.as_u64().unwrap_or(0);
        line > 0
    })
    .await;
    chromium
        .eval(
            "const area = document.querySelector('textarea.code-input');
             area.value = area.value.replace('<h1>Project planning', '<h1 class=\"edited\">Edited in the UI');
             area.dispatchEvent(new Event('input', { bubbles: true }));",
        )
        .await;
    click(chromium, ".file-head button.primary").await;
    wait_for("the save", Duration::from_secs(30), async || {
        text_of(chromium, "#editor-status")
            .await
            .is_some_and(|status| status.contains("Saved. The preview reloads with it."))
    })
    .await;
    // The finding of the saved file, on the edited line and in the list.
    let marker = format!(".gutter .ln-error:nth-child({line})");
    wait_for_selector(chromium, &marker, Duration::from_secs(20)).await;
    let problem = text_of(chromium, ".problem-list .problem.error")
        .await
        .unwrap();
    assert!(
        problem.contains(&format!("{line}:")) && problem.contains("class_not_classname"),
        "{problem}"
    );
    click(chromium, "#right-tab-preview").await;
    wait_for(
        "the edit in the preview",
        Duration::from_secs(60),
        async || preview_text(chromium).await.contains("Edited in the UI"),
    )
    .await;
}

async fn recent_clones(chromium: &Chromium, server: &Served, id: &str) {
    chromium.session.goto(&server.url("/#/")).await.unwrap();
    let card = format!(".card[data-id='{id}']");
    wait_for_selector(chromium, &card, Duration::from_secs(20)).await;
    let mut seen = Value::Null;
    wait_for(
        "the card's thumbnail",
        Duration::from_secs(20),
        async || {
            seen = chromium
                .eval(&format!(
                    "const card = document.querySelector(\"{card}\");
                 const img = card.querySelector('img.thumb');
                 return {{ loaded: !!img && img.complete && img.naturalWidth === 480,
                          text: card.textContent }};"
                ))
                .await;
            seen["loaded"] == true
        },
    )
    .await;
    let text = seen["text"].as_str().unwrap();
    assert!(text.contains("done") && text.contains(" %"), "{text}");
}
