//! Which pages of a site a whole-site clone takes, and the App Router route of each: a
//! breadth-first crawl as plain data. The pipeline scrapes; this module only decides.
//!
//! A link is taken when it is http(s), on the start page's origin, not an asset, not a
//! query variant, not an account page (login, logout, sign-up...), allowed by the URL policy
//! and by robots.txt (unless told to ignore it), and not already taken under another
//! spelling (`/x`, `/x/` and `/x/index.html` are one page). Everything left out is said, with
//! why; pages beyond the cap are counted.

use std::collections::{BTreeSet, VecDeque};

use replica_core::UrlPolicy;
use url::Url;

/// `--pages all` takes at most this many pages.
pub const MAX_SITE_PAGES: usize = 50;

/// How far a crawl goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrawlLimits {
    /// Pages cloned, the start page included (at least 1, at most [`MAX_SITE_PAGES`]).
    pub max_pages: usize,
    /// Obey robots.txt (off for sites the user owns: `--ignore-robots`).
    pub respect_robots: bool,
}

/// One page of the site: where it is, and where the clone serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePage {
    /// The URL path on the original (`/pricing.html`), the page's name in events.
    pub path: String,
    pub url: String,
    /// The clone's route (`/`, `/pricing.html`, `/blog`): see [`route_of`].
    pub route: String,
    /// Links from the start page: 0 for it, 1 for the pages it links, ...
    pub depth: usize,
}

/// Why a link is not cloned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    OtherOrigin,
    Asset,
    Query,
    Account,
    Policy,
    Robots,
    /// Over the page cap.
    Cap,
    /// Its route would be another page's (or is not a path a route can have).
    Route,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::OtherOrigin => "another origin",
            SkipReason::Asset => "not a page",
            SkipReason::Query => "a query variant",
            SkipReason::Account => "an account page",
            SkipReason::Policy => "refused by the URL policy",
            SkipReason::Robots => "disallowed by robots.txt",
            SkipReason::Cap => "over the page cap",
            SkipReason::Route => "no route of its own",
        }
    }
}

/// A link left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLink {
    pub url: String,
    pub reason: SkipReason,
}

/// A breadth-first crawl: the start page, then the pages it links (and the sitemap's), then
/// theirs, up to the cap. Feed it each scraped page's links ([`Crawl::add_links`]) and take
/// the next pages to scrape ([`Crawl::next_level`]).
#[derive(Debug, Clone)]
pub struct Crawl {
    start: Url,
    scope: String,
    limits: CrawlLimits,
    policy: UrlPolicy,
    robots: Robots,
    /// Keys ([`page_key`]) of every page taken or queued.
    seen: BTreeSet<String>,
    routes: BTreeSet<String>,
    queue: VecDeque<SitePage>,
    pages: Vec<SitePage>,
    /// Skipped links, each URL once.
    skipped: Vec<SkippedLink>,
    skipped_urls: BTreeSet<String>,
    /// Links the cap left out, in crawl order, with their depth: the next in line when a
    /// taken page fails.
    capped: VecDeque<(Url, usize)>,
}

impl Crawl {
    /// A crawl from `start` (the start page's final URL), with the site's robots.txt text
    /// when there is one.
    pub fn new(start: &Url, robots: Option<&str>, policy: UrlPolicy, limits: CrawlLimits) -> Crawl {
        let mut start = start.clone();
        start.set_fragment(None);
        let scope = scope_of(start.path());
        let limits = CrawlLimits {
            max_pages: limits.max_pages.clamp(1, MAX_SITE_PAGES),
            ..limits
        };
        let page = SitePage {
            path: start.path().to_string(),
            url: start.to_string(),
            route: "/".to_string(),
            depth: 0,
        };
        Crawl {
            seen: BTreeSet::from([page_key(&start)]),
            routes: BTreeSet::from([page.route.clone()]),
            pages: vec![page],
            start,
            scope,
            limits,
            policy,
            robots: robots.map(Robots::parse).unwrap_or_default(),
            queue: VecDeque::new(),
            skipped: Vec::new(),
            skipped_urls: BTreeSet::new(),
            capped: VecDeque::new(),
        }
    }

    /// The start page first, then every page taken so far, in crawl order.
    pub fn pages(&self) -> &[SitePage] {
        &self.pages
    }

    pub fn skipped(&self) -> &[SkippedLink] {
        &self.skipped
    }

    /// Links left out for the cap alone.
    pub fn over_cap(&self) -> usize {
        self.count(SkipReason::Cap)
    }

    pub fn count(&self, reason: SkipReason) -> usize {
        self.skipped.iter().filter(|s| s.reason == reason).count()
    }

    /// The links of a page at `depth` (absolute, or relative to `base`), in document order.
    pub fn add_links<'a>(
        &mut self,
        base: &Url,
        depth: usize,
        links: impl IntoIterator<Item = &'a str>,
    ) {
        for link in links {
            let Ok(url) = base.join(link.trim()) else {
                continue;
            };
            // mailto:, tel:, javascript: and the like are not pages, nor worth a word.
            if !matches!(url.scheme(), "http" | "https") {
                continue;
            }
            if let Err(reason) = self.admit(url.clone(), depth + 1) {
                let mut url = url;
                url.set_fragment(None);
                if self.skipped_urls.insert(url.to_string()) {
                    self.skipped.push(SkippedLink {
                        url: url.to_string(),
                        reason,
                    });
                    if reason == SkipReason::Cap {
                        self.capped.push_back((url, depth + 1));
                    }
                }
            }
        }
    }

    /// The pages of a sitemap.xml (`<loc>` entries), after the links of the same depth.
    pub fn add_sitemap(&mut self, sitemap: &str, depth: usize) {
        let locs = sitemap_locations(sitemap);
        let start = self.start.clone();
        self.add_links(&start, depth, locs.iter().map(String::as_str));
    }

    /// The queued pages of the shallowest depth, now taken; empty when the crawl is over.
    pub fn next_level(&mut self) -> Vec<SitePage> {
        let Some(depth) = self.queue.front().map(|page| page.depth) else {
            return Vec::new();
        };
        let mut level = Vec::new();
        while self.queue.front().is_some_and(|page| page.depth == depth) {
            level.extend(self.queue.pop_front());
        }
        self.pages.extend(level.iter().cloned());
        level
    }

    /// A taken page that could not be cloned (it did not load, or it left the origin): it
    /// is no longer one of [`Crawl::pages`], and its place under the cap goes to the next
    /// link the cap left out, so `--pages N` still clones N pages when the site has them.
    pub fn failed(&mut self, route: &str) {
        let Some(at) = self.pages.iter().position(|page| page.route == route) else {
            return;
        };
        self.pages.remove(at);
        while let Some((url, depth)) = self.capped.pop_front() {
            let queued = self.queue.len();
            let key = url.to_string();
            self.skipped.retain(|skipped| skipped.url != key);
            self.skipped_urls.remove(&key);
            match self.admit(url.clone(), depth) {
                Ok(()) if self.queue.len() > queued => break,
                Ok(()) => {}
                Err(reason) => {
                    self.skipped_urls.insert(key.clone());
                    self.skipped.push(SkippedLink { url: key, reason });
                    if reason == SkipReason::Cap {
                        self.capped.push_front((url, depth));
                        break;
                    }
                }
            }
        }
    }

    fn admit(&mut self, mut url: Url, depth: usize) -> Result<(), SkipReason> {
        url.set_fragment(None);
        if url.origin() != self.start.origin() {
            return Err(SkipReason::OtherOrigin);
        }
        let key = page_key(&url);
        if self.seen.contains(&key) {
            return Ok(());
        }
        if url.query().is_some() {
            return Err(SkipReason::Query);
        }
        if is_asset(url.path()) {
            return Err(SkipReason::Asset);
        }
        if is_account(url.path()) {
            return Err(SkipReason::Account);
        }
        if self.policy.check_url(&url).is_err() {
            return Err(SkipReason::Policy);
        }
        if self.limits.respect_robots && !self.robots.allows(url.path()) {
            return Err(SkipReason::Robots);
        }
        let route = route_of(url.path(), &self.scope).ok_or(SkipReason::Route)?;
        if self.routes.contains(&route) {
            return Err(SkipReason::Route);
        }
        if self.pages.len() + self.queue.len() >= self.limits.max_pages {
            return Err(SkipReason::Cap);
        }
        self.seen.insert(key);
        self.routes.insert(route.clone());
        self.queue.push_back(SitePage {
            path: url.path().to_string(),
            url: url.to_string(),
            route,
            depth,
        });
        Ok(())
    }
}

/// The same key for every spelling of one page's URL (see [`Crawl`]); `None` for what is
/// not an absolute URL.
pub fn site_page_key(url: &str) -> Option<String> {
    Url::parse(url).ok().map(|url| page_key(&url))
}

/// One key per page whatever the spelling: no fragment, no trailing slash, no `index.html`.
fn page_key(url: &Url) -> String {
    let path = url.path();
    let path = strip_index(path).trim_end_matches('/');
    format!("{}{path}", url.origin().ascii_serialization())
}

fn strip_index(path: &str) -> &str {
    ["index.html", "index.htm"]
        .iter()
        .find_map(|index| path.strip_suffix(index).filter(|dir| dir.ends_with('/')))
        .unwrap_or(path)
}

/// The folder the start page is in (`/docs/` for `/docs/intro.html` and for `/docs/`): the
/// clone's root.
fn scope_of(start_path: &str) -> String {
    match start_path.rfind('/') {
        Some(at) => start_path[..=at].to_string(),
        None => "/".to_string(),
    }
}

/// The clone's route for an original URL path, given the folder of the start page: the path
/// below that folder (the whole path for pages outside it), without `index.html` and the
/// trailing slash, so `/acme/pricing/` -> `/pricing` and `/acme/about.html` -> `/about.html`
/// (a route folder named `about.html`: the original path keeps working). `None` for paths
/// no App Router folder can hold (dynamic-segment, group and slot syntax).
pub fn route_of(path: &str, scope: &str) -> Option<String> {
    let path = strip_index(path);
    let below = path.strip_prefix(scope).map_or(path, |rest| rest);
    let mut route = String::new();
    for segment in below.split('/').filter(|segment| !segment.is_empty()) {
        let decoded = percent_decode(segment)?;
        if decoded.starts_with(['(', '[', '@', '.'])
            || decoded.contains(['\\', '"', '\'', '`', '{', '}'])
        {
            return None;
        }
        route.push('/');
        route.push_str(&decoded);
    }
    if route.is_empty() {
        route.push('/');
    }
    Some(route)
}

/// The folder under `app/` that serves `route` (`""` for `/`). A segment starting with `_`
/// would be a private folder, so it is written `%5F...` as Next.js documents.
pub fn route_folder(route: &str) -> String {
    route
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.strip_prefix('_') {
            Some(rest) => format!("%5F{rest}"),
            None => segment.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = segment.get(at + 1..at + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    let text = String::from_utf8(out).ok()?;
    (!text.contains(['/', '\0', '%', '?', '#'])).then_some(text)
}

/// Extensions of documents a route can stand for; any other extension is a file.
const PAGE_EXTENSIONS: &[&str] = &["html", "htm", "xhtml", "php", "asp", "aspx", "jsp", "shtml"];

fn is_asset(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    match last.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => {
            !PAGE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
        }
        _ => false,
    }
}

/// Path segments of account pages: cloning them copies a form that posts nowhere, and
/// following a logout link ends a session.
const ACCOUNT_WORDS: &[&str] = &[
    "login", "logout", "log-in", "log-out", "signin", "signout", "sign-in", "sign-out", "signup",
    "sign-up", "register", "auth", "oauth", "sso", "session", "password", "account", "wp-login",
    "wp-admin", "admin",
];

fn is_account(path: &str) -> bool {
    path.split('/').any(|segment| {
        let segment = segment.to_ascii_lowercase();
        let stem = segment.split('.').next().unwrap_or_default();
        ACCOUNT_WORDS.contains(&stem)
    })
}

/// The `<loc>` URLs of a sitemap (a sitemap index's nested sitemaps are files, left out).
pub fn sitemap_locations(xml: &str) -> Vec<String> {
    let mut locations = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find("<loc>") {
        rest = &rest[open + "<loc>".len()..];
        let Some(close) = rest.find("</loc>") else {
            break;
        };
        let location = rest[..close]
            .trim()
            .trim_start_matches("<![CDATA[")
            .trim_end_matches("]]>")
            .replace("&amp;", "&");
        locations.push(location.trim().to_string());
        rest = &rest[close..];
    }
    locations
}

/// The rules of robots.txt for Replica: its own group when there is one, else `*`'s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Robots {
    /// `(allow, path prefix)`; the longest matching prefix wins, allow on a tie.
    rules: Vec<(bool, String)>,
}

impl Robots {
    pub fn parse(text: &str) -> Robots {
        let mut own: Option<Vec<(bool, String)>> = None;
        let mut any: Option<Vec<(bool, String)>> = None;
        let mut agents: Vec<String> = Vec::new();
        let mut in_rules = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            let Some((field, value)) = line.split_once(':') else {
                continue;
            };
            let (field, value) = (field.trim().to_ascii_lowercase(), value.trim());
            match field.as_str() {
                "user-agent" => {
                    if in_rules {
                        agents.clear();
                        in_rules = false;
                    }
                    agents.push(value.to_ascii_lowercase());
                }
                "allow" | "disallow" => {
                    in_rules = true;
                    let rule = (field == "allow", value.to_string());
                    for agent in &agents {
                        let group = match agent.as_str() {
                            "replica" => &mut own,
                            "*" => &mut any,
                            _ => continue,
                        };
                        group.get_or_insert_with(Vec::new).push(rule.clone());
                    }
                }
                _ => {}
            }
        }
        Robots {
            rules: own.or(any).unwrap_or_default(),
        }
    }

    /// Whether `path` may be fetched. An empty `Disallow:` allows everything; `*` and a
    /// final `$` in a rule are honoured.
    pub fn allows(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if pattern.is_empty() || !robots_match(pattern, path) {
                continue;
            }
            let better = match best {
                None => true,
                Some((length, allowed)) => {
                    pattern.len() > length || (pattern.len() == length && *allow && !allowed)
                }
            };
            if better {
                best = Some((pattern.len(), *allow));
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

fn robots_match(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(pattern) => (pattern, true),
        None => (pattern, false),
    };
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = parts.collect();
    if pieces.is_empty() {
        return !anchored || rest.is_empty();
    }
    for (index, piece) in pieces.iter().enumerate() {
        let last = index + 1 == pieces.len();
        if last && anchored {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_keep_the_original_paths() {
        assert_eq!(route_of("/", "/").as_deref(), Some("/"));
        assert_eq!(route_of("/pricing/", "/").as_deref(), Some("/pricing"));
        assert_eq!(route_of("/about.html", "/").as_deref(), Some("/about.html"));
        assert_eq!(
            route_of("/blog/post.html", "/").as_deref(),
            Some("/blog/post.html")
        );
        assert_eq!(
            route_of("/acme/team/index.html", "/acme/").as_deref(),
            Some("/team")
        );
        assert_eq!(
            route_of("/other/x.html", "/acme/").as_deref(),
            Some("/other/x.html")
        );
        assert_eq!(route_of("/caf%C3%A9/", "/").as_deref(), Some("/café"));
        assert_eq!(route_of("/[id]/", "/"), None);
        assert_eq!(route_of("/a%2Fb/", "/"), None);
        assert_eq!(route_folder("/_private/x"), "%5Fprivate/x");
        assert_eq!(route_folder("/"), "");
    }

    #[test]
    fn robots_longest_match_wins() {
        let robots = Robots::parse(
            "User-agent: other\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\nAllow: /private/ok\nDisallow: /*.pdf$\n",
        );
        assert!(robots.allows("/"));
        assert!(!robots.allows("/private/x"));
        assert!(robots.allows("/private/ok.html"));
        assert!(!robots.allows("/a/b.pdf"));
        assert!(robots.allows("/a/b.pdf.html"));
        let own = Robots::parse("User-agent: *\nDisallow: /\nUser-agent: Replica\nDisallow:\n");
        assert!(own.allows("/anything"));
        assert!(Robots::parse("").allows("/x"));
    }

    #[test]
    fn sitemap_locations_are_read() {
        let xml = "<urlset><url><loc> https://a.example/x?a=1&amp;b=2 </loc></url><url><loc><![CDATA[https://a.example/y]]></loc></url></urlset>";
        assert_eq!(
            sitemap_locations(xml),
            ["https://a.example/x?a=1&b=2", "https://a.example/y"]
        );
    }
}
