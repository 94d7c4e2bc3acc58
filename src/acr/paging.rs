//! Listings as streams of pages, so a caller can show the first page at once. A listing that is
//! cut short ends with an error item: there are no silent partial results.

use super::error::{AcrError, Result};
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

#[cfg(test)]
mod tests {
    use super::*;

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
