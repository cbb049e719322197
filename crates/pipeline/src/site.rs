//! A whole-site clone (issue 26, DESIGN.md §4/§5): the start page, then the pages the crawl
//! takes (planner's `Crawl`), each through stages A to F on its own, merged into one project
//! (assembler's `assemble_site`) that goes through G to J once, in one sandbox; every route
//! is then measured against its page.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt as _;
use replica_assembler::{PageMark, SiteInput, SitePageProject, SiteStyles};
use replica_core::{
    DesignTokens, DiscoveredPage, PageResult, PipelineEvent, Plan, ScrapeData, SimilarityScores,
};
use replica_planner::{ChromeEdge, Crawl, CrawlLimits, SitePage};
use url::Url;

use crate::run::{
    Failure, INSPECTION_DIR, Progress, assemble_files, deploy_and_compile, design, elapsed_ms,
    finish_assembly, generate, judge_route, localize_options, plan, preview_scrape_options,
    scrape_and_acquire, scrape_done, validate,
};

/// Pages scraped at the same time. Each scrape already drives two browser sessions (one per
/// device); docs/BENCHMARKS.md has the measurement behind this number.
const SCRAPE_CONCURRENCY: usize = 2;

/// Routes of the preview loaded at the same time to be measured (docs/BENCHMARKS.md).
const INSPECT_CONCURRENCY: usize = 2;

/// A page that was scraped, with where it goes.
struct ScrapedPage {
    page: SitePage,
    scrape: Arc<ScrapeData>,
}

/// The start page's plan and tokens: what the compile check's fixes work from.
struct StartPlan {
    plan: Plan,
    tokens: DesignTokens,
}

/// Stages A to R for a site; K is [`Progress::finish`] as for a page.
pub(crate) async fn run_site(p: &mut Progress) -> Result<(), Failure> {
    p.page = Url::parse(p.request.url.trim())
        .ok()
        .map(|url| url.path().to_string());
    let start = scrape_and_acquire(p).await?;
    p.stage_done("scrape")?;
    let started = Instant::now();
    let mut pages = crawl(p, start).await?;
    p.timings.scrape += elapsed_ms(started);
    p.stage_done("crawl")?;
    let marks = strip_marks(&mut pages);
    let (projects, start_plan) = generate_pages(p, &pages, marks).await?;
    p.stage_done("generate")?;
    merge(p, &pages, &projects).await?;
    p.stage_done("assemble")?;
    validate(p).await;
    p.save_files().await;
    p.stage_done("validate")?;
    if p.sandbox.is_some() {
        let start_scrape = Arc::clone(&pages[0].scrape);
        deploy_and_compile(p, &start_scrape, &start_plan.plan, &start_plan.tokens).await?;
        p.stage_done("compile")?;
        if p.compiled {
            let started = Instant::now();
            inspect_pages(p, &pages, &projects).await;
            p.timings.inspect = elapsed_ms(started);
            p.stage_done("inspect")?;
        }
    } else if p.request.preview && p.deps.sandboxes.is_none() {
        p.warn("no sandbox provider is configured: the files are written, nothing runs them")
            .await;
    }
    if p.request.refine {
        p.warn("refine works on single-page clones: the site's pages were not refined")
            .await;
    }
    Ok(())
}

/// The pages to clone, start page first, each scraped: breadth first from the start page's
/// links and the sitemap, a level at a time, up to the requested number of pages.
async fn crawl(p: &mut Progress, start: Arc<ScrapeData>) -> Result<Vec<ScrapedPage>, Failure> {
    let start_url = Url::parse(&start.final_url)
        .or_else(|_| Url::parse(p.request.url.trim()))
        .map_err(|error| Failure::new("crawl", format!("the start page's URL: {error}")))?;
    let respect_robots = !p.request.ignore_robots;
    let (robots, sitemap) = site_files(p, &start_url, respect_robots).await;
    let mut crawl = Crawl::new(
        &start_url,
        robots.as_deref(),
        p.deps.scrape_options.policy.clone(),
        CrawlLimits {
            max_pages: p.request.pages,
            respect_robots,
        },
    );
    add_links(&mut crawl, &start, 0);
    if let Some(sitemap) = &sitemap {
        crawl.add_sitemap(sitemap, 0);
    }
    let mut pages = vec![ScrapedPage {
        page: crawl.pages()[0].clone(),
        scrape: start,
    }];
    loop {
        let level = crawl.next_level();
        let mut announced: Vec<&SitePage> = level.iter().collect();
        if pages.len() == 1 {
            announced.insert(0, &pages[0].page);
        }
        if !level.is_empty() || pages.len() == 1 {
            p.emit(PipelineEvent::PagesDiscovered {
                pages: announced
                    .iter()
                    .map(|page| DiscoveredPage {
                        path: page.path.clone(),
                        url: page.url.clone(),
                    })
                    .collect(),
                skipped: crawl.over_cap(),
            })
            .await;
        }
        if level.is_empty() {
            break;
        }
        for (page, scraped) in scrape_level(p, &level).await {
            match accepted(p, &page, &start_url, scraped).await {
                Some(scrape) => {
                    add_links(&mut crawl, &scrape, page.depth);
                    pages.push(ScrapedPage { page, scrape });
                }
                None => crawl.failed(&page.route),
            }
        }
    }
    say_what_was_left_out(p, &crawl, pages.len()).await;
    p.page = None;
    Ok(pages)
}

/// robots.txt (unless ignored) and sitemap.xml of the start page's origin, when they exist.
async fn site_files(
    p: &Progress,
    start: &Url,
    respect_robots: bool,
) -> (Option<String>, Option<String>) {
    let options = localize_options(p);
    let fetch = |name: &str| {
        let url = start.join(name).map(String::from);
        let options = &options;
        async move {
            match url {
                Ok(url) => replica_assembler::fetch_site_text(&url, options).await.ok(),
                Err(_) => None,
            }
        }
    };
    let robots = async {
        if respect_robots {
            fetch("/robots.txt").await
        } else {
            None
        }
    };
    tokio::join!(robots, fetch("/sitemap.xml"))
}

fn add_links(crawl: &mut Crawl, scrape: &ScrapeData, depth: usize) {
    let Ok(base) = Url::parse(&scrape.base_url).or_else(|_| Url::parse(&scrape.final_url)) else {
        return;
    };
    crawl.add_links(
        &base,
        depth,
        scrape.desktop.links.iter().map(|link| link.href.as_str()),
    );
}

/// The level's pages scraped, [`SCRAPE_CONCURRENCY`] at a time, in the level's order.
async fn scrape_level(
    p: &Progress,
    level: &[SitePage],
) -> Vec<(SitePage, Result<ScrapeData, replica_core::ScrapeError>)> {
    let source = Arc::clone(&p.deps.source);
    let options = p.deps.scrape_options.clone();
    for page in level {
        p.step("scrape", format!("loading {}", page.url)).await;
    }
    let urls = level.iter().map(|page| page.url.clone()).collect();
    let scraped: Vec<_> = source
        .scrape_series(urls, &options, SCRAPE_CONCURRENCY)
        .collect()
        .await;
    level.iter().cloned().zip(scraped).collect()
}

/// The page's scrape, or a warning saying why the page is left out (it failed to load, or
/// redirected to another origin, which is not followed).
async fn accepted(
    p: &mut Progress,
    page: &SitePage,
    start: &Url,
    scraped: Result<ScrapeData, replica_core::ScrapeError>,
) -> Option<Arc<ScrapeData>> {
    p.page = Some(page.path.clone());
    let scrape = match scraped {
        Ok(scrape) => scrape,
        Err(error) => {
            p.warn(format!("page {} is left out: {error}", page.path))
                .await;
            return None;
        }
    };
    let same_origin = Url::parse(&scrape.final_url).is_ok_and(|url| url.origin() == start.origin());
    if !same_origin {
        p.warn(format!(
            "page {} is left out: it redirected to {}, another origin",
            page.path, scrape.final_url
        ))
        .await;
        return None;
    }
    scrape_done(p, &scrape).await;
    Some(Arc::new(scrape))
}

async fn say_what_was_left_out(p: &Progress, crawl: &Crawl, cloned: usize) {
    let over_cap = crawl.over_cap();
    if over_cap > 0 {
        p.warn(format!(
            "{over_cap} more pages were left out: the clone takes {} pages (--pages)",
            p.request.pages.min(replica_planner::MAX_SITE_PAGES)
        ))
        .await;
    }
    if cloned == 1 {
        p.warn("no other page of the site could be cloned: the start page is cloned alone")
            .await;
    }
}

/// The current-page marks taken out of the header and footer the pages share, per page, so
/// those compile to one component (the clone puts the marks back at run time).
fn strip_marks(pages: &mut [ScrapedPage]) -> Vec<Vec<PageMark>> {
    let mut scrapes: Vec<&mut ScrapeData> = pages
        .iter_mut()
        .map(|page| Arc::make_mut(&mut page.scrape))
        .collect();
    replica_planner::strip_chrome_marks(&mut scrapes)
        .into_iter()
        .map(|marks| {
            marks
                .into_iter()
                .map(|mark| PageMark {
                    last: mark.edge == ChromeEdge::Last,
                    path: mark.path,
                    classes: mark.classes,
                    attributes: mark.attributes,
                })
                .collect()
        })
        .collect()
}

/// C to F for each page in turn (a page's sections are generated in parallel already): its
/// own project, to be merged. A page that fails is left out; the start page failing fails
/// the clone.
async fn generate_pages(
    p: &mut Progress,
    pages: &[ScrapedPage],
    mut marks: Vec<Vec<PageMark>>,
) -> Result<(Vec<SitePageProject>, StartPlan), Failure> {
    let mut projects = Vec::with_capacity(pages.len());
    let mut start_plan = None;
    let mut sections = 0;
    let scrapes: Vec<&ScrapeData> = pages.iter().map(|page| page.scrape.as_ref()).collect();
    let styles = SiteStyles::new(&scrapes);
    // The start page's tokens name values in every page's classes: the site has one
    // tailwind.config.js (the start page's), so `text-title` must mean the same everywhere.
    let mut site_tokens: Option<DesignTokens> = None;
    for (index, ScrapedPage { page, scrape }) in pages.iter().enumerate() {
        p.page = Some(page.path.clone());
        let before = p.timings.clone();
        let tokens = design(p, scrape).await;
        let plan = plan(p, scrape, &tokens).await;
        let theme_tokens = site_tokens.as_ref().unwrap_or(&tokens);
        let components = generate(p, scrape, &plan, theme_tokens).await;
        let started = Instant::now();
        let files =
            assemble_files(p, scrape, Some(&styles), &plan, theme_tokens, &components).await;
        p.timings.design += before.design;
        p.timings.plan += before.plan;
        p.timings.generate += before.generate;
        p.timings.assemble = before.assemble + elapsed_ms(started);
        let files = match files {
            Ok(files) => files,
            Err(failure) if index == 0 => return Err(failure),
            Err(failure) => {
                p.warn(format!("page {} is left out: {failure}", page.path))
                    .await;
                continue;
            }
        };
        sections += plan.sections.len();
        projects.push(SitePageProject {
            route: page.route.clone(),
            folder: replica_planner::route_folder(&page.route),
            title: scrape.title.clone(),
            description: scrape.meta.description.clone(),
            files,
            marks: marks.get_mut(index).map(std::mem::take).unwrap_or_default(),
        });
        if index == 0 {
            site_tokens = Some(tokens.clone());
            start_plan = Some(StartPlan { plan, tokens });
        }
    }
    p.page = None;
    p.sections = sections;
    let start_plan =
        start_plan.ok_or_else(|| Failure::new("assemble", "the start page has no project"))?;
    Ok((projects, start_plan))
}

/// The pages' projects as one (G follows), and the pages of the `done` event.
async fn merge(
    p: &mut Progress,
    pages: &[ScrapedPage],
    projects: &[SitePageProject],
) -> Result<(), Failure> {
    p.step(
        "assemble",
        format!("merging {} pages into one project", projects.len()),
    )
    .await;
    let started = Instant::now();
    let mut routes: BTreeMap<String, String> = BTreeMap::new();
    for ScrapedPage { page, scrape } in pages {
        if !projects.iter().any(|project| project.route == page.route) {
            continue;
        }
        for url in [&page.url, &scrape.url, &scrape.final_url] {
            if let Some(key) = replica_planner::site_page_key(url) {
                routes.insert(key, page.route.clone());
            }
        }
    }
    let route_for = |url: &str| route_for(&routes, url);
    let files = replica_assembler::assemble_site(&SiteInput {
        pages: projects,
        lang: p.request.lang,
        route_for: &route_for,
    })
    .map_err(|error| Failure::new("assemble", error))?;
    p.files = files;
    p.pages = pages
        .iter()
        .filter(|scraped| {
            projects
                .iter()
                .any(|project| project.route == scraped.page.route)
        })
        .map(|scraped| PageResult {
            path: scraped.page.path.clone(),
            route: scraped.page.route.clone(),
            similarity: None,
        })
        .collect();
    finish_assembly(p).await;
    p.timings.assemble += elapsed_ms(started);
    Ok(())
}

/// The clone's route (with the link's query and fragment) for a URL of a cloned page.
fn route_for(routes: &BTreeMap<String, String>, url: &str) -> Option<String> {
    let parsed = Url::parse(url).ok()?;
    let mut route = routes.get(&replica_planner::site_page_key(url)?)?.clone();
    if let Some(query) = parsed.query() {
        route.push('?');
        route.push_str(query);
    }
    if let Some(fragment) = parsed.fragment() {
        route.push('#');
        route.push_str(fragment);
    }
    Some(route)
}

/// Every route loaded in the browser and compared with its page; the clone's similarity is
/// the mean of the pages measured.
async fn inspect_pages(p: &mut Progress, pages: &[ScrapedPage], projects: &[SitePageProject]) {
    let Some(root) = p
        .sandbox
        .as_ref()
        .map(|sandbox| sandbox.preview_url().trim_end_matches('/').to_string())
    else {
        return;
    };
    let source = Arc::clone(&p.deps.source);
    let options = preview_scrape_options(&p.deps.scrape_options, &root);
    let measured_pages: Vec<usize> = (0..pages.len())
        .filter(|&index| {
            projects
                .iter()
                .any(|project| project.route == pages[index].page.route)
        })
        .collect();
    if measured_pages.is_empty() {
        return;
    }
    let urls = measured_pages
        .iter()
        .map(|&index| format!("{root}{}", pages[index].page.route))
        .collect();
    // The routes load INSPECT_CONCURRENCY at a time, each lane in the same pair of browsers,
    // while the loaded ones are compared, in the pages' order.
    let mut captures = source.scrape_series(urls, &options, INSPECT_CONCURRENCY);
    // The compile check compiled the first route only; `next dev` compiles the others on their
    // first request. Asked for all of them at once, it compiles them in one pass, while the
    // browser captures the first route.
    let first = match p.sandbox.as_deref() {
        Some(sandbox) => {
            let compile_the_rest = futures_util::future::join_all(
                measured_pages[1..]
                    .iter()
                    .map(|&index| sandbox.fetch_preview(&pages[index].page.route)),
            );
            tokio::join!(compile_the_rest, captures.next()).1
        }
        None => captures.next().await,
    };
    let mut captures = futures_util::stream::iter(first)
        .chain(captures)
        .zip(futures_util::stream::iter(measured_pages.iter().copied()));
    let mut measured: Vec<SimilarityScores> = Vec::new();
    while let Some((clone, index)) = captures.next().await {
        let ScrapedPage { page, scrape } = &pages[index];
        p.page = Some(page.path.clone());
        p.step("inspect", format!("loading {} of the preview", page.route))
            .await;
        let dir = match index {
            0 => INSPECTION_DIR.to_string(),
            n => format!("{INSPECTION_DIR}/pages/{n}"),
        };
        let scores = judge_route(p, scrape, clone, &dir).await;
        if let Some(result) = p.pages.iter_mut().find(|result| result.route == page.route) {
            result.similarity = scores;
        }
        measured.extend(scores);
    }
    p.page = None;
    if !measured.is_empty() {
        let count = measured.len() as f64;
        p.similarity = Some(SimilarityScores {
            desktop: measured.iter().map(|s| s.desktop).sum::<f64>() / count,
            mobile: measured.iter().map(|s| s.mobile).sum::<f64>() / count,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_their_query_and_fragment() {
        let routes = BTreeMap::from([(
            replica_planner::site_page_key("http://a.test/x/pricing.html").unwrap(),
            "/pricing.html".to_string(),
        )]);
        assert_eq!(
            route_for(&routes, "http://a.test/x/pricing.html?plan=pro#faq").as_deref(),
            Some("/pricing.html?plan=pro#faq")
        );
        assert_eq!(route_for(&routes, "http://b.test/x/pricing.html"), None);
        assert_eq!(route_for(&routes, "/x/pricing.html"), None);
    }
}
