//! Which URLs and addresses Replica may load (DESIGN.md §7).
//!
//! The policy is pure: callers resolve DNS themselves and ask [`UrlPolicy::check_endpoint_addr`]
//! about every address they are about to connect to, after resolution and again after each
//! redirect.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use url::Url;

/// What may be loaded. The CLI allows everything; the server refuses private networks unless
/// started with `--allow-private`, and admits the private origins named by `--allow-origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPolicy {
    allow_private: bool,
    /// Host names and addresses refused whatever the ranges say (lower-case).
    denied: Vec<String>,
    /// Private origins admitted all the same (an intranet page a team clones).
    allowed: Vec<AllowedOrigin>,
}

/// Why a URL or address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    #[error("only http and https URLs are allowed, not {scheme:?}")]
    Scheme { scheme: String },
    #[error("the URL has no host")]
    NoHost,
    #[error(
        "{host} is a {kind} address, which this policy refuses (--allow-private, or --allow-origin for this origin, admits it)"
    )]
    PrivateAddress { host: String, kind: &'static str },
    #[error("{host} is on the deny list")]
    Denied { host: String },
}

/// One origin (scheme, host, port) admitted even though its addresses are private:
/// `http://intranet.example:8080`. Parsed from a URL; a path, query or fragment is refused so
/// nobody mistakes the origin for a page-level rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AllowedOrigin {
    scheme: String,
    host: String,
    port: u16,
}

/// Why `--allow-origin` did not accept a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not an origin: {reason} (expected scheme://host[:port], like http://intranet.example:8080)"
)]
pub struct OriginError {
    text: String,
    reason: String,
}

impl AllowedOrigin {
    /// The origin of any http(s) URL (its path and the rest left out).
    pub fn of(url: &Url) -> Option<AllowedOrigin> {
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let endpoint = Endpoint::of(url)?;
        Some(AllowedOrigin {
            scheme: url.scheme().to_string(),
            host: endpoint.host,
            port: endpoint.port,
        })
    }
}

impl FromStr for AllowedOrigin {
    type Err = OriginError;

    fn from_str(text: &str) -> Result<AllowedOrigin, OriginError> {
        let error = |reason: &str| OriginError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let url = Url::parse(text.trim()).map_err(|e| error(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(error("only http and https origins can be allowed"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(error("it has a user name or password"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(error("it has a path, query or fragment"));
        }
        AllowedOrigin::of(&url).ok_or_else(|| error("it has no host"))
    }
}

impl fmt::Display for AllowedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default_port = if self.scheme == "https" { 443 } else { 80 };
        let host = match self.host.parse::<Ipv6Addr>() {
            Ok(_) => format!("[{}]", self.host),
            Err(_) => self.host.clone(),
        };
        if self.port == default_port {
            write!(f, "{}://{host}", self.scheme)
        } else {
            write!(f, "{}://{host}:{}", self.scheme, self.port)
        }
    }
}

/// Where a connection goes: a URL's scheme, host and port, or a tunnel's host and port (its
/// scheme is unknown: TLS or a WebSocket inside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `None` for a tunnel (HTTP CONNECT).
    pub scheme: Option<String>,
    /// Lower-case, without a trailing dot or IPv6 brackets; IP addresses in canonical form.
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    /// The endpoint a URL connects to, or `None` when it has no host or port.
    pub fn of(url: &Url) -> Option<Endpoint> {
        let host = match url.host()? {
            url::Host::Domain(name) => name.trim_end_matches('.').to_ascii_lowercase(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => ip.to_string(),
        };
        Some(Endpoint {
            scheme: Some(url.scheme().to_string()),
            host,
            port: url.port_or_known_default()?,
        })
    }

    /// A tunnel's endpoint from `host:port` (HTTP CONNECT's authority). The host is read as a
    /// browser reads it, so `0x7f.1` or `2130706433` become the address they stand for.
    pub fn tunnel(authority: &str) -> Option<Endpoint> {
        if authority.is_empty() || authority.contains(['/', '@', '?', '#', '\\']) {
            return None;
        }
        // The port must be explicit: a tunnel has no scheme to default it from.
        let (_, port) = authority.rsplit_once(':')?;
        let port: u16 = port.parse().ok()?;
        let url = Url::parse(&format!("http://{authority}/")).ok()?;
        let mut endpoint = Endpoint::of(&url)?;
        endpoint.scheme = None;
        endpoint.port = port;
        Some(endpoint)
    }

    /// The host as a URL writes it (IPv6 addresses in brackets).
    pub fn url_host(&self) -> String {
        match self.host.parse::<Ipv6Addr>() {
            Ok(_) => format!("[{}]", self.host),
            Err(_) => self.host.clone(),
        }
    }

    /// The literal address when the host is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.url_host();
        match &self.scheme {
            Some(scheme) => write!(f, "{scheme}://{host}:{}", self.port),
            None => write!(f, "{host}:{}", self.port),
        }
    }
}

impl UrlPolicy {
    /// Everything http(s) is allowed, private networks included (the CLI default).
    pub fn allow_all() -> UrlPolicy {
        UrlPolicy {
            allow_private: true,
            denied: Vec::new(),
            allowed: Vec::new(),
        }
    }

    /// Public internet only: loopback, private, link-local, metadata and other special-purpose
    /// ranges are refused.
    pub fn public_only() -> UrlPolicy {
        UrlPolicy {
            allow_private: false,
            denied: Vec::new(),
            allowed: Vec::new(),
        }
    }

    /// Also refuses these host names and IP addresses (an operator's internal hosts, say),
    /// before DNS for names and literals and after DNS for resolved addresses.
    pub fn deny(mut self, hosts: impl IntoIterator<Item = impl Into<String>>) -> UrlPolicy {
        self.denied.extend(
            hosts
                .into_iter()
                .map(|h| h.into().trim_matches(['[', ']']).to_ascii_lowercase()),
        );
        self
    }

    /// Admits exactly these origins whatever their addresses are (scheme, host and port must
    /// all match; the deny list still wins). Changes nothing for a policy that allows private
    /// addresses anyway.
    pub fn allow_origins(mut self, origins: impl IntoIterator<Item = AllowedOrigin>) -> UrlPolicy {
        for origin in origins {
            if !self.allowed.contains(&origin) {
                self.allowed.push(origin);
            }
        }
        self
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Whether nothing is refused: private addresses allowed and nothing denied.
    pub fn allows_everything(&self) -> bool {
        self.allow_private && self.denied.is_empty()
    }

    pub fn allowed_origins(&self) -> &[AllowedOrigin] {
        &self.allowed
    }

    /// Checks what can be checked before DNS: the scheme, and hosts that are addresses or
    /// well-known internal names.
    pub fn check_url(&self, url: &Url) -> Result<(), PolicyViolation> {
        match url.scheme() {
            "http" | "https" => {}
            scheme => {
                return Err(PolicyViolation::Scheme {
                    scheme: scheme.to_string(),
                });
            }
        }
        let endpoint = Endpoint::of(url).ok_or(PolicyViolation::NoHost)?;
        self.check_endpoint(&endpoint)
    }

    /// [`UrlPolicy::check_url`] for an endpoint: the deny list, address literals and internal
    /// names, unless the endpoint is an allowed origin.
    pub fn check_endpoint(&self, endpoint: &Endpoint) -> Result<(), PolicyViolation> {
        if self.denied.contains(&endpoint.host) {
            return Err(PolicyViolation::Denied {
                host: endpoint.host.clone(),
            });
        }
        if self.allow_private || self.is_allowed_origin(endpoint) {
            return Ok(());
        }
        if let Some(ip) = endpoint.ip() {
            return self.check_addr(&endpoint.host, ip);
        }
        let name = endpoint.host.as_str();
        let internal = name == "localhost"
            || name.ends_with(".localhost")
            || name == "metadata.google.internal"
            || name.ends_with(".internal");
        if internal {
            return Err(PolicyViolation::PrivateAddress {
                host: name.to_string(),
                kind: "internal host name",
            });
        }
        Ok(())
    }

    /// Checks one resolved address of `endpoint`, honouring the allowed origins.
    pub fn check_endpoint_addr(
        &self,
        endpoint: &Endpoint,
        addr: IpAddr,
    ) -> Result<(), PolicyViolation> {
        if self.denied.contains(&addr.to_string()) {
            return Err(PolicyViolation::Denied {
                host: format!("{} ({addr})", endpoint.host),
            });
        }
        if self.is_allowed_origin(endpoint) {
            return Ok(());
        }
        self.check_addr(&endpoint.host, addr)
    }

    /// Checks one resolved address of `host` when the port and scheme are not known (a DNS
    /// resolver's view): allowed origins do not apply, so such callers never admit more than
    /// the ranges say.
    pub fn check_addr(&self, host: &str, addr: IpAddr) -> Result<(), PolicyViolation> {
        if self.denied.contains(&addr.to_string()) {
            return Err(PolicyViolation::Denied {
                host: format!("{host} ({addr})"),
            });
        }
        if self.allow_private {
            return Ok(());
        }
        match special_purpose_kind(addr) {
            Some(kind) => Err(PolicyViolation::PrivateAddress {
                host: host.to_string(),
                kind,
            }),
            None => Ok(()),
        }
    }

    /// A tunnel's scheme is unknown, so it matches an allowed origin by host and port.
    fn is_allowed_origin(&self, endpoint: &Endpoint) -> bool {
        self.allowed.iter().any(|origin| {
            origin.host == endpoint.host
                && origin.port == endpoint.port
                && endpoint.scheme.as_ref().is_none_or(|s| *s == origin.scheme)
        })
    }
}

/// Names the special-purpose range `addr` lies in, or `None` for a public unicast address.
fn special_purpose_kind(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(ip) => special_purpose_v4(ip),
        IpAddr::V6(ip) => special_purpose_v6(ip),
    }
}

/// IPv6 is public only inside global unicast (2000::/3) and outside its special blocks; all
/// the rest is loopback, local, reserved or not yet assigned. (Judging only the named ranges
/// let `::3fff:7f00:1` through: the proxy's fuzz target found it.)
fn special_purpose_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = embedded_v4(ip) {
        return special_purpose_v4(v4);
    }
    let s = ip.segments();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("private (unique local)")
    } else if s[0] & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if s[0] & 0xffc0 == 0xfec0 {
        Some("site-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001 {
        Some("private (local-use NAT64)")
    } else if (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x3fff && s[1] < 0x1000) {
        Some("documentation")
    } else if s[0] == 0x2001 && s[1] < 0x0200 {
        // 2001::/23: Teredo, benchmarking, ORCHID and other IETF assignments.
        Some("IETF protocol assignment")
    } else if s[0] & 0xe000 != 0x2000 {
        Some("reserved (not global unicast)")
    } else {
        None
    }
}

fn special_purpose_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("cloud metadata")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 0 {
        Some("unspecified")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if a == 192 && b == 0 && c == 0 {
        Some("IETF protocol assignment")
    } else if a == 192 && b == 88 && c == 99 {
        Some("6to4 relay anycast")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("benchmarking")
    } else if ip.is_documentation() {
        Some("documentation")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if a >= 240 {
        Some("reserved")
    } else {
        None
    }
}

/// IPv4 addresses carried inside IPv6 that reach that IPv4 (mapped, NAT64 and 6to4) are judged
/// as IPv4. The deprecated IPv4-compatible form (`::a.b.c.d`) reaches nothing and falls under
/// "not global unicast" (the fuzz target found `::63.255.1.39` judged public before).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0) {
        return Some(v4_of(s[6], s[7]));
    }
    // 6to4: 2002:AABB:CCDD::/48 routes to AA.BB.CC.DD.
    if s[0] == 0x2002 {
        return Some(v4_of(s[1], s[2]));
    }
    None
}

fn v4_of(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(addr: &str) -> bool {
        UrlPolicy::public_only()
            .check_addr("h", addr.parse().unwrap())
            .is_err()
    }

    #[test]
    fn special_purpose_addresses_are_refused() {
        for addr in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::7f00:1",
            // Outside global unicast (found by the proxy's fuzz target), and reserved blocks.
            "::3fff:7f00:1",
            "::3fff:127",
            "::8.8.8.8",
            "100::1",
            "4000::1",
            "fec0::1",
            "64:ff9b:1::1",
            "3fff::1",
            "2001::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::1",
            "192.88.99.1",
        ] {
            assert!(refused(addr), "{addr} should be refused");
        }
        for addr in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
            "64:ff9b::808:808",
        ] {
            assert!(!refused(addr), "{addr} should be allowed");
        }
    }

    #[test]
    fn metadata_is_named_as_such() {
        let err = UrlPolicy::public_only()
            .check_addr("169.254.169.254", "169.254.169.254".parse().unwrap())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "169.254.169.254 is a cloud metadata address, which this policy refuses (--allow-private, or --allow-origin for this origin, admits it)"
        );
    }

    #[test]
    fn urls_are_checked_before_dns() {
        let policy = UrlPolicy::public_only();
        let check = |u: &str| policy.check_url(&Url::parse(u).unwrap());
        assert!(matches!(
            check("file:///etc/passwd"),
            Err(PolicyViolation::Scheme { .. })
        ));
        assert!(check("http://localhost:3000/").is_err());
        assert!(check("http://metadata.google.internal/").is_err());
        assert!(check("http://[::1]/").is_err());
        assert!(check("http://127.0.0.1/").is_err());
        assert!(check("https://example.com/").is_ok());
        let open = UrlPolicy::allow_all();
        assert!(
            open.check_url(&Url::parse("http://127.0.0.1/").unwrap())
                .is_ok()
        );
        assert!(
            open.check_url(&Url::parse("ftp://example.com/").unwrap())
                .is_err()
        );
    }

    #[test]
    fn deny_list_applies_to_names_literals_and_resolved_addresses() {
        let policy = UrlPolicy::allow_all().deny(["Intranet.Example", "127.0.0.2", "[::1]"]);
        let check = |u: &str| policy.check_url(&Url::parse(u).unwrap());
        assert!(matches!(
            check("http://intranet.example./x"),
            Err(PolicyViolation::Denied { .. })
        ));
        assert!(check("http://127.0.0.2:8080/").is_err());
        assert!(check("http://[::1]/").is_err());
        assert!(check("http://127.0.0.1/").is_ok());
        let err = policy
            .check_addr("db", "127.0.0.2".parse().unwrap())
            .unwrap_err();
        assert_eq!(err.to_string(), "db (127.0.0.2) is on the deny list");
    }

    fn origin(text: &str) -> AllowedOrigin {
        text.parse().unwrap()
    }

    #[test]
    fn allowed_origins_admit_exactly_their_scheme_host_and_port() {
        let policy = UrlPolicy::public_only().allow_origins([
            origin("http://intranet.example:8080"),
            origin("https://10.0.0.5"),
        ]);
        let check = |u: &str| policy.check_url(&Url::parse(u).unwrap());
        assert!(check("https://10.0.0.5/app").is_ok());
        assert!(check("https://10.0.0.5:443/").is_ok());
        assert!(check("http://10.0.0.5/").is_err(), "another scheme");
        assert!(check("https://10.0.0.5:8443/").is_err(), "another port");
        assert!(check("https://10.0.0.6/").is_err(), "another address");
        let resolved = |u: &str, addr: &str| {
            let endpoint = Endpoint::of(&Url::parse(u).unwrap()).unwrap();
            policy.check_endpoint_addr(&endpoint, addr.parse().unwrap())
        };
        assert!(resolved("http://INTRANET.example.:8080/x", "10.1.1.1").is_ok());
        assert!(resolved("http://intranet.example:8081/", "10.1.1.1").is_err());
        assert!(resolved("https://intranet.example:8080/", "10.1.1.1").is_err());
        assert!(resolved("http://other.example:8080/", "10.1.1.1").is_err());
        // A tunnel has no scheme: host and port decide.
        let tunnel = Endpoint::tunnel("intranet.example:8080").unwrap();
        assert!(policy.check_endpoint(&tunnel).is_ok());
        assert!(
            policy
                .check_endpoint_addr(&tunnel, "10.1.1.1".parse().unwrap())
                .is_ok()
        );
        let tunnel = Endpoint::tunnel("intranet.example:22").unwrap();
        assert!(
            policy
                .check_endpoint_addr(&tunnel, "10.1.1.1".parse().unwrap())
                .is_err()
        );
        // Port-less callers (DNS resolvers) get the ranges only.
        assert!(
            policy
                .check_addr("10.0.0.5", "10.0.0.5".parse().unwrap())
                .is_err()
        );
        // The deny list wins over an allowed origin.
        let denied = policy.clone().deny(["10.0.0.5"]);
        assert!(
            denied
                .check_url(&Url::parse("https://10.0.0.5/").unwrap())
                .is_err()
        );
    }

    #[test]
    fn origins_are_parsed_strictly() {
        assert_eq!(
            origin("HTTP://Intranet.Example:80/").to_string(),
            "http://intranet.example"
        );
        assert_eq!(
            origin("https://[::1]:8443").to_string(),
            "https://[::1]:8443"
        );
        for bad in [
            "intranet.example",
            "ftp://intranet.example",
            "http://intranet.example/app",
            "http://intranet.example/?q",
            "http://user@intranet.example",
            "http://",
        ] {
            let error = bad.parse::<AllowedOrigin>().unwrap_err();
            assert!(
                error.to_string().contains("is not an origin"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn tunnel_hosts_are_read_as_a_browser_reads_them() {
        let host = |authority: &str| Endpoint::tunnel(authority).map(|e| e.host);
        assert_eq!(host("2130706433:80").as_deref(), Some("127.0.0.1"));
        assert_eq!(host("0x7f.1:80").as_deref(), Some("127.0.0.1"));
        assert_eq!(host("0177.0.0.1:80").as_deref(), Some("127.0.0.1"));
        assert_eq!(
            host("[::ffff:127.0.0.1]:443").as_deref(),
            Some("::ffff:127.0.0.1")
        );
        assert_eq!(host("Example.COM.:443").as_deref(), Some("example.com"));
        for bad in [
            "",
            "example.com",
            "example.com:",
            "example.com:99999",
            "a@b:80",
            "a/b:80",
        ] {
            assert_eq!(Endpoint::tunnel(bad), None, "{bad:?}");
        }
        let policy = UrlPolicy::public_only();
        for authority in [
            "2130706433:80",
            "[::ffff:7f00:1]:80",
            "0.0.0.0:80",
            "[::]:80",
            "localhost:80",
        ] {
            let endpoint = Endpoint::tunnel(authority).unwrap();
            assert!(policy.check_endpoint(&endpoint).is_err(), "{authority}");
        }
    }
}
