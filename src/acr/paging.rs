//! Listings as streams of pages, so a caller can show the first page at once. A listing that is
//! cut short ends with an error item: there are no silent partial results.

use super::error::{AcrError, ErrorKind, Result};
use futures::stream::{BoxStream, StreamExt};

/// A stream of pages; an `Err` item ends it and says why the listing stopped early.
pub type Pages<T> = BoxStream<'static, Result<Vec<T>>>;

/// Everything a listing produced, and whether it is all there is.
#[derive(Debug, Clone)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// Why the listing stopped before its end, if it did: the items are then partial.
    pub error: Option<AcrError>,
    pub pages: usize,
}

impl<T> Listed<T> {
    pub fn is_complete(&self) -> bool {
        self.error.is_none()
    }

    /// The items if complete, else the error.
    pub fn into_result(self) -> Result<Vec<T>> {
        match self.error {
            None => Ok(self.items),
            Some(e) => Err(e),
        }
    }
}

/// Reads a listing to its end (or to the error that cut it short).
pub async fn collect<T>(mut pages: Pages<T>) -> Listed<T> {
    let mut items = Vec::new();
    let mut count = 0;
    while let Some(page) = pages.next().await {
        match page {
            Ok(mut p) => {
                count += 1;
                items.append(&mut p);
            }
            Err(e) => {
                return Listed {
                    items,
                    error: Some(e),
                    pages: count,
                };
            }
        }
    }
    Listed {
        items,
        error: None,
        pages: count,
    }
}

/// The `next` target of a `Link: <...>; rel="next"` header, resolved against `base`.
pub fn next_link(link: Option<&str>, base: &url::Url) -> Option<url::Url> {
    let link = link?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then_some(())?;
        let target = target.trim().trim_start_matches('<').trim_end_matches('>');
        base.join(target).ok()
    })
}

/// Whether two URLs are on the same origin (scheme, host and port): where credentials may go.
pub fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// The links a listing follows, checked before each is: the bearer token goes with every page,
/// so a link to another origin than the first page's is refused; a link already followed would
/// page forever, so it ends the listing with an error naming it.
pub struct Follow {
    origin: url::Url,
    seen: std::collections::HashSet<String>,
}

impl Follow {
    pub fn new(first: &url::Url) -> Follow {
        Follow {
            origin: first.clone(),
            seen: std::collections::HashSet::from([first.to_string()]),
        }
    }

    /// The next page's URL if it may be followed, or why not.
    pub fn check(&mut self, next: url::Url, operation: &str, target: &str) -> Result<url::Url> {
        if !same_origin(&next, &self.origin) {
            return Err(AcrError::new(
                ErrorKind::InvalidResponse,
                operation,
                target,
                format!(
                    "the next page's link points at {} (scheme and host), not {} where the listing started: it was not followed, since the sign-in token goes with every page",
                    origin_of(&next),
                    origin_of(&self.origin)
                ),
            ));
        }
        if !self.seen.insert(next.to_string()) {
            return Err(AcrError::new(
                ErrorKind::InvalidResponse,
                operation,
                target,
                format!(
                    "the next page's link repeats one already followed ({}): the listing would never end",
                    super::http::redact_url(&next)
                ),
            ));
        }
        Ok(next)
    }
}

/// What a listing reads next: a page, the refusal of a link (after the page that gave it), or
/// nothing more.
pub enum Next {
    Page(url::Url),
    Refused(AcrError),
    End,
}

impl Next {
    /// What follows a page whose next link is `link`.
    pub fn after(follow: &mut Follow, link: Option<url::Url>, operation: &str, target: &str) -> Next {
        match link.map(|l| follow.check(l, operation, target)) {
            None => Next::End,
            Some(Ok(url)) => Next::Page(url),
            Some(Err(e)) => Next::Refused(e),
        }
    }
}

fn origin_of(u: &url::Url) -> String {
    match u.port() {
        Some(p) => format!("{}://{}:{p}", u.scheme(), u.host_str().unwrap_or("")),
        None => format!("{}://{}", u.scheme(), u.host_str().unwrap_or("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_another_origin_or_back_to_a_followed_page_are_refused() {
        let first = url::Url::parse("https://r.azurecr.io/acr/v1/_catalog?n=2").unwrap();
        let mut f = Follow::new(&first);
        let next = url::Url::parse("https://r.azurecr.io/acr/v1/_catalog?last=b&n=2").unwrap();
        assert_eq!(f.check(next.clone(), "list", "r").unwrap(), next);
        let again = f.check(next, "list", "r").unwrap_err();
        assert!(again.to_string().contains("repeats one already followed"), "{again}");
        for foreign in [
            "https://evil.example/acr/v1/_catalog?last=c",
            "http://r.azurecr.io/acr/v1/_catalog?last=c",
            "https://r.azurecr.io:8443/acr/v1/_catalog?last=c",
        ] {
            let e = f.check(url::Url::parse(foreign).unwrap(), "list", "r").unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidResponse);
            assert!(e.to_string().contains("was not followed"), "{e}");
        }
        assert!(
            f.check(
                url::Url::parse("https://r.azurecr.io:443/acr/v1/_catalog?last=d").unwrap(),
                "list",
                "r"
            )
            .is_ok()
        );
    }

    #[test]
    fn link_headers_resolve_relative_targets() {
        let base = url::Url::parse("https://r.azurecr.io/acr/v1/a/_tags?n=2").unwrap();
        let next = next_link(
            Some("</acr/v1/a/_tags?last=x&n=2&orderby=timedesc>; rel=\"next\""),
            &base,
        )
        .unwrap();
        assert_eq!(
            next.as_str(),
            "https://r.azurecr.io/acr/v1/a/_tags?last=x&n=2&orderby=timedesc"
        );
        assert!(next_link(Some("</x>; rel=\"prev\""), &base).is_none());
        assert!(next_link(None, &base).is_none());
    }
}
