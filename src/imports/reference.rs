//! Image references by the grammar of the CNCF Distribution project (`reference/reference.go`),
//! which docker, containerd and ACR share:
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ domain "/" ] path-component { "/" path-component }
//! domain     := host [ ":" port ]        (a first component with "." or ":", or "localhost")
//! path-comp  := [a-z0-9]+ { ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ }
//! tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest     := algorithm ":" hex        (sha256: 64 lower-case hex digits)
//! ```
//!
//! Hand-written rather than a crate's regex so each mistake gets its own message: an operator
//! reading "uppercase letters are not allowed in a repository (`Ingress`)" fixes the line at once.

use std::fmt;

/// A parsed image reference. `domain` is `None` when the name has none (docker.io then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub domain: Option<String>,
    /// The repository path, without the domain: `ingress-nginx/controller`.
    pub path: String,
    pub tag: Option<String>,
    /// `sha256:...`, when the reference pins one.
    pub digest: Option<String>,
}

/// Longest repository name (domain and path) the grammar allows.
const NAME_MAX: usize = 255;
const TAG_MAX: usize = 128;

impl Reference {
    /// Parses `text` (already trimmed) as a full reference: domain, tag and digest allowed.
    pub fn parse(text: &str) -> Result<Reference, String> {
        if text.is_empty() {
            return Err("the reference is empty".into());
        }
        if let Some(c) = text.chars().find(|c| c.is_whitespace()) {
            return Err(format!("`{text}` contains whitespace ({c:?})"));
        }
        let (rest, digest) = match text.split_once('@') {
            Some((name, digest)) => {
                check_digest(digest)?;
                (name, Some(digest.to_string()))
            }
            None => (text, None),
        };
        // The tag is after the last ':' that comes after the last '/' (a ':' before a '/' is a
        // port: `localhost:5000/app`).
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[last_slash..].find(':') {
            Some(i) => {
                let at = last_slash + i;
                let tag = &rest[at + 1..];
                check_tag(tag)?;
                (&rest[..at], Some(tag.to_string()))
            }
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(format!("`{text}` has no repository name"));
        }
        if name.len() > NAME_MAX {
            return Err(format!(
                "the repository name is {} characters long; at most {NAME_MAX} are allowed",
                name.len()
            ));
        }
        let (domain, path) = split_domain(name);
        if let Some(d) = domain {
            check_domain(d)?;
        }
        check_path(path)?;
        Ok(Reference {
            domain: domain.map(str::to_string),
            path: path.to_string(),
            tag,
            digest,
        })
    }

    /// The registry host the image comes from (`docker.io` when the name has no domain).
    pub fn registry(&self) -> &str {
        self.domain.as_deref().unwrap_or("docker.io")
    }

    /// The tag the image is imported under: its own, or `latest` (as `docker pull` does).
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// The image within its registry, as importImage's `sourceImage` takes it:
    /// `path:tag`, `path@digest`, or `path:tag@digest` (the digest is what is imported then).
    pub fn source_image(&self) -> String {
        let mut s = self.path.clone();
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.domain {
            write!(f, "{d}/")?;
        }
        f.write_str(&self.source_image())
    }
}

/// Splits off the first component when it is a registry host, as docker does: it has a `.` or a
/// `:` in it, or is `localhost`.
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (Some(first), rest),
        _ => (None, name),
    }
}

fn check_domain(domain: &str) -> Result<(), String> {
    let (host, port) = if let Some(v6) = domain.strip_prefix('[') {
        match v6.split_once(']') {
            Some((addr, rest)) if addr.parse::<std::net::Ipv6Addr>().is_ok() => (None, rest.strip_prefix(':')),
            _ => return Err(format!("the registry host `{domain}` is not a valid IPv6 address")),
        }
    } else {
        match domain.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(domain), None),
        }
    };
    if let Some(host) = host {
        let ok = !host.is_empty()
            && host.split('.').all(|c| {
                !c.is_empty()
                    && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !c.starts_with('-')
                    && !c.ends_with('-')
            });
        if !ok {
            return Err(format!("the registry host `{host}` is not a valid host name"));
        }
    }
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("the port `{p}` of registry `{domain}` is not a number"));
    }
    Ok(())
}

/// Checks a repository path (no domain): lower-case components joined by `/`.
pub fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the repository path is empty".into());
    }
    if path.len() > NAME_MAX {
        return Err(format!(
            "the repository name is {} characters long; at most {NAME_MAX} are allowed",
            path.len()
        ));
    }
    for component in path.split('/') {
        if component.is_empty() {
            return Err(format!(
                "`{path}` has an empty path component (`//` or a `/` at an end)"
            ));
        }
        if component.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "uppercase letters are not allowed in a repository (`{component}` in `{path}`)"
            ));
        }
        if !path_component_ok(component) {
            return Err(format!(
                "`{component}` is not a valid repository path component: lower-case letters and \
                 digits, separated by one `.`, one or two `_`, or dashes"
            ));
        }
    }
    Ok(())
}

/// `[a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*`
fn path_component_ok(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && alnum(b[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == b.len() {
            return true;
        }
        let sep_start = i;
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
        debug_assert!(i > sep_start);
    }
}

fn check_tag(tag: &str) -> Result<(), String> {
    let b = tag.as_bytes();
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    if b.is_empty() {
        return Err("the tag after `:` is empty".into());
    }
    if b.len() > TAG_MAX {
        return Err(format!(
            "the tag is {} characters long; at most {TAG_MAX} are allowed",
            b.len()
        ));
    }
    if !word(b[0]) || !b.iter().all(|&x| word(x) || x == b'.' || x == b'-') {
        return Err(format!(
            "`{tag}` is not a valid tag: letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
        ));
    }
    Ok(())
}

fn check_digest(digest: &str) -> Result<(), String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!("`{digest}` is not a digest (`sha256:` and 64 hex digits)"));
    };
    let hex_ok = |n: usize| hex.len() == n && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let ok = match algorithm {
        "sha256" => hex_ok(64),
        "sha512" => hex_ok(128),
        _ => false,
    };
    if !ok {
        return Err(format!(
            "`{digest}` is not a valid digest (`sha256:` and 64 lower-case hex digits)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:f39b9ff6bc95b23f94b7b3a9a8b6f0b13e44bf0d7b9e5d3d7b26d6b2bd55a1c2";

    #[test]
    fn names_tags_digests_and_domains() {
        let r = Reference::parse("registry.k8s.io/ingress-nginx/controller:v1.11.1").unwrap();
        assert_eq!(r.domain.as_deref(), Some("registry.k8s.io"));
        assert_eq!(r.path, "ingress-nginx/controller");
        assert_eq!(r.tag.as_deref(), Some("v1.11.1"));
        assert_eq!(r.source_image(), "ingress-nginx/controller:v1.11.1");

        let r = Reference::parse("nginx").unwrap();
        assert_eq!(
            (r.registry(), r.path.as_str(), r.tag_or_latest()),
            ("docker.io", "nginx", "latest")
        );

        let r = Reference::parse("localhost:5000/team/app:1.0").unwrap();
        assert_eq!(r.domain.as_deref(), Some("localhost:5000"));
        let r = Reference::parse("localhost/app").unwrap();
        assert_eq!(r.domain.as_deref(), Some("localhost"));
        let r = Reference::parse("[::1]:5000/app").unwrap();
        assert_eq!(r.domain.as_deref(), Some("[::1]:5000"));

        let r = Reference::parse(&format!("quay.io/jetstack/cert-manager-webhook@{D}")).unwrap();
        assert_eq!((r.tag.as_deref(), r.digest.as_deref()), (None, Some(D)));
        let r = Reference::parse(&format!("mcr.microsoft.com/a/b:v1@{D}")).unwrap();
        assert_eq!(r.source_image(), format!("a/b:v1@{D}"));
        assert_eq!(r.to_string(), format!("mcr.microsoft.com/a/b:v1@{D}"));

        for ok in ["a__b", "a.b", "a---b", "a_b/c-d", "x/y/z/w", "1"] {
            assert!(Reference::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn each_mistake_is_named() {
        let e = |t: &str| Reference::parse(t).unwrap_err();
        assert!(e("").contains("empty"));
        assert!(
            e("docker.io/Library/nginx").contains("uppercase"),
            "{}",
            e("docker.io/Library/nginx")
        );
        assert!(e("nginx:").contains("tag after `:` is empty"));
        assert!(e("nginx:-x").contains("not a valid tag"));
        assert!(e(&format!("nginx:{}", "a".repeat(129))).contains("at most 128"));
        assert!(e("nginx@sha256:abc").contains("not a valid digest"));
        assert!(e("nginx@md5:abc").contains("not a valid digest"));
        assert!(e(&format!("nginx@{}", D.to_uppercase().replacen("SHA256", "sha256", 1))).contains("digest"));
        assert!(e("a//b").contains("empty path component"));
        assert!(e("a/").contains("empty path component"));
        assert!(e("a..b").contains("not a valid repository path component"));
        assert!(e("a___b").contains("not a valid repository path component"));
        assert!(e("-a").contains("not a valid repository path component"));
        assert!(e("ngi nx").contains("whitespace"));
        assert!(e("bad_host.io/x").contains("not a valid host name"));
        assert!(e("host.io:abc/x").contains("not a number"));
        assert!(e(":tag").contains("no repository"));
        assert!(e(&format!("{}/x", "a".repeat(300))).contains("at most 255"));
    }
}
