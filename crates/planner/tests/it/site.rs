//! The whole-site crawl as data: which links become pages, their routes, what is left out.

use replica_core::UrlPolicy;
use replica_planner::{Crawl, CrawlLimits, MAX_SITE_PAGES, SkipReason};
use url::Url;

fn crawl(start: &str, robots: Option<&str>, max_pages: usize, respect_robots: bool) -> Crawl {
    Crawl::new(
        &Url::parse(start).unwrap(),
        robots,
        UrlPolicy::allow_all(),
        CrawlLimits {
            max_pages,
            respect_robots,
        },
    )
}

/// Pages and skipped links, one line each, for a snapshot.
fn summary(crawl: &Crawl) -> String {
    let mut out = String::new();
    for page in crawl.pages() {
        out.push_str(&format!(
            "page {} -> {} (depth {})\n",
            page.path, page.route, page.depth
        ));
    }
    for skipped in crawl.skipped() {
        out.push_str(&format!(
            "skip {} ({})\n",
            skipped.url,
            skipped.reason.as_str()
        ));
    }
    out
}

const START_LINKS: &[&str] = &[
    "http://shop.test/acme/",
    "http://shop.test/acme/index.html#top",
    "#features",
    "pricing.html",
    "pricing.html?plan=pro",
    "about/",
    "about/index.html",
    "blog/post.html",
    "docs/guide.pdf",
    "img/logo.png",
    "login",
    "/acme/account/logout.html",
    "https://elsewhere.test/",
    "mailto:hi@shop.test",
    "javascript:void(0)",
    "https://shop.test/acme/secure.html",
    "private/notes.html",
    "missing.html",
];

#[test]
fn the_start_page_links_become_routes_breadth_first() {
    let start = Url::parse("http://shop.test/acme/").unwrap();
    let mut crawl = crawl(
        start.as_str(),
        Some("User-agent: *\nDisallow: /acme/private/\n"),
        10,
        true,
    );
    crawl.add_links(&start, 0, START_LINKS.iter().copied());
    crawl.add_sitemap(
        "<urlset><url><loc>http://shop.test/acme/changelog/</loc></url>\
         <url><loc>http://shop.test/acme/pricing.html</loc></url></urlset>",
        0,
    );
    let first = crawl.next_level();
    assert_eq!(first.len(), 5, "{first:?}");
    // The second level: a page linking back (a loop) and one new page.
    let about = Url::parse("http://shop.test/acme/about/").unwrap();
    crawl.add_links(&about, 1, ["../", "../pricing.html", "team.html"]);
    let second = crawl.next_level();
    assert_eq!(second.len(), 1);
    assert!(crawl.next_level().is_empty(), "the crawl is over");
    insta::assert_snapshot!(summary(&crawl));
}

#[test]
fn the_cap_counts_what_it_leaves_out() {
    let start = Url::parse("http://shop.test/").unwrap();
    let links: Vec<String> = (0..3000).map(|n| format!("/p{n}.html")).collect();
    let mut crawl = crawl(start.as_str(), None, 5, true);
    crawl.add_links(&start, 0, links.iter().map(String::as_str));
    assert_eq!(crawl.next_level().len(), 4);
    assert_eq!(crawl.pages().len(), 5);
    assert_eq!(crawl.over_cap(), 2996);

    let mut all = self::crawl(start.as_str(), None, usize::MAX, true);
    all.add_links(&start, 0, links.iter().map(String::as_str));
    all.next_level();
    assert_eq!(all.pages().len(), MAX_SITE_PAGES, "`all` has a hard cap");
}

#[test]
fn a_page_that_fails_gives_its_place_to_the_next_link_the_cap_left_out() {
    let start = Url::parse("http://shop.test/").unwrap();
    let mut crawl = crawl(start.as_str(), None, 3, true);
    crawl.add_links(
        &start,
        0,
        ["/missing.html", "/a.html", "/b.html", "/c.html"],
    );
    let first = crawl.next_level();
    assert_eq!(routes(&first), ["/missing.html", "/a.html"]);
    assert_eq!(crawl.over_cap(), 2);

    crawl.failed("/missing.html");
    assert_eq!(routes(crawl.pages()), ["/", "/a.html"]);
    assert_eq!(crawl.over_cap(), 1, "/b.html is no longer left out");
    let a = Url::parse("http://shop.test/a.html").unwrap();
    crawl.add_links(&a, 1, ["/d.html"]);
    assert_eq!(
        routes(&crawl.next_level()),
        ["/b.html"],
        "its depth: the start page's links"
    );
    assert!(crawl.next_level().is_empty(), "the cap is full again");
    assert_eq!(routes(crawl.pages()), ["/", "/a.html", "/b.html"]);
    assert_eq!(crawl.over_cap(), 2, "/c.html and /d.html");

    crawl.failed("/b.html");
    crawl.failed("/a.html");
    assert_eq!(routes(&crawl.next_level()), ["/c.html"]);
    assert_eq!(routes(&crawl.next_level()), ["/d.html"]);
    assert_eq!(crawl.over_cap(), 0);
    crawl.failed("/not-taken.html");
    assert_eq!(routes(crawl.pages()), ["/", "/c.html", "/d.html"]);
}

fn routes(pages: &[replica_planner::SitePage]) -> Vec<&str> {
    pages.iter().map(|page| page.route.as_str()).collect()
}

#[test]
fn robots_can_be_ignored_for_a_site_one_owns() {
    let start = Url::parse("http://shop.test/").unwrap();
    let robots = "User-agent: *\nDisallow: /\n";
    let mut polite = crawl(start.as_str(), Some(robots), 5, true);
    polite.add_links(&start, 0, ["/a.html"]);
    assert!(polite.next_level().is_empty());
    assert_eq!(polite.count(SkipReason::Robots), 1);

    let mut owner = crawl(start.as_str(), Some(robots), 5, false);
    owner.add_links(&start, 0, ["/a.html"]);
    assert_eq!(owner.next_level().len(), 1);
}

#[test]
fn the_url_policy_refusals_are_skipped() {
    let start = Url::parse("http://shop.test/").unwrap();
    let mut crawl = Crawl::new(
        &start,
        None,
        UrlPolicy::allow_all().deny(["shop.test"]),
        CrawlLimits {
            max_pages: 5,
            respect_robots: true,
        },
    );
    crawl.add_links(&start, 0, ["/a.html", "/b/"]);
    assert!(crawl.next_level().is_empty());
    assert_eq!(crawl.count(SkipReason::Policy), 2);
}

#[test]
fn a_page_without_same_origin_links_is_a_site_of_one() {
    let start = Url::parse("http://shop.test/").unwrap();
    let mut crawl = crawl(start.as_str(), None, 5, true);
    crawl.add_links(&start, 0, ["https://other.test/", "#top", ""]);
    assert!(crawl.next_level().is_empty());
    assert_eq!(crawl.pages().len(), 1);
    assert_eq!(crawl.pages()[0].route, "/");
}
