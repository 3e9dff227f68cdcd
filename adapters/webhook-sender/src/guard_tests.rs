#![allow(clippy::unwrap_used)]
//! The SSRF guard's unit tests: the address classifier, the URL's shape, literals and
//! `localhost`, the resolver's filtering.

use super::*;

fn public(text: &str) -> bool {
    is_public(text.parse().unwrap())
}

#[test]
fn public_unicast_addresses_are_allowed() {
    for ip in [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:2800:220:1::1",
        "2001:4860:4860::8888",
        "2a00:1450:4001:80b::200e",
        "::ffff:93.184.216.34",
        "64:ff9b::5db8:d822",
    ] {
        assert!(public(ip), "{ip} should be public");
    }
}

#[test]
fn non_public_ipv4_addresses_are_refused() {
    for ip in [
        "0.0.0.0",
        "0.1.2.3",
        "10.0.0.1",
        "100.64.0.1",
        "100.127.255.254",
        "127.0.0.1",
        "127.255.255.254",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.88.99.1",
        "192.168.1.1",
        "198.18.0.1",
        "198.19.255.255",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
    ] {
        assert!(!public(ip), "{ip} should be refused");
    }
}

#[test]
fn the_edges_of_the_refused_ipv4_blocks_are_public() {
    for ip in [
        "9.255.255.255",
        "11.0.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "169.253.255.255",
        "198.17.255.255",
        "198.20.0.0",
        "223.255.255.255",
    ] {
        assert!(public(ip), "{ip} should be public");
    }
}

#[test]
fn non_public_ipv6_addresses_are_refused() {
    for ip in [
        "::",
        "::1",
        "fe80::1",
        "febf::1",
        "fc00::1",
        "fd12:3456:789a::1",
        "fec0::1",
        "ff02::1",
        "ff0e::1",
        "100::1",
        "2001:db8::1",
        "2001::1",
        "2001:2::1",
        "3fff::1",
        "64:ff9b:1::1",
    ] {
        assert!(!public(ip), "{ip} should be refused");
    }
}

#[test]
fn ipv6_forms_of_refused_ipv4_addresses_are_refused() {
    for ip in [
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:0.0.0.0",
        "::127.0.0.1",
        "::10.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::1",
        "2002:c0a8:101::1",
    ] {
        assert!(!public(ip), "{ip} should be refused");
    }
}

#[test]
fn the_shape_of_the_url_is_checked_before_anything_else() {
    let reason = |url: &str| match endpoint(url) {
        Err(SendError::Refused(reason)) => reason,
        other => panic!("{url}: {other:?}"),
    };
    assert!(reason("ftp://example.com/").contains("http or https"));
    assert!(reason("http://user:pw@example.com/").contains("user name or password"));
    assert!(reason("https://user@example.com/").contains("user name or password"));
    assert!(reason("not a url").contains("not a valid URL"));
    assert!(reason("file:///etc/passwd").contains("http or https"));
    assert!(endpoint("https://example.com:8443/hooks?x=1").is_ok());
}

#[test]
fn literal_hosts_and_loopback_names_are_refused_as_written() {
    let literal = |url: &str| endpoint(url).unwrap().check_literal();
    for url in [
        "http://127.0.0.1:1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://api.localhost:8080/",
        "http://169.254.169.254/latest/meta-data",
    ] {
        assert!(
            matches!(literal(url), Err(SendError::Refused(_))),
            "{url} should be refused"
        );
    }
    assert_eq!(literal("https://93.184.216.34/"), Ok(()));
    assert_eq!(literal("https://example.com/"), Ok(()));
    assert_eq!(literal("https://localhost.example.com/"), Ok(()));
}

#[test]
fn resolved_addresses_are_narrowed_to_the_public_ones() {
    let addr = |text: &str| SocketAddr::new(text.parse().unwrap(), 0);
    let kept = keep_public(
        "mixed.example",
        [addr("10.0.0.1"), addr("93.184.216.34"), addr("::1")],
    )
    .unwrap();
    assert_eq!(kept, vec![addr("93.184.216.34")]);
    let refused = keep_public("rebound.example", [addr("127.0.0.1"), addr("fd00::1")])
        .unwrap_err()
        .to_string();
    assert_eq!(
        refused,
        "rebound.example resolves to no public address (127.0.0.1, fd00::1)"
    );
}

#[tokio::test]
async fn the_resolver_refuses_a_name_of_loopback_addresses() {
    let name: Name = "localhost".parse().unwrap();
    let Err(e) = GuardedResolver.resolve(name).await else {
        panic!("localhost resolved to a public address")
    };
    assert!(e.downcast_ref::<RefusedAddresses>().is_some(), "{e}");
}
