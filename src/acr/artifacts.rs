//! OCI artifacts that refer to an image (OCI 1.1's `subject`): pushing one with its blobs, and
//! finding them again through the referrers API (`GET /v2/<name>/referrers/<digest>`), so that
//! anything stored next to an image (a promotion request, its approvals) is found by the image's
//! digest with nothing else to run.

use super::error::{AcrError, ErrorKind, Result};
use super::http::Req;
use super::registry::{RegistryClient, path, segment};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use std::collections::BTreeMap;

/// The OCI image manifest's media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// The empty descriptor's media type and content (`{}`): the one layer of an artifact whose
/// content is all in its config.
pub const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
pub const EMPTY_JSON: &[u8] = b"{}";

/// A content descriptor: what a manifest, an index or the referrers API names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    /// The descriptor of some bytes of this media type.
    pub fn of(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest: sha256(bytes),
            size: bytes.len() as u64,
            artifact_type: None,
            annotations: BTreeMap::new(),
        }
    }
}

/// `sha256:<hex>` of some bytes.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// An artifact to push: its type, its config (all of its content), the manifest it refers to,
/// and the annotations the referrers API will list.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub artifact_type: String,
    pub config: Vec<u8>,
    pub subject: Descriptor,
    pub annotations: BTreeMap<String, String>,
}

impl Artifact {
    /// The image manifest that carries it: the config under the artifact's own media type,
    /// the empty descriptor as its one layer (OCI's guidance for portability).
    pub fn manifest(&self) -> Vec<u8> {
        let config = Descriptor::of(&self.artifact_type, &self.config);
        let layer = Descriptor::of(EMPTY_MEDIA_TYPE, EMPTY_JSON);
        let subject = Descriptor {
            artifact_type: None,
            annotations: BTreeMap::new(),
            ..self.subject.clone()
        };
        let m = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": self.artifact_type,
            "config": config,
            "layers": [layer],
            "subject": subject,
            "annotations": self.annotations,
        });
        serde_json::to_vec(&m).unwrap_or_default()
    }
}

/// What a push of an artifact came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    pub digest: String,
    /// The registry answered `OCI-Subject`: it keeps the subject and lists the artifact among
    /// the image's referrers.
    pub subject_kept: bool,
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

impl RegistryClient {
    /// Whether the repository holds a blob.
    pub async fn blob_exists(&self, repo: &str, digest: &str) -> Result<bool> {
        let target = self.target(&format!("{repo}@{digest}"));
        let req = Req::new(
            Method::HEAD,
            self.url(&format!("v2/{}/blobs/{}", path(repo), segment(digest)))?,
            "check blob",
            target,
        );
        match self.call(req, &format!("repository:{repo}:pull")).await {
            Ok(_) => Ok(true),
            Err(e) if e.status == Some(404) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Uploads a blob (unless the repository has it): an upload session, then its content with
    /// the digest. Returns the digest.
    pub async fn put_blob(&self, repo: &str, bytes: &[u8]) -> Result<String> {
        let digest = sha256(bytes);
        let target = self.target(&format!("{repo}@{digest}"));
        self.refuse_if_readonly("upload blob", &target)?;
        if self.blob_exists(repo, &digest).await? {
            return Ok(digest);
        }
        let scope = format!("repository:{repo}:push");
        let start = Req::new(
            Method::POST,
            self.url(&format!("v2/{}/blobs/uploads/", path(repo)))?,
            "start blob upload",
            target.clone(),
        )
        // Starting a session changes nothing that matters: a lost answer is safe to resend.
        .idempotent();
        let resp = self.call(start, &scope).await?;
        let location = resp.header("location").unwrap_or_default().to_string();
        let mut url = self.url(&location).or_else(|_| {
            url::Url::parse(&location).map_err(|e| {
                AcrError::new(
                    ErrorKind::Invalid,
                    "upload blob",
                    target.clone(),
                    format!("bad upload location: {e}"),
                )
            })
        })?;
        url.query_pairs_mut().append_pair("digest", &digest);
        let mut put = Req::new(Method::PUT, url, "upload blob", target);
        put.body = Some((bytes::Bytes::copy_from_slice(bytes), "application/octet-stream"));
        self.call(put, &scope).await?;
        Ok(digest)
    }

    /// Pushes an artifact by digest (no tag): its config and layer blobs, then its manifest.
    pub async fn push_artifact(&self, repo: &str, artifact: &Artifact) -> Result<Pushed> {
        let target = self.target(repo);
        self.refuse_if_readonly("push artifact", &target)?;
        self.put_blob(repo, &artifact.config).await?;
        self.put_blob(repo, EMPTY_JSON).await?;
        let body = artifact.manifest();
        let digest = sha256(&body);
        let mut req = Req::new(
            Method::PUT,
            self.url(&format!("v2/{}/manifests/{}", path(repo), segment(&digest)))?,
            "push artifact",
            self.target(&format!("{repo}@{digest}")),
        );
        req.body = Some((bytes::Bytes::from(body), "application/octet-stream"));
        req.headers.push(("content-type".into(), OCI_MANIFEST.to_string()));
        let resp = self.call(req, &format!("repository:{repo}:push")).await?;
        Ok(Pushed {
            subject_kept: resp.header("oci-subject") == Some(artifact.subject.digest.as_str()),
            digest,
        })
    }

    /// The descriptor of a manifest (for a `subject`): its media type, digest and size.
    pub async fn descriptor(&self, repo: &str, reference: &str) -> Result<Descriptor> {
        let (media_type, body) = self.get_manifest(repo, reference).await?;
        Ok(Descriptor::of(&media_type, &body))
    }

    /// The artifacts whose subject is `digest`, of `artifact_type` only when given (the
    /// registry filters, or, when it does not say it did, acrdeck does).
    pub async fn referrers(&self, repo: &str, digest: &str, artifact_type: Option<&str>) -> Result<Vec<Descriptor>> {
        let target = self.target(&format!("{repo}@{digest}"));
        let mut url = self.url(&format!("v2/{}/referrers/{}", path(repo), segment(digest)))?;
        if let Some(t) = artifact_type {
            url.query_pairs_mut().append_pair("artifactType", t);
        }
        let req = Req::new(Method::GET, url, "list referrers", target.clone())
            .header("accept", "application/vnd.oci.image.index.v1+json");
        let resp = self.call(req, &format!("repository:{repo}:pull")).await?;
        let index: Index = resp.json("list referrers", &target)?;
        Ok(index
            .manifests
            .into_iter()
            .filter(|d| artifact_type.is_none_or(|t| d.artifact_type.as_deref() == Some(t)))
            .collect())
    }

    /// A blob's content (an artifact's config).
    pub async fn get_blob(&self, repo: &str, digest: &str) -> Result<bytes::Bytes> {
        let target = self.target(&format!("{repo}@{digest}"));
        let req = Req::new(
            Method::GET,
            self.url(&format!("v2/{}/blobs/{}", path(repo), segment(digest)))?,
            "read blob",
            target.clone(),
        );
        let resp = self.call(req, &format!("repository:{repo}:pull")).await?;
        if sha256(&resp.body) != digest {
            return Err(AcrError::new(
                ErrorKind::Invalid,
                "read blob",
                target,
                "the content does not match its digest",
            ));
        }
        Ok(resp.body)
    }
}
