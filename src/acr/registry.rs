//! One registry's data plane: the catalog, repositories, tags (newest first), manifests, the
//! locks (`changeableAttributes` on a repository, a tag or a manifest) and resolving a tag to its
//! digest. The generic OCI calls (`/v2/_catalog`, `/v2/<name>/tags/list`, manifest HEAD) work on
//! any distribution registry, with or without tokens.

use super::auth::AcrAuth;
use super::error::{AcrError, ErrorKind, Result};
use super::http::{Http, Req, Resp, error_from};
use super::model::*;
use super::paging::{Follow, Next, Pages, next_link};
use futures::StreamExt;
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use url::Url;

/// Manifest media types a client accepts when resolving a tag (index first: multi-arch images).
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

#[derive(Clone)]
pub struct RegistryClient {
    http: Http,
    /// `None`: an anonymous registry (a plain distribution registry).
    auth: Option<Arc<AcrAuth>>,
    login_server: String,
    base: Url,
    readonly: bool,
}

/// The most scopes asked for in one token request. The token carries one access entry per
/// scope, and it travels in every request's `Authorization` header: fifty repositories keep it
/// near 5 KB, well within the header sizes servers and proxies accept (8 to 16 KB).
pub const SCOPES_PER_TOKEN: usize = 50;

/// Order of a tag listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagOrder {
    Name,
    NewestFirst,
    OldestFirst,
}

/// Bytes a path segment cannot carry as they are: controls, space, the URL's delimiters, and
/// `/` (a tag or digest is one segment). A URL parser would otherwise drop or misread them (it
/// strips a trailing control character, and stops the path at `?` or `#`).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// A tag or digest as one path segment.
pub(super) fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// A repository name as path segments (its `/` kept as separators).
pub(super) fn path(repo: &str) -> String {
    repo.split('/').map(segment).collect::<Vec<_>>().join("/")
}

impl RegistryClient {
    pub fn new(http: Http, auth: Option<Arc<AcrAuth>>, login_server: &str, readonly: bool) -> Result<RegistryClient> {
        let base = Url::parse(&format!("https://{login_server}/"))
            .map_err(|e| AcrError::new(ErrorKind::Invalid, "open registry", login_server, e.to_string()))?;
        Ok(RegistryClient {
            http,
            auth,
            login_server: login_server.to_string(),
            base,
            readonly,
        })
    }

    pub fn login_server(&self) -> &str {
        &self.login_server
    }

    /// Joins a path built with [`path`] and [`segment`] to the registry's address.
    pub(super) fn url(&self, path_and_query: &str) -> Result<Url> {
        self.base.join(path_and_query.trim_start_matches('/')).map_err(|e| {
            AcrError::new(
                ErrorKind::Invalid,
                "build a request",
                self.login_server.clone(),
                e.to_string(),
            )
        })
    }

    pub(super) fn target(&self, what: &str) -> String {
        if what.is_empty() {
            self.login_server.clone()
        } else {
            format!("{}/{what}", self.login_server)
        }
    }

    /// Sends with a token for `scope`. A 401 makes it forget the registry's tokens and try once
    /// more with a fresh exchange (tokens expire, or are revoked, mid-session); the challenge's
    /// own scope is used for the retry when it names one.
    pub(super) async fn call(&self, req: Req, scope: &str) -> Result<Resp> {
        let Some(auth) = &self.auth else {
            let resp = self.http.send(&req, None).await?;
            return if resp.status.is_success() {
                Ok(resp)
            } else {
                Err(error_from(&resp, &req.operation, &req.target))
            };
        };
        let token = auth.token(&self.login_server, scope).await?;
        let resp = self.http.send(&req, Some(&token)).await?;
        if resp.status.as_u16() == 401 {
            auth.invalidate(&self.login_server).await;
            let challenge_scope = resp
                .header("www-authenticate")
                .and_then(|c| challenge_param(c, "scope"))
                .unwrap_or_else(|| scope.to_string());
            let token = auth.token(&self.login_server, &challenge_scope).await?;
            let resp = self.http.send(&req, Some(&token)).await?;
            return if resp.status.is_success() {
                Ok(resp)
            } else {
                Err(error_from(&resp, &req.operation, &req.target))
            };
        }
        if resp.status.is_success() {
            Ok(resp)
        } else {
            Err(error_from(&resp, &req.operation, &req.target))
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str, scope: &str, operation: &str, target: &str) -> Result<T> {
        let resp = self
            .call(Req::new(Method::GET, self.url(path)?, operation, target), scope)
            .await?;
        resp.json(operation, target)
    }

    pub(super) fn refuse_if_readonly(&self, operation: &str, target: &str) -> Result<()> {
        if self.readonly {
            return Err(AcrError::new(
                ErrorKind::ReadOnly,
                operation,
                target,
                "refused: the client is read-only",
            ));
        }
        Ok(())
    }

    /// Follows `Link: rel="next"` headers, decoding each page with `items`.
    fn pages<T: Send + 'static, P: DeserializeOwned + Send + 'static>(
        &self,
        first: Result<Url>,
        scope: String,
        operation: &str,
        target: String,
        items: fn(P) -> Vec<T>,
    ) -> Pages<T> {
        let first = match first {
            Ok(u) => u,
            Err(e) => return futures::stream::once(async move { Err(e) }).boxed(),
        };
        let me = self.clone();
        let operation = operation.to_string();
        let follow = Follow::new(&first);
        futures::stream::unfold((Next::Page(first), follow), move |(next, mut follow)| {
            let (me, scope, operation, target) = (me.clone(), scope.clone(), operation.clone(), target.clone());
            async move {
                let url = match next {
                    Next::Page(url) => url,
                    Next::Refused(e) => return Some((Err(e), (Next::End, follow))),
                    Next::End => return None,
                };
                let req = Req::new(Method::GET, url.clone(), operation.clone(), target.clone());
                match me
                    .call(req, &scope)
                    .await
                    .and_then(|r| Ok((r.json::<P>(&operation, &target)?, r)))
                {
                    Ok((page, resp)) => {
                        let next = Next::after(&mut follow, next_link(resp.header("link"), &url), &operation, &target);
                        Some((Ok(items(page)), (next, follow)))
                    }
                    Err(e) => Some((Err(e), (Next::End, follow))),
                }
            }
        })
        .boxed()
    }

    /// Repository names via ACR's catalog, `page_size` at a time.
    pub fn repositories(&self, page_size: u32) -> Pages<String> {
        let first = self.url(&format!("acr/v1/_catalog?n={page_size}"));
        self.pages(
            first,
            "registry:catalog:*".into(),
            "list repositories",
            self.target(""),
            |c: Catalog| c.repositories,
        )
    }

    /// Repository names via the OCI distribution catalog (any registry).
    pub fn oci_repositories(&self, page_size: u32) -> Pages<String> {
        let first = self.url(&format!("v2/_catalog?n={page_size}"));
        self.pages(
            first,
            "registry:catalog:*".into(),
            "list repositories",
            self.target(""),
            |c: Catalog| c.repositories,
        )
    }

    pub async fn repository(&self, repo: &str) -> Result<RepositoryProperties> {
        self.get_json(
            &format!("acr/v1/{}", path(repo)),
            &format!("repository:{repo}:metadata_read"),
            "read repository",
            &self.target(repo),
        )
        .await
    }

    /// Asks for one token covering the metadata of every repository named (one token request
    /// per [`SCOPES_PER_TOKEN`] of them), so that the reads that follow (properties, tags,
    /// manifests) find their tokens held. A refused request is only logged: each read then asks
    /// for its own token and says what failed for it.
    pub async fn prefetch_metadata_tokens(&self, repositories: &[String]) {
        let Some(auth) = &self.auth else { return };
        for chunk in repositories.chunks(SCOPES_PER_TOKEN) {
            let scopes: Vec<String> = chunk.iter().map(|n| format!("repository:{n}:metadata_read")).collect();
            if let Err(e) = auth.prefetch(&self.login_server, &scopes).await {
                tracing::debug!(error = %e, "one token for several repositories was refused; asking one by one");
            }
        }
    }

    /// The repositories named, each given out once the token for its metadata is held: the
    /// tokens of each [`SCOPES_PER_TOKEN`] of them are asked for together, just before the first
    /// of them is given out (so a caller that stops early asks for no more).
    pub fn with_metadata_tokens(&self, names: Vec<String>) -> futures::stream::BoxStream<'static, String> {
        let chunks: Vec<Vec<String>> = names.chunks(SCOPES_PER_TOKEN).map(<[String]>::to_vec).collect();
        let me = self.clone();
        futures::stream::iter(chunks)
            .then(move |chunk| {
                let me = me.clone();
                async move {
                    me.prefetch_metadata_tokens(&chunk).await;
                    futures::stream::iter(chunk)
                }
            })
            .flatten()
            .boxed()
    }

    /// Several repositories' properties, `concurrency` at a time, each as it comes (not in the
    /// order asked). The tokens they need are asked for together, one token request for every
    /// [`SCOPES_PER_TOKEN`] repositories instead of one each. When such a request fails, each
    /// call asks for its own token and says what failed for it.
    pub fn repository_details(
        &self,
        names: Vec<String>,
        concurrency: usize,
    ) -> futures::stream::BoxStream<'static, (String, Result<RepositoryProperties>)> {
        let me = self.clone();
        self.with_metadata_tokens(names)
            .map(move |name| {
                let me = me.clone();
                async move {
                    let r = me.repository(&name).await;
                    (name, r)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .boxed()
    }

    /// Tags with digest, times and locks.
    pub fn tags(&self, repo: &str, order: TagOrder, page_size: u32) -> Pages<TagProperties> {
        let orderby = match order {
            TagOrder::Name => "",
            TagOrder::NewestFirst => "&orderby=timedesc",
            TagOrder::OldestFirst => "&orderby=timeasc",
        };
        let first = self.url(&format!("acr/v1/{}/_tags?n={page_size}{orderby}", path(repo)));
        self.pages(
            first,
            format!("repository:{repo}:metadata_read"),
            "list tags",
            self.target(repo),
            |l: TagList| l.tags,
        )
    }

    /// Tag names via the OCI distribution API (any registry).
    pub fn oci_tags(&self, repo: &str, page_size: u32) -> Pages<String> {
        #[derive(serde::Deserialize)]
        struct Tags {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let first = self.url(&format!("v2/{}/tags/list?n={page_size}", path(repo)));
        self.pages(
            first,
            format!("repository:{repo}:pull"),
            "list tags",
            self.target(repo),
            |t: Tags| t.tags.unwrap_or_default(),
        )
    }

    pub async fn tag(&self, repo: &str, tag: &str) -> Result<TagProperties> {
        let r: TagAttributesResponse = self
            .get_json(
                &format!("acr/v1/{}/_tags/{}", path(repo), segment(tag)),
                &format!("repository:{repo}:metadata_read"),
                "read tag",
                &self.target(&format!("{repo}:{tag}")),
            )
            .await?;
        Ok(r.tag)
    }

    pub fn manifests(&self, repo: &str, page_size: u32) -> Pages<ManifestProperties> {
        let first = self.url(&format!(
            "acr/v1/{}/_manifests?n={page_size}&orderby=timedesc",
            path(repo)
        ));
        self.pages(
            first,
            format!("repository:{repo}:metadata_read"),
            "list manifests",
            self.target(repo),
            |l: ManifestList| l.manifests,
        )
    }

    /// A manifest's properties, by digest or tag.
    pub async fn manifest(&self, repo: &str, reference: &str) -> Result<ManifestProperties> {
        let r: ManifestAttributesResponse = self
            .get_json(
                &format!("acr/v1/{}/_manifests/{}", path(repo), segment(reference)),
                &format!("repository:{repo}:metadata_read"),
                "read manifest",
                &self.target(&format!("{repo}@{reference}")),
            )
            .await?;
        Ok(r.manifest)
    }

    /// Resolves a tag to its digest now (HEAD of the manifest, as any OCI client does).
    pub async fn resolve(&self, repo: &str, tag: &str) -> Result<String> {
        let target = self.target(&format!("{repo}:{tag}"));
        let req = Req::new(
            Method::HEAD,
            self.url(&format!("v2/{}/manifests/{}", path(repo), segment(tag)))?,
            "resolve tag",
            target.clone(),
        )
        .header("accept", MANIFEST_ACCEPT);
        let resp = self.call(req, &format!("repository:{repo}:pull")).await?;
        resp.header("docker-content-digest").map(str::to_string).ok_or_else(|| {
            AcrError::new(
                ErrorKind::InvalidResponse,
                "resolve tag",
                target,
                "the answer has no Docker-Content-Digest header",
            )
        })
    }

    pub fn attributes_body(update: &AttributesUpdate) -> serde_json::Value {
        serde_json::to_value(update).unwrap_or_default()
    }

    /// PATCHes `changeableAttributes` at `path` and returns what the registry reports after.
    async fn patch_attributes<T: DeserializeOwned>(
        &self,
        path: &str,
        repo: &str,
        target: String,
        operation: &str,
        update: &AttributesUpdate,
    ) -> Result<T> {
        self.refuse_if_readonly(operation, &target)?;
        let req =
            Req::new(Method::PATCH, self.url(path)?, operation, target.clone()).json(&Self::attributes_body(update));
        let resp = self.call(req, &format!("repository:{repo}:metadata_write")).await?;
        resp.json(operation, &target)
    }

    /// Sets locks on a repository (they cover every tag in it) and returns what the registry
    /// reports afterwards.
    pub async fn update_repository(&self, repo: &str, update: &AttributesUpdate) -> Result<RepositoryProperties> {
        self.patch_attributes(
            &format!("acr/v1/{}", path(repo)),
            repo,
            self.target(repo),
            "change repository locks",
            update,
        )
        .await
    }

    pub async fn update_tag(&self, repo: &str, tag: &str, update: &AttributesUpdate) -> Result<TagProperties> {
        let r: TagAttributesResponse = self
            .patch_attributes(
                &format!("acr/v1/{}/_tags/{}", path(repo), segment(tag)),
                repo,
                self.target(&format!("{repo}:{tag}")),
                "change tag locks",
                update,
            )
            .await?;
        Ok(r.tag)
    }

    pub async fn update_manifest(
        &self,
        repo: &str,
        digest: &str,
        update: &AttributesUpdate,
    ) -> Result<ManifestProperties> {
        let r: ManifestAttributesResponse = self
            .patch_attributes(
                &format!("acr/v1/{}/_manifests/{}", path(repo), segment(digest)),
                repo,
                self.target(&format!("{repo}@{digest}")),
                "change manifest locks",
                update,
            )
            .await?;
        Ok(r.manifest)
    }

    pub async fn delete_tag(&self, repo: &str, tag: &str) -> Result<()> {
        let target = self.target(&format!("{repo}:{tag}"));
        self.refuse_if_readonly("delete tag", &target)?;
        let req = Req::new(
            Method::DELETE,
            self.url(&format!("acr/v1/{}/_tags/{}", path(repo), segment(tag)))?,
            "delete tag",
            target,
        );
        self.call(req, &format!("repository:{repo}:delete")).await.map(|_| ())
    }

    /// Pushes a manifest under a tag (an OCI push's last step); the registry answers with the
    /// digest. Lock refusals come back as `ErrorKind::Locked`.
    pub async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        body: bytes::Bytes,
    ) -> Result<String> {
        let target = self.target(&format!("{repo}:{reference}"));
        self.refuse_if_readonly("push manifest", &target)?;
        let mut req = Req::new(
            Method::PUT,
            self.url(&format!("v2/{}/manifests/{}", path(repo), segment(reference)))?,
            "push manifest",
            target.clone(),
        );
        req.body = Some((body, "application/octet-stream"));
        req.headers.push(("content-type".into(), media_type.to_string()));
        let resp = self.call(req, &format!("repository:{repo}:push")).await?;
        Ok(resp.header("docker-content-digest").unwrap_or_default().to_string())
    }

    /// A manifest's bytes and media type.
    pub async fn get_manifest(&self, repo: &str, reference: &str) -> Result<(String, bytes::Bytes)> {
        let target = self.target(&format!("{repo}:{reference}"));
        let req = Req::new(
            Method::GET,
            self.url(&format!("v2/{}/manifests/{}", path(repo), segment(reference)))?,
            "read manifest",
            target,
        )
        .header("accept", MANIFEST_ACCEPT);
        let resp = self.call(req, &format!("repository:{repo}:pull")).await?;
        Ok((resp.header("content-type").unwrap_or_default().to_string(), resp.body))
    }
}

/// A parameter of a `Www-Authenticate: Bearer realm="...",service="...",scope="..."` challenge.
pub fn challenge_param(challenge: &str, name: &str) -> Option<String> {
    let rest = challenge.trim().strip_prefix("Bearer").unwrap_or(challenge);
    let needle = format!("{name}=\"");
    let start = rest.find(&needle)? + needle.len();
    let end = rest[start..].find('"')? + start;
    Some(rest[start..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let c = r#"Bearer realm="https://r.azurecr.io/oauth2/token",service="r.azurecr.io",scope="repository:a/b:pull,push""#;
        assert_eq!(challenge_param(c, "scope").as_deref(), Some("repository:a/b:pull,push"));
        assert_eq!(challenge_param(c, "service").as_deref(), Some("r.azurecr.io"));
        assert_eq!(challenge_param(c, "error"), None);
    }
}
