//! Which URLs and addresses Replica may load (DESIGN.md §7).
//!
//! The policy is pure: callers resolve DNS themselves and ask [`UrlPolicy::check_addr`] about
//! every address they are about to connect to, after resolution and again after each redirect.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

/// What may be loaded. The CLI allows everything; the server refuses private networks unless
/// started with `--allow-private`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPolicy {
    allow_private: bool,
    /// Host names and addresses refused whatever the ranges say (lower-case).
    denied: Vec<String>,
}

/// Why a URL or address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    #[error("only http and https URLs are allowed, not {scheme:?}")]
    Scheme { scheme: String },
    #[error("the URL has no host")]
    NoHost,
    #[error(
        "{host} is a {kind} address, which this server does not load (start it with --allow-private to allow)"
    )]
    PrivateAddress { host: String, kind: &'static str },
    #[error("{host} is on the deny list")]
    Denied { host: String },
}

impl UrlPolicy {
    /// Everything http(s) is allowed, private networks included (the CLI default).
    pub fn allow_all() -> UrlPolicy {
        UrlPolicy {
            allow_private: true,
            denied: Vec::new(),
        }
    }

    /// Public internet only: loopback, private, link-local, metadata and other special-purpose
    /// ranges are refused.
    pub fn public_only() -> UrlPolicy {
        UrlPolicy {
            allow_private: false,
            denied: Vec::new(),
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

    pub fn allows_private(&self) -> bool {
        self.allow_private
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
        let host = url.host().ok_or(PolicyViolation::NoHost)?;
        let host_text = match &host {
            url::Host::Domain(name) => name.trim_end_matches('.').to_ascii_lowercase(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => ip.to_string(),
        };
        if self.denied.contains(&host_text) {
            return Err(PolicyViolation::Denied { host: host_text });
        }
        if self.allow_private {
            return Ok(());
        }
        match host {
            url::Host::Ipv4(ip) => self.check_addr(&host_text, IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => self.check_addr(&host_text, IpAddr::V6(ip)),
            url::Host::Domain(name) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                let internal = name == "localhost"
                    || name.ends_with(".localhost")
                    || name == "metadata.google.internal"
                    || name.ends_with(".internal");
                if internal {
                    return Err(PolicyViolation::PrivateAddress {
                        host: name,
                        kind: "internal host name",
                    });
                }
                Ok(())
            }
        }
    }

    /// Checks one resolved address of `host`.
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
}

/// Names the special-purpose range `addr` lies in, or `None` for a public unicast address.
fn special_purpose_kind(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(ip) => special_purpose_v4(ip),
        IpAddr::V6(ip) => {
            if let Some(v4) = embedded_v4(ip) {
                return special_purpose_v4(v4);
            }
            let first = ip.segments()[0];
            if ip.is_loopback() {
                Some("loopback")
            } else if ip.is_unspecified() {
                Some("unspecified")
            } else if first & 0xfe00 == 0xfc00 {
                Some("private (unique local)")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if ip.is_multicast() {
                Some("multicast")
            } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
                Some("documentation")
            } else {
                None
            }
        }
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

/// IPv4 addresses carried inside IPv6 (mapped, compatible and NAT64) are judged as IPv4.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let nat64 = s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0);
    let compatible = s[..6].iter().all(|&x| x == 0) && (s[6] != 0 || s[7] > 1);
    if nat64 || compatible {
        return Some(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    None
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
        ] {
            assert!(refused(addr), "{addr} should be refused");
        }
        for addr in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
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
            "169.254.169.254 is a cloud metadata address, which this server does not load (start it with --allow-private to allow)"
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
}
