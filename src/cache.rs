//! The last listings the dashboard read (registries, repositories, the tags of repositories that
//! were opened, runs), kept in the state dir so the next start paints at once from them instead
//! of waiting for Azure. They are shown as cached, with their age, until fresh reads replace them.
//!
//! What is kept is listing data only: the service's resources as read. Never a token, a secret,
//! a log link, or an error acrdeck met (errors can quote what a service echoed back). One folder
//! per environment (config file): a small head read before the first frame (the registries and
//! an index) and one file per other listing, read after it. Owner-only, each file replaced
//! atomically, so a crash mid-write leaves the previous file whole.

use crate::acr::model::{ManifestProperties, Registry, RepositoryProperties, Run, TagProperties};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Bump when the layout changes: a cache of another version is ignored, not misread.
pub const VERSION: u32 = 2;

/// A head file larger than this is ignored: it is read before the first frame.
const MAX_HEAD_BYTES: u64 = 4 * 1024 * 1024;
/// A listing file larger than this is skipped.
const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// The file read before the first frame: the registries, and an index of the other listings
/// (read after the first frame, each from its own file, so a big tag listing never delays it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Head {
    pub version: u32,
    /// A digest of what decides which registries are listed (cloud, tenant, subscriptions,
    /// identity): a cache from another scope is ignored, so it never shows registries the
    /// configured identity would not see.
    pub scope: String,
    pub saved_at: Option<DateTime<Utc>>,
    pub registries: Option<Listing<Vec<CachedRegistry>>>,
    /// The registry and repository that were open, so the operator is back where they were.
    #[serde(default)]
    pub opened: Option<Opened>,
    #[serde(default)]
    pub parts: Vec<PartRef>,
    /// The events already signalled (a failed run, a push to production), so that a restart
    /// does not signal them again.
    #[serde(default)]
    pub signalled: Vec<String>,
}

/// The registry (login server) and repository open when the cache was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opened {
    pub registry: String,
    pub repository: Option<String>,
}

/// One listing kept in its own file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRef {
    pub key: PartKey,
    pub read_at: DateTime<Utc>,
    /// Changes whenever what the file holds would change: a listing whose stamp is unchanged is
    /// not written again.
    pub stamp: String,
}

/// Which listing a part holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PartKey {
    Repositories { login_server: String },
    Tags { login_server: String, repository: String },
    Runs { login_server: String },
}

impl PartKey {
    /// The part's file name: its kind and a digest of what it is about (login servers and
    /// repository names are not all valid file names).
    pub fn file_name(&self) -> String {
        let (kind, about) = match self {
            PartKey::Repositories { login_server } => ("repositories", login_server.clone()),
            PartKey::Tags {
                login_server,
                repository,
            } => ("tags", format!("{login_server}\n{repository}")),
            PartKey::Runs { login_server } => ("runs", login_server.clone()),
        };
        format!("{kind}-{}.json", &hex::encode(Sha256::digest(about.as_bytes()))[..16])
    }
}

/// A listing as it was read: when, and whether it stopped early.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Listing<T> {
    pub read_at: DateTime<Utc>,
    #[serde(default)]
    pub partial: bool,
    pub items: T,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedRegistry {
    pub registry: Registry,
    /// Storage (bytes used, limit) when it had been read.
    pub storage: Option<(u64, u64)>,
}

/// One kept listing, as it comes back.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Part {
    Registries {
        listing: Listing<Vec<CachedRegistry>>,
        #[serde(default)]
        opened: Option<Opened>,
        #[serde(default)]
        signalled: Vec<String>,
    },
    Repositories {
        login_server: String,
        listing: Listing<Vec<String>>,
        /// Counts, locks and last update of the repositories whose properties had been read.
        #[serde(default)]
        properties: Vec<RepositoryProperties>,
    },
    Tags {
        login_server: String,
        repository: String,
        listing: Listing<Vec<TagProperties>>,
        /// The manifests of the tags' digests, once each.
        #[serde(default)]
        manifests: Vec<ManifestProperties>,
    },
    Runs {
        login_server: String,
        listing: Listing<Vec<Run>>,
    },
}

impl Part {
    /// The key a part file must hold (registries live in the head, not in a part file).
    pub fn key(&self) -> Option<PartKey> {
        match self {
            Part::Registries { .. } => None,
            Part::Repositories { login_server, .. } => Some(PartKey::Repositories {
                login_server: login_server.clone(),
            }),
            Part::Tags {
                login_server,
                repository,
                ..
            } => Some(PartKey::Tags {
                login_server: login_server.clone(),
                repository: repository.clone(),
            }),
            Part::Runs { login_server, .. } => Some(PartKey::Runs {
                login_server: login_server.clone(),
            }),
        }
    }
}

/// The cache of one environment: a folder with the head and one file per listing. Saves are
/// serialized (one at a time).
#[derive(Debug, Clone)]
pub struct Cache {
    pub dir: PathBuf,
    pub scope: String,
    writing: Arc<Mutex<()>>,
}

impl Cache {
    /// The cache of the environment a config file describes, under `<state>/cache/`. Named after
    /// the config file (readable) and a digest of its full path (two `prod.toml` in different
    /// folders are two environments).
    pub fn for_config(state_dir: &Path, config_file: &Path, config: &crate::config::Config) -> Cache {
        let full = std::fs::canonicalize(config_file).unwrap_or_else(|_| config_file.to_path_buf());
        let digest = hex::encode(Sha256::digest(full.to_string_lossy().as_bytes()));
        let stem: String = config_file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "config".into())
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Cache {
            dir: state_dir.join("cache").join(format!("{stem}-{}", &digest[..16])),
            scope: scope_of(config),
            writing: Arc::new(Mutex::new(())),
        }
    }

    pub fn head_path(&self) -> PathBuf {
        self.dir.join("head.json")
    }

    /// The saved head; `Ok(None)` when there is none yet or it belongs to another scope or
    /// version (then it is simply replaced by the next save). An error says why a file that
    /// exists could not be used; the dashboard starts without it either way.
    pub fn load_head(&self) -> Result<Option<Head>, String> {
        let path = self.head_path();
        let Some(bytes) = read_limited(&path, MAX_HEAD_BYTES)? else {
            return Ok(None);
        };
        // The version and scope are checked before the rest is trusted to have this layout.
        #[derive(Deserialize)]
        struct Stamp {
            version: u32,
            #[serde(default)]
            scope: String,
        }
        let stamp: Stamp = serde_json::from_slice(&bytes).map_err(|e| unreadable(&path, e))?;
        if stamp.version != VERSION || stamp.scope != self.scope {
            return Ok(None);
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| unreadable(&path, e))
    }

    /// One listing the head names.
    pub fn load_part(&self, r: &PartRef) -> Result<Part, String> {
        let path = self.dir.join(r.key.file_name());
        let bytes = read_limited(&path, MAX_PART_BYTES)?.ok_or_else(|| {
            format!(
                "the cache {} is missing; it is written again by the next save",
                path.display()
            )
        })?;
        let part: Part = serde_json::from_slice(&bytes).map_err(|e| unreadable(&path, e))?;
        if part.key().as_ref() != Some(&r.key) {
            return Err(format!(
                "the cache {} holds another listing than its name says; it is written again by the next save",
                path.display()
            ));
        }
        Ok(part)
    }

    /// Writes the listings that changed, then the head that names every kept listing, then
    /// removes the files it no longer names. Each file goes to a temporary file (owner-only)
    /// first and is renamed over the old one, so a reader never sees half a file, and the head
    /// never names a file that is not there yet.
    pub fn save(&self, head: &Head, changed: &[Part]) -> Result<(), String> {
        let _one_at_a_time = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        create_private_dir(&self.dir)
            .map_err(|e| format!("cannot create the cache folder {}: {e}", self.dir.display()))?;
        for part in changed {
            let Some(key) = part.key() else { continue };
            write_atomically(&self.dir.join(key.file_name()), part)?;
        }
        write_atomically(&self.head_path(), head)?;
        let named: std::collections::HashSet<String> = head.parts.iter().map(|p| p.key.file_name()).collect();
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name != "head.json" && !name.starts_with('.') && !named.contains(&name) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(())
    }
}

fn read_limited(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the cache {}: {e}", path.display())),
    };
    if meta.len() > limit {
        return Err(format!(
            "the cache {} is {} MB, more than the {} MB it may be; it is replaced by the next save",
            path.display(),
            meta.len() / (1024 * 1024),
            limit / (1024 * 1024)
        ));
    }
    std::fs::read(path)
        .map(Some)
        .map_err(|e| format!("cannot read the cache {}: {e}", path.display()))
}

fn unreadable(path: &Path, e: serde_json::Error) -> String {
    format!(
        "the cache {} is not readable ({e}); it is replaced by the next save",
        path.display()
    )
}

fn write_atomically(path: &Path, value: &impl Serialize) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        std::process::id()
    ));
    let written = (|| {
        let file = open_private(&tmp)?;
        let mut w = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut w, value).map_err(std::io::Error::other)?;
        use std::io::Write;
        w.flush()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(|e| format!("cannot write the cache {}: {e}", path.display()))
}

/// A digest of what decides which registries the dashboard lists. Hashed so the file names no
/// tenant, subscription or client id in clear.
pub fn scope_of(config: &crate::config::Config) -> String {
    let mut subscriptions: Vec<String> = config.subscriptions.iter().map(|s| s.to_ascii_lowercase()).collect();
    subscriptions.sort();
    let a = &config.auth;
    let c = &config.cloud;
    let text = format!(
        "{}|{}|{}|{}|{:?}|{}|{}",
        c.name.get_ref().as_str(),
        c.arm_endpoint.as_deref().unwrap_or_default(),
        config.tenant.as_deref().unwrap_or_default().to_ascii_lowercase(),
        subscriptions.join(","),
        a.method,
        a.client_id.as_deref().unwrap_or_default(),
        a.username.as_deref().unwrap_or_default(),
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml_text: &str) -> crate::config::Config {
        toml::from_str(toml_text).expect("config")
    }

    fn repositories(read_at: DateTime<Utc>) -> Part {
        Part::Repositories {
            login_server: "acrdev.azurecr.io".into(),
            listing: Listing {
                read_at,
                partial: true,
                items: vec!["apps/web".into()],
            },
            properties: vec![],
        }
    }

    fn head(cache: &Cache, parts: &[&Part]) -> Head {
        Head {
            version: VERSION,
            scope: cache.scope.clone(),
            saved_at: Some(Utc::now()),
            registries: None,
            opened: None,
            signalled: vec![],
            parts: parts
                .iter()
                .filter_map(|p| {
                    Some(PartRef {
                        key: p.key()?,
                        read_at: Utc::now(),
                        stamp: "1".into(),
                    })
                })
                .collect(),
        }
    }

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn saves_owner_only_and_loads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg_file = dir.path().join("prod.toml");
        std::fs::write(&cfg_file, "").expect("write");
        let cache = Cache::for_config(dir.path(), &cfg_file, &config(""));
        assert!(
            cache.load_head().expect("load").is_none(),
            "no cache before the first save"
        );
        let part = repositories(Utc::now());
        let h = head(&cache, &[&part]);
        cache.save(&h, std::slice::from_ref(&part)).expect("save");
        assert_eq!(mode(&cache.head_path()), 0o600);
        assert_eq!(mode(&cache.dir), 0o700);
        let part_file = cache.dir.join(h.parts[0].key.file_name());
        assert_eq!(mode(&part_file), 0o600);
        let back = cache.load_head().expect("load").expect("a head");
        assert_eq!(back.parts, h.parts);
        let Part::Repositories { listing, .. } = cache.load_part(&back.parts[0]).expect("part") else {
            panic!("a repositories part")
        };
        assert_eq!(listing.items, ["apps/web"]);
        assert!(listing.partial);
        assert!(
            cache
                .dir
                .file_name()
                .expect("name")
                .to_string_lossy()
                .starts_with("prod-")
        );
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&cache.dir)
            .expect("dir")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn files_the_head_no_longer_names_are_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::for_config(dir.path(), &dir.path().join("c.toml"), &config(""));
        let part = repositories(Utc::now());
        cache
            .save(&head(&cache, &[&part]), std::slice::from_ref(&part))
            .expect("save");
        let file = cache.dir.join(part.key().expect("key").file_name());
        assert!(file.exists());
        cache.save(&head(&cache, &[]), &[]).expect("save");
        assert!(!file.exists(), "a listing dropped from the head is deleted");
    }

    #[test]
    fn a_part_under_the_wrong_name_or_missing_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::for_config(dir.path(), &dir.path().join("c.toml"), &config(""));
        let part = repositories(Utc::now());
        let h = head(&cache, &[&part]);
        cache.save(&h, std::slice::from_ref(&part)).expect("save");
        let other = PartRef {
            key: PartKey::Runs {
                login_server: "acrdev.azurecr.io".into(),
            },
            ..h.parts[0].clone()
        };
        let e = cache.load_part(&other).expect_err("missing");
        assert!(e.contains("missing"), "{e}");
        std::fs::copy(
            cache.dir.join(h.parts[0].key.file_name()),
            cache.dir.join(other.key.file_name()),
        )
        .expect("copy");
        let e = cache.load_part(&other).expect_err("another listing");
        assert!(e.contains("another listing"), "{e}");
    }

    #[test]
    fn another_scope_version_or_garbage_is_not_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg_file = dir.path().join("c.toml");
        let a = Cache::for_config(dir.path(), &cfg_file, &config("subscriptions = [\"sub-a\"]"));
        let b = Cache::for_config(dir.path(), &cfg_file, &config("subscriptions = [\"sub-b\"]"));
        assert_eq!(a.dir, b.dir, "one cache per config file");
        assert_ne!(a.scope, b.scope, "another subscription is another scope");
        a.save(&head(&a, &[]), &[]).expect("save");
        assert!(a.load_head().expect("load").is_some());
        assert!(
            b.load_head().expect("load").is_none(),
            "a cache of other subscriptions is not shown"
        );
        let mut old = head(&a, &[]);
        old.version = VERSION + 1;
        a.save(&old, &[]).expect("save");
        assert!(a.load_head().expect("load").is_none());
        std::fs::write(a.head_path(), b"{\"version\": 2, \"scope\": ").expect("write");
        let e = a.load_head().expect_err("garbage is an error");
        assert!(
            e.contains("not readable") && e.contains("replaced by the next save"),
            "{e}"
        );
    }

    #[test]
    fn two_config_files_are_two_caches() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = Cache::for_config(dir.path(), &dir.path().join("x/prod.toml"), &config(""));
        let b = Cache::for_config(dir.path(), &dir.path().join("y/prod.toml"), &config(""));
        assert_ne!(a.dir, b.dir);
    }
}
