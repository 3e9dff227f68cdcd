//! The SSRF guard: which destinations a tenant's webhook endpoint may name.
//!
//! Three layers, each refusing what the next cannot see:
//! - [`endpoint`]: the URL's shape (`http`/`https`, a host, no userinfo), always;
//! - [`Endpoint::check_literal`]: the host named directly, when private destinations are not
//!   allowed: an IP literal (reqwest connects to one without asking any resolver) or the name
//!   `localhost`/`*.localhost`;
//! - [`GuardedResolver`]: every name reqwest resolves at connect time, so a name that resolved
//!   to a public address when the endpoint was registered and to a private one now (DNS
//!   rebinding) reaches nothing; `check_url` resolves the same way with [`resolve_checked`].
//!
//! No maintained crate classifies addresses for this purpose (`iprfc` 1.0 mirrors the IANA
//! registries but says it is no SSRF defence and leaves IPv4-mapped addresses unnormalised;
//! `ip_rfc` 0.1 has had one release; `antissrf` 0.1 brings reqwest-middleware and a policy
//! engine), and `IpAddr::is_global` is still unstable, so [`is_public`] is the std predicates
//! plus a small table.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use onramp_domain::ports::SendError;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// IPv4 blocks that are not globally reachable and that the std predicates used in
/// [`is_public_v4`] do not name (IANA IPv4 Special-Purpose Address Registry).
const V4_SPECIAL: [(Ipv4Addr, u8); 6] = [
    // "This network" (RFC 791): 0.0.0.0 is `is_unspecified`, the rest of the block too.
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    // Shared address space, carrier-grade NAT (RFC 6598).
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    // IETF protocol assignments (RFC 6890), DS-Lite (RFC 6333) among them.
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    // The deprecated 6to4 relay anycast (RFC 7526).
    (Ipv4Addr::new(192, 88, 99, 0), 24),
    // Benchmarking (RFC 2544).
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    // Reserved (RFC 1112), the limited broadcast address among them.
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// IPv6 blocks inside global unicast (`2000::/3`) that are not globally reachable.
const V6_SPECIAL: [(Ipv6Addr, u8); 3] = [
    // IETF protocol assignments (RFC 2928): Teredo, benchmarking, ORCHID...
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
    // Documentation (RFC 3849).
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    // Documentation (RFC 9637).
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),
];

/// Whether a webhook may be sent to `ip` when private destinations are not allowed: true for
/// a globally reachable unicast address.
///
/// False for IPv4 loopback, private (RFC 1918), link-local (`169.254/16`, cloud metadata),
/// shared (`100.64/10`), `0/8`, documentation, benchmarking, reserved, broadcast and multicast
/// addresses; for IPv6 anything outside global unicast `2000::/3` (loopback, unspecified,
/// link-local `fe80::/10`, unique local `fc00::/7`, multicast, discard-only) and the special
/// and documentation blocks inside it. An IPv6 address carrying an IPv4 one (IPv4-mapped
/// `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is
/// judged by the IPv4 address it reaches.
#[must_use]
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let special = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || V4_SPECIAL.iter().any(|&(net, len)| in_v4(ip, net, len));
    !special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let global_unicast = ip.segments()[0] & 0xe000 == 0x2000;
    global_unicast && !V6_SPECIAL.iter().any(|&(net, len)| in_v6(ip, net, len))
}

/// The IPv4 address an IPv6 one stands for: IPv4-mapped and IPv4-compatible (`to_ipv4`,
/// which makes `::` and `::1` into `0.0.0.0` and `0.0.0.1`, both refused), the NAT64
/// well-known prefix `64:ff9b::/96` (RFC 6052), and 6to4 `2002:AABB:CCDD::/48` (RFC 3056).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4() {
        return Some(v4);
    }
    let octets = ip.octets();
    let s = ip.segments();
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(Ipv4Addr::new(
            octets[12], octets[13], octets[14], octets[15],
        ));
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(octets[2], octets[3], octets[4], octets[5]));
    }
    None
}

fn in_v4(ip: Ipv4Addr, net: Ipv4Addr, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net) & mask
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net) & mask
}

/// A parsed endpoint URL whose shape was checked.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) url: Url,
}

/// Parses `url` and checks its shape: `http` or `https`, a host, no userinfo (credentials in
/// an endpoint URL would be sent to whoever answers, and `user@host` hides the real host from
/// a reader).
///
/// # Errors
/// [`SendError::Refused`] with the reason.
pub(crate) fn endpoint(url: &str) -> Result<Endpoint, SendError> {
    let url = Url::parse(url).map_err(|e| refused(format!("not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refused(format!(
            "the scheme must be http or https, not {}",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused("the URL may not hold a user name or password"));
    }
    if url.host().is_none() {
        return Err(refused("the URL has no host"));
    }
    Ok(Endpoint { url })
}

impl Endpoint {
    /// Checks the host as written: an IP literal must be public, and `localhost` or a name
    /// under it is refused without asking DNS (RFC 6761 reserves them for loopback).
    ///
    /// # Errors
    /// [`SendError::Refused`] with the reason.
    pub(crate) fn check_literal(&self) -> Result<(), SendError> {
        match self.url.host() {
            Some(Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => check_name(name),
            None => Err(refused("the URL has no host")),
        }
    }

    /// The host name to resolve, when the host is one (not an IP literal).
    pub(crate) fn domain(&self) -> Option<&str> {
        self.url.domain()
    }

    /// The URL's port, or its scheme's.
    pub(crate) fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(80)
    }
}

fn check_ip(ip: IpAddr) -> Result<(), SendError> {
    if is_public(ip) {
        Ok(())
    } else {
        Err(refused(format!("{ip} is not a public address")))
    }
}

fn check_name(name: &str) -> Result<(), SendError> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return Err(refused(format!("{name} is a loopback name")));
    }
    Ok(())
}

/// Resolves `name` and refuses it when any of its addresses is not public (registration is
/// strict; a delivery goes on to the public ones, see [`GuardedResolver`]).
///
/// # Errors
/// [`SendError::Refused`] when the name does not resolve within `timeout`, resolves to no
/// address, or resolves to a non-public one.
pub(crate) async fn resolve_checked(
    name: &str,
    port: u16,
    timeout: Duration,
) -> Result<(), SendError> {
    let lookup = tokio::net::lookup_host((name, port));
    let addrs: Vec<SocketAddr> = match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(addrs)) => addrs.collect(),
        Ok(Err(e)) => return Err(refused(format!("{name} does not resolve ({e})"))),
        Err(_) => return Err(refused(format!("resolving {name} timed out"))),
    };
    if addrs.is_empty() {
        return Err(refused(format!("{name} resolves to no address")));
    }
    match addrs.iter().find(|a| !is_public(a.ip())) {
        Some(a) => Err(refused(format!(
            "{name} resolves to {}, which is not a public address",
            a.ip()
        ))),
        None => Ok(()),
    }
}

/// The error type of reqwest's resolvers.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn refused(reason: impl Into<String>) -> SendError {
    SendError::Refused(reason.into())
}

/// The error [`GuardedResolver`] fails a connection with when no resolved address is public;
/// found again in reqwest's error chain to answer [`SendError::Refused`].
#[derive(Debug)]
pub(crate) struct RefusedAddresses {
    pub(crate) name: String,
    pub(crate) refused: Vec<IpAddr>,
}

impl fmt::Display for RefusedAddresses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self.refused.iter().map(ToString::to_string).collect();
        write!(
            f,
            "{} resolves to no public address ({})",
            self.name,
            list.join(", ")
        )
    }
}

impl std::error::Error for RefusedAddresses {}

/// Keeps the public addresses of `addrs`, or says which were refused when none is.
pub(crate) fn keep_public(
    name: &str,
    addrs: impl IntoIterator<Item = SocketAddr>,
) -> Result<Vec<SocketAddr>, RefusedAddresses> {
    let (public, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addrs.into_iter().partition(|a| is_public(a.ip()));
    if public.is_empty() {
        return Err(RefusedAddresses {
            name: name.to_string(),
            refused: refused.iter().map(SocketAddr::ip).collect(),
        });
    }
    Ok(public)
}

/// reqwest's DNS resolver when private destinations are not allowed: the system resolver
/// (`getaddrinfo`, through tokio), keeping only public addresses, so the connection can only
/// be made to one of them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_string();
        Box::pin(async move {
            // Port 0: reqwest puts the URL's (or the scheme's) port in.
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public = keep_public(&name, found)?;
            Ok::<Addrs, BoxError>(Box::new(public.into_iter()))
        })
    }
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
