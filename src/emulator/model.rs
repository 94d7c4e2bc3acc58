//! The emulated registries' content: repositories, tags, manifests and blobs, with ACR's lock
//! semantics (`changeableAttributes`) and the orderings the data plane pages through.
//!
//! Tags are indexed by name and by last-update time so that every page of a listing is a range
//! query, never a scan of the whole repository (a synthetic repository may hold 100,000 tags).

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// `sha256:<hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// ACR's lock switches. All enabled by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attrs {
    pub delete_enabled: bool,
    pub write_enabled: bool,
    pub read_enabled: bool,
    pub list_enabled: bool,
}

impl Default for Attrs {
    fn default() -> Self {
        Attrs {
            delete_enabled: true,
            write_enabled: true,
            read_enabled: true,
            list_enabled: true,
        }
    }
}

impl Attrs {
    /// Repository-level attributes cover every tag and manifest in it.
    pub fn and(self, other: Attrs) -> Attrs {
        Attrs {
            delete_enabled: self.delete_enabled && other.delete_enabled,
            write_enabled: self.write_enabled && other.write_enabled,
            read_enabled: self.read_enabled && other.read_enabled,
            list_enabled: self.list_enabled && other.list_enabled,
        }
    }

    /// Applies a PATCH body: only the fields present change.
    pub fn apply(&mut self, patch: &AttrsPatch) {
        if let Some(v) = patch.delete_enabled {
            self.delete_enabled = v;
        }
        if let Some(v) = patch.write_enabled {
            self.write_enabled = v;
        }
        if let Some(v) = patch.read_enabled {
            self.read_enabled = v;
        }
        if let Some(v) = patch.list_enabled {
            self.list_enabled = v;
        }
    }
}

/// A `changeableAttributes` PATCH body. Unknown fields are refused like the service does.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttrsPatch {
    pub delete_enabled: Option<bool>,
    pub write_enabled: Option<bool>,
    pub read_enabled: Option<bool>,
    pub list_enabled: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub digest: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub attrs: Attrs,
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub digest: String,
    pub media_type: String,
    pub body: Bytes,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub attrs: Attrs,
    /// Total size of config and layers (what ACR reports as imageSize).
    pub image_size: u64,
    pub config_media_type: Option<String>,
    /// (os, architecture) of a single-platform image.
    pub platform: Option<(String, String)>,
    /// Child manifests of an index: (digest, os, architecture).
    pub references: Vec<(String, String, String)>,
    /// Blobs this manifest needs (config and layers), for copies between registries.
    pub blobs: Vec<String>,
    pub tags: BTreeSet<String>,
    /// The manifest this one refers to (its `subject`): found through the referrers API.
    pub subject: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Repository {
    pub name: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub attrs: Attrs,
    pub tags: BTreeMap<String, Tag>,
    /// (last update, name) of every tag, for `orderby=timedesc` paging.
    tags_by_time: BTreeSet<(DateTime<Utc>, String)>,
    pub manifests: BTreeMap<String, Manifest>,
}

/// A data-plane refusal with the code ACR uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl DpError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> DpError {
        DpError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn disallowed() -> DpError {
        DpError::new(
            405,
            "REGISTRY_DISALLOWED_OPERATION",
            "The operation is disallowed on this registry, repository or image.",
        )
    }
    pub fn name_unknown(repo: &str) -> DpError {
        DpError::new(
            404,
            "NAME_UNKNOWN",
            format!("repository name not known to registry: {repo}"),
        )
    }
    pub fn manifest_unknown(reference: &str) -> DpError {
        DpError::new(
            404,
            "MANIFEST_UNKNOWN",
            format!("manifest tagged by \"{reference}\" is not found"),
        )
    }
    pub fn tag_unknown(tag: &str) -> DpError {
        DpError::new(404, "TAG_UNKNOWN", format!("the specified tag does not exist: {tag}"))
    }
}

/// Order of a tag or manifest listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Name,
    TimeDesc,
    TimeAsc,
}

impl Order {
    pub fn parse(s: Option<&str>) -> Order {
        match s {
            Some("timedesc") => Order::TimeDesc,
            Some("timeasc") => Order::TimeAsc,
            _ => Order::Name,
        }
    }
}

impl Repository {
    pub fn new(name: &str, now: DateTime<Utc>) -> Repository {
        Repository {
            name: name.to_string(),
            created: now,
            updated: now,
            ..Default::default()
        }
    }

    pub fn effective_tag_attrs(&self, tag: &Tag) -> Attrs {
        self.attrs.and(tag.attrs)
    }

    /// Points `tag` at `digest`, creating it or moving it. Lock checks are the caller's.
    pub fn set_tag(&mut self, tag: &str, digest: &str, now: DateTime<Utc>) {
        if let Some(old) = self.tags.get(tag).cloned() {
            self.tags_by_time.remove(&(old.updated, old.name.clone()));
            if let Some(m) = self.manifests.get_mut(&old.digest) {
                m.tags.remove(tag);
            }
            let t = Tag {
                digest: digest.to_string(),
                updated: now,
                ..old
            };
            self.tags_by_time.insert((t.updated, t.name.clone()));
            self.tags.insert(tag.to_string(), t);
        } else {
            let t = Tag {
                name: tag.to_string(),
                digest: digest.to_string(),
                created: now,
                updated: now,
                attrs: Attrs::default(),
            };
            self.tags_by_time.insert((now, tag.to_string()));
            self.tags.insert(tag.to_string(), t);
        }
        if let Some(m) = self.manifests.get_mut(digest) {
            m.tags.insert(tag.to_string());
        }
        self.updated = self.updated.max(now);
    }

    pub fn remove_tag(&mut self, tag: &str) -> Option<Tag> {
        let old = self.tags.remove(tag)?;
        self.tags_by_time.remove(&(old.updated, old.name.clone()));
        if let Some(m) = self.manifests.get_mut(&old.digest) {
            m.tags.remove(tag);
        }
        Some(old)
    }

    /// Sets a tag's creation and update times (world loading, where times are in the past).
    pub fn backdate_tag(&mut self, tag: &str, created: DateTime<Utc>, updated: DateTime<Utc>) {
        if let Some(t) = self.tags.get_mut(tag) {
            self.tags_by_time.remove(&(t.updated, t.name.clone()));
            t.created = created;
            t.updated = updated;
            self.tags_by_time.insert((updated, tag.to_string()));
        }
    }

    /// Dates a world's image as pushed at `at`: its manifest (and an index's children) and the
    /// repository's last update follow the push, not the image's build time.
    pub fn backdate_push(&mut self, tag: &str, at: DateTime<Utc>) {
        let Some(digest) = self.tags.get(tag).map(|t| t.digest.clone()) else {
            return;
        };
        let children: Vec<String> = self
            .manifests
            .get(&digest)
            .map(|m| m.references.iter().map(|(d, _, _)| d.clone()).collect())
            .unwrap_or_default();
        for d in std::iter::once(&digest).chain(&children) {
            if let Some(m) = self.manifests.get_mut(d) {
                m.created = at;
                m.updated = at;
            }
        }
        self.updated = self.tags.values().map(|t| t.updated).max().unwrap_or(at);
    }

    /// One page of visible tags in `order`, starting after the tag named `last`, and whether more
    /// follow. Tags with listEnabled=false (or in a repository with it off) are not listed.
    pub fn tag_page(&self, order: Order, last: Option<&str>, n: usize, digest: Option<&str>) -> (Vec<&Tag>, bool) {
        let visible = |t: &&Tag| self.effective_tag_attrs(t).list_enabled && digest.is_none_or(|d| t.digest == d);
        use std::ops::Bound::{Excluded, Unbounded};
        let candidates: Box<dyn Iterator<Item = &Tag> + '_> = match order {
            Order::Name => match last {
                Some(l) => Box::new(self.tags.range::<str, _>((Excluded(l), Unbounded)).map(|(_, t)| t)),
                None => Box::new(self.tags.values()),
            },
            Order::TimeDesc | Order::TimeAsc => {
                let anchor = last.and_then(|l| self.tags.get(l)).map(|t| (t.updated, t.name.clone()));
                let keys: Box<dyn Iterator<Item = &(DateTime<Utc>, String)> + '_> = match (order, anchor) {
                    (Order::TimeDesc, Some(a)) => Box::new(self.tags_by_time.range(..a).rev()),
                    (Order::TimeDesc, None) => Box::new(self.tags_by_time.iter().rev()),
                    (_, Some(a)) => Box::new(self.tags_by_time.range((Excluded(a), Unbounded))),
                    (_, None) => Box::new(self.tags_by_time.iter()),
                };
                Box::new(keys.filter_map(|(_, name)| self.tags.get(name)))
            }
        };
        let mut out: Vec<&Tag> = candidates.filter(visible).take(n + 1).collect();
        let more = out.len() > n;
        out.truncate(n);
        (out, more)
    }

    /// One page of visible manifests, ordered by digest or by update time.
    pub fn manifest_page(&self, order: Order, last: Option<&str>, n: usize) -> (Vec<&Manifest>, bool) {
        let visible = |m: &&Manifest| self.attrs.and(m.attrs).list_enabled;
        if order == Order::Name {
            // By digest: a range query, like tags.
            use std::ops::Bound::{Excluded, Unbounded};
            let iter: Box<dyn Iterator<Item = &Manifest>> = match last {
                Some(l) => Box::new(self.manifests.range::<str, _>((Excluded(l), Unbounded)).map(|(_, m)| m)),
                None => Box::new(self.manifests.values()),
            };
            let mut out: Vec<&Manifest> = iter.filter(visible).take(n + 1).collect();
            let more = out.len() > n;
            out.truncate(n);
            return (out, more);
        }
        // By time: manifests are few per repository (tags share them), so a sort is cheap.
        let mut all: Vec<&Manifest> = self
            .manifests
            .values()
            .filter(|m| self.attrs.and(m.attrs).list_enabled)
            .collect();
        match order {
            Order::Name => {}
            Order::TimeDesc => all.sort_by(|a, b| (b.updated, &b.digest).cmp(&(a.updated, &a.digest))),
            Order::TimeAsc => all.sort_by(|a, b| (a.updated, &a.digest).cmp(&(b.updated, &b.digest))),
        }
        let start = last
            .and_then(|l| all.iter().position(|m| m.digest == l).map(|i| i + 1))
            .unwrap_or(0);
        let rest = &all[start.min(all.len())..];
        let more = rest.len() > n;
        (rest.iter().take(n).copied().collect(), more)
    }

    /// Resolves a tag or digest reference to a manifest.
    pub fn resolve(&self, reference: &str) -> Option<&Manifest> {
        if reference.starts_with("sha256:") {
            self.manifests.get(reference)
        } else {
            self.tags.get(reference).and_then(|t| self.manifests.get(&t.digest))
        }
    }
}

/// A registry's content store: repositories and the blobs they share.
#[derive(Debug, Clone, Default)]
pub struct Store {
    pub repos: BTreeMap<String, Repository>,
    pub blobs: HashMap<String, Bytes>,
}

/// What a manifest document says about itself, read when it is pushed.
struct ManifestInfo {
    config_media_type: Option<String>,
    image_size: u64,
    references: Vec<(String, String, String)>,
    blobs: Vec<String>,
    subject: Option<String>,
}

fn inspect_manifest(body: &[u8]) -> Result<ManifestInfo, DpError> {
    let invalid = |why: &str| DpError::new(400, "MANIFEST_INVALID", format!("manifest invalid: {why}"));
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| invalid(&e.to_string()))?;
    let mut info = ManifestInfo {
        config_media_type: None,
        image_size: 0,
        references: vec![],
        blobs: vec![],
        subject: v
            .get("subject")
            .and_then(|s| s.get("digest"))
            .and_then(|d| d.as_str())
            .map(str::to_string),
    };
    if let Some(children) = v.get("manifests").and_then(|m| m.as_array()) {
        for child in children {
            let digest = child
                .get("digest")
                .and_then(|d| d.as_str())
                .ok_or_else(|| invalid("index entry without digest"))?;
            let platform = child.get("platform");
            let field = |k: &str| {
                platform
                    .and_then(|p| p.get(k))
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            info.references
                .push((digest.to_string(), field("os"), field("architecture")));
        }
        return Ok(info);
    }
    let config = v.get("config").ok_or_else(|| invalid("no config"))?;
    info.config_media_type = config.get("mediaType").and_then(|m| m.as_str()).map(str::to_string);
    for d in std::iter::once(config).chain(v.get("layers").and_then(|l| l.as_array()).into_iter().flatten()) {
        let digest = d
            .get("digest")
            .and_then(|x| x.as_str())
            .ok_or_else(|| invalid("descriptor without digest"))?;
        info.image_size += d.get("size").and_then(|s| s.as_u64()).unwrap_or(0);
        info.blobs.push(digest.to_string());
    }
    Ok(info)
}

impl Store {
    /// Stores a manifest pushed as `reference` (a tag or its digest), enforcing ACR's locks:
    /// a write-disabled repository, or a write-disabled existing tag, refuses the push.
    pub fn put_manifest(
        &mut self,
        repo: &str,
        reference: &str,
        media_type: &str,
        body: Bytes,
        now: DateTime<Utc>,
    ) -> Result<String, DpError> {
        let digest = sha256_digest(&body);
        if reference.starts_with("sha256:") && reference != digest {
            return Err(DpError::new(
                400,
                "DIGEST_INVALID",
                "provided digest did not match uploaded content",
            ));
        }
        let info = inspect_manifest(&body)?;
        for b in &info.blobs {
            if !self.blobs.contains_key(b) {
                return Err(DpError::new(
                    400,
                    "MANIFEST_BLOB_UNKNOWN",
                    format!("blob unknown to registry: {b}"),
                ));
            }
        }
        if let Some(r) = self.repos.get(repo) {
            if !r.attrs.write_enabled {
                return Err(DpError::disallowed());
            }
            if let Some(t) = r.tags.get(reference)
                && !t.attrs.write_enabled
                && t.digest != digest
            {
                return Err(DpError::disallowed());
            }
        }
        // The platform of a single image lives in its config blob.
        let platform = info
            .blobs
            .first()
            .and_then(|c| self.blobs.get(c))
            .and_then(|c| serde_json::from_slice::<serde_json::Value>(c).ok())
            .and_then(|c| {
                Some((
                    c.get("os")?.as_str()?.to_string(),
                    c.get("architecture")?.as_str()?.to_string(),
                ))
            })
            .filter(|_| info.references.is_empty());
        let r = self
            .repos
            .entry(repo.to_string())
            .or_insert_with(|| Repository::new(repo, now));
        // An index weighs what its platform images weigh together.
        let image_size = if info.references.is_empty() {
            info.image_size
        } else {
            info.references
                .iter()
                .filter_map(|(d, _, _)| r.manifests.get(d))
                .map(|m| m.image_size)
                .sum()
        };
        r.manifests.entry(digest.clone()).or_insert_with(|| Manifest {
            digest: digest.clone(),
            media_type: media_type.to_string(),
            body,
            created: now,
            updated: now,
            attrs: Attrs::default(),
            image_size,
            config_media_type: info.config_media_type,
            platform,
            references: info.references,
            blobs: info.blobs,
            tags: BTreeSet::new(),
            subject: info.subject,
        });
        if !reference.starts_with("sha256:") {
            r.set_tag(reference, &digest, now);
        }
        r.updated = now;
        Ok(digest)
    }

    /// The manifests of `repo` whose `subject` is `digest`, as OCI descriptors (media type,
    /// digest, size, artifact type, annotations), those of `artifact_type` only when it is given.
    pub fn referrers(&self, repo: &str, digest: &str, artifact_type: Option<&str>) -> Vec<serde_json::Value> {
        let Some(r) = self.repos.get(repo) else {
            return Vec::new();
        };
        r.manifests
            .values()
            .filter(|m| m.subject.as_deref() == Some(digest))
            .filter_map(|m| {
                let v: serde_json::Value = serde_json::from_slice(&m.body).ok()?;
                // The spec: the manifest's artifactType, else its config's media type.
                let kind = v
                    .get("artifactType")
                    .and_then(|a| a.as_str())
                    .or(m.config_media_type.as_deref())
                    .unwrap_or_default()
                    .to_string();
                if artifact_type.is_some_and(|want| want != kind) {
                    return None;
                }
                let mut d = serde_json::json!({"mediaType": m.media_type, "digest": m.digest, "size": m.body.len()});
                // An index without an artifact type has none in its descriptor either.
                if !kind.is_empty() {
                    d["artifactType"] = kind.into();
                }
                if let Some(a) = v.get("annotations") {
                    d["annotations"] = a.clone();
                }
                Some(d)
            })
            .collect()
    }

    /// Copies an image (and, for an index, its children) with its blobs from another store into
    /// `to_repo`, tagging it with `tags`. Locks on the target are enforced as for a push.
    pub fn copy_image_from(
        &mut self,
        source: &Store,
        from_repo: &str,
        digest: &str,
        to_repo: &str,
        tags: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), DpError> {
        let src = source
            .repos
            .get(from_repo)
            .ok_or_else(|| DpError::name_unknown(from_repo))?;
        let m = src
            .manifests
            .get(digest)
            .ok_or_else(|| DpError::manifest_unknown(digest))?;
        for (child, _, _) in &m.references {
            self.copy_image_from(source, from_repo, child, to_repo, &[], now)?;
        }
        for b in &m.blobs {
            if let Some(bytes) = source.blobs.get(b) {
                self.blobs.entry(b.clone()).or_insert_with(|| bytes.clone());
            }
        }
        self.put_manifest(to_repo, digest, &m.media_type, m.body.clone(), now)?;
        for t in tags {
            self.put_manifest(to_repo, t, &m.media_type, m.body.clone(), now)?;
        }
        Ok(())
    }

    /// Deletes a tag, honouring deleteEnabled and writeEnabled on the tag and its repository:
    /// the service refuses to delete what is write-locked too (a write lock keeps the tag
    /// pointing where it points, and deleting it would move it to nowhere).
    pub fn delete_tag(&mut self, repo: &str, tag: &str) -> Result<(), DpError> {
        let r = self.repos.get_mut(repo).ok_or_else(|| DpError::name_unknown(repo))?;
        let t = r.tags.get(tag).ok_or_else(|| DpError::tag_unknown(tag))?;
        let a = r.effective_tag_attrs(t);
        if !a.delete_enabled || !a.write_enabled {
            return Err(DpError::disallowed());
        }
        r.remove_tag(tag);
        Ok(())
    }

    /// Deletes a manifest and every tag on it; refused if any of them is delete- or
    /// write-locked.
    pub fn delete_manifest(&mut self, repo: &str, digest: &str) -> Result<Vec<String>, DpError> {
        let r = self.repos.get_mut(repo).ok_or_else(|| DpError::name_unknown(repo))?;
        let m = r
            .manifests
            .get(digest)
            .ok_or_else(|| DpError::manifest_unknown(digest))?;
        let own = r.attrs.and(m.attrs);
        let locked = !own.delete_enabled
            || !own.write_enabled
            || m.tags
                .iter()
                .filter_map(|t| r.tags.get(t))
                .any(|t| !t.attrs.delete_enabled || !t.attrs.write_enabled);
        if locked {
            return Err(DpError::disallowed());
        }
        let tags: Vec<String> = m.tags.iter().cloned().collect();
        for t in &tags {
            r.remove_tag(t);
        }
        r.manifests.remove(digest);
        Ok(tags)
    }

    /// Deletes a whole repository; refused when it or anything in it is delete- or
    /// write-locked.
    pub fn delete_repository(&mut self, repo: &str) -> Result<(Vec<String>, Vec<String>), DpError> {
        let r = self.repos.get(repo).ok_or_else(|| DpError::name_unknown(repo))?;
        let locked = !r.attrs.delete_enabled
            || !r.attrs.write_enabled
            || r.tags
                .values()
                .any(|t| !t.attrs.delete_enabled || !t.attrs.write_enabled)
            || r.manifests
                .values()
                .any(|m| !m.attrs.delete_enabled || !m.attrs.write_enabled);
        if locked {
            return Err(DpError::disallowed());
        }
        let r = self.repos.remove(repo).ok_or_else(|| DpError::name_unknown(repo))?;
        Ok((r.manifests.into_keys().collect(), r.tags.into_keys().collect()))
    }

    /// Repositories visible in the catalog, after `last`, at most `n`; and whether more follow.
    pub fn catalog_page(&self, last: Option<&str>, n: usize) -> (Vec<&str>, bool) {
        let iter: Box<dyn Iterator<Item = (&String, &Repository)>> = match last {
            Some(l) => Box::new(
                self.repos
                    .range::<str, _>((std::ops::Bound::Excluded(l), std::ops::Bound::Unbounded)),
            ),
            None => Box::new(self.repos.iter()),
        };
        let mut out = Vec::new();
        let mut more = false;
        for (name, r) in iter {
            if !r.attrs.list_enabled {
                continue;
            }
            if out.len() == n {
                more = true;
                break;
            }
            out.push(name.as_str());
        }
        (out, more)
    }

    /// Total bytes of all blobs and manifests, for listUsages.
    pub fn size_bytes(&self) -> u64 {
        let blobs: u64 = self.blobs.values().map(|b| b.len() as u64).sum();
        let manifests: u64 = self
            .repos
            .values()
            .flat_map(|r| r.manifests.values())
            .map(|m| m.body.len() as u64)
            .sum();
        blobs + manifests
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + s, 0).single().unwrap()
    }

    fn store_with_image() -> (Store, String) {
        let mut s = Store::default();
        let config = Bytes::from_static(br#"{"architecture":"amd64","os":"linux"}"#);
        let layer = Bytes::from_static(b"layer");
        let (cd, ld) = (sha256_digest(&config), sha256_digest(&layer));
        s.blobs.insert(cd.clone(), config.clone());
        s.blobs.insert(ld.clone(), layer.clone());
        let manifest = serde_json::json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": cd, "size": config.len()},
            "layers": [{"mediaType": OCI_LAYER, "digest": ld, "size": layer.len()}]
        });
        let body = Bytes::from(serde_json::to_vec(&manifest).unwrap());
        let d = s.put_manifest("app", "v1", OCI_MANIFEST, body, t(0)).unwrap();
        (s, d)
    }

    #[test]
    fn push_records_platform_size_and_tag() {
        let (s, d) = store_with_image();
        let m = &s.repos["app"].manifests[&d];
        assert_eq!(m.platform, Some(("linux".into(), "amd64".into())));
        assert_eq!(m.image_size, 37 + 5);
        assert!(m.tags.contains("v1"));
    }

    #[test]
    fn write_lock_refuses_moving_a_tag_but_not_repushing_the_same_digest() {
        let (mut s, d) = store_with_image();
        s.repos
            .get_mut("app")
            .unwrap()
            .tags
            .get_mut("v1")
            .unwrap()
            .attrs
            .write_enabled = false;
        let body = s.repos["app"].manifests[&d].body.clone();
        assert!(s.put_manifest("app", "v1", OCI_MANIFEST, body, t(1)).is_ok());
        let other = Bytes::from(format!(
            r#"{{"schemaVersion":2,"config":{{"digest":"{}","size":1}},"layers":[]}}"#,
            s.repos["app"].manifests[&d].blobs[1]
        ));
        assert_eq!(
            s.put_manifest("app", "v1", OCI_MANIFEST, other, t(2)),
            Err(DpError::disallowed())
        );
    }

    #[test]
    fn write_locked_tags_and_manifests_refuse_delete() {
        let (mut s, d) = store_with_image();
        s.repos
            .get_mut("app")
            .unwrap()
            .tags
            .get_mut("v1")
            .unwrap()
            .attrs
            .write_enabled = false;
        assert_eq!(s.delete_tag("app", "v1"), Err(DpError::disallowed()));
        assert_eq!(s.delete_manifest("app", &d), Err(DpError::disallowed()));
        assert!(s.delete_repository("app").is_err());
        let tag = s.repos.get_mut("app").unwrap().tags.get_mut("v1").unwrap();
        tag.attrs.write_enabled = true;
        s.repos
            .get_mut("app")
            .unwrap()
            .manifests
            .get_mut(&d)
            .unwrap()
            .attrs
            .write_enabled = false;
        assert_eq!(s.delete_manifest("app", &d), Err(DpError::disallowed()));
        assert!(
            s.delete_tag("app", "v1").is_ok(),
            "a tag's own lock is what guards the tag"
        );
    }

    #[test]
    fn delete_lock_on_repository_covers_tags() {
        let (mut s, _) = store_with_image();
        s.repos.get_mut("app").unwrap().attrs.delete_enabled = false;
        assert_eq!(s.delete_tag("app", "v1"), Err(DpError::disallowed()));
    }

    #[test]
    fn paging_by_time_and_name_is_exact() {
        let mut r = Repository::new("x", t(0));
        for i in 0..10 {
            r.set_tag(&format!("t{i}"), "sha256:a", t(i));
        }
        let (p1, more) = r.tag_page(Order::TimeDesc, None, 4, None);
        assert!(more);
        assert_eq!(
            p1.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["t9", "t8", "t7", "t6"]
        );
        let (p2, _) = r.tag_page(Order::TimeDesc, Some("t6"), 4, None);
        assert_eq!(p2[0].name, "t5");
        let (all, more) = r.tag_page(Order::Name, Some("t7"), 10, None);
        assert!(!more);
        assert_eq!(all.len(), 2);
        r.tags.get_mut("t8").unwrap().attrs.list_enabled = false;
        let (p, _) = r.tag_page(Order::Name, Some("t7"), 10, None);
        assert_eq!(p.len(), 1, "listEnabled=false hides a tag");
    }
}
