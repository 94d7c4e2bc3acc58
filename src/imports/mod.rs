//! Queued image imports: the `SOURCE => DESTINATION` lines of images.txt files, planned against
//! their target registry, approved by an operator, run through importImage and verified.
//!
//! - [`file`]: the format, and the problems of each line.
//! - [`plan`]: what importing each line would do now.
//! - [`execute`]: one approved import, verified and (by policy) locked.

pub mod execute;
pub mod file;
pub mod plan;
pub mod reference;

use crate::acr::RegistryRef;
use crate::acr::model::Registry;
use crate::config::{Config, LoadedConfig};
use execute::{CredentialSource, canonical_host};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::SystemTime;

/// An images.txt file as the config binds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagesFile {
    pub path: PathBuf,
    /// How messages name it (the path as configured, or as given on the command line).
    pub label: String,
    /// The target registry as configured: a stage name, a login server or a resource id.
    pub registry: String,
    pub lock_after_import: bool,
    /// Upstream credentials by canonical host.
    pub credentials: HashMap<String, CredentialSource>,
}

impl ImagesFile {
    /// The registry to resolve: a stage's registry when `registry` names a stage.
    pub fn registry_spec(&self, config: &Config) -> String {
        registry_spec(config, &self.registry)
    }
}

/// A stage name stands for its registry; anything else is a login server or resource id.
pub fn registry_spec(config: &Config, name: &str) -> String {
    config
        .stages
        .iter()
        .find(|s| s.name.get_ref().eq_ignore_ascii_case(name))
        .map(|s| s.registry.get_ref().clone())
        .unwrap_or_else(|| name.to_string())
}

/// The stage a registry spec belongs to, when it is one.
pub fn stage_of(config: &Config, name: &str) -> Option<String> {
    config
        .stages
        .iter()
        .find(|s| s.name.get_ref().eq_ignore_ascii_case(name) || s.registry.get_ref().eq_ignore_ascii_case(name))
        .map(|s| s.name.get_ref().clone())
}

/// The images files of a config, paths resolved against the config's folder.
pub fn configured(loaded: &LoadedConfig) -> Vec<ImagesFile> {
    let c = &loaded.config;
    let first_stage = c.stages.first().map(|s| s.name.get_ref().clone());
    c.images
        .iter()
        .map(|f| ImagesFile {
            path: loaded.resolve_path(&f.file),
            label: f.file.display().to_string(),
            registry: f
                .registry
                .as_ref()
                .map(|r| r.get_ref().clone())
                .or_else(|| first_stage.clone())
                .unwrap_or_default(),
            lock_after_import: f.lock_after_import,
            credentials: f
                .credentials
                .iter()
                .map(|(host, r)| {
                    (
                        canonical_host(host),
                        CredentialSource {
                            username: r.username.clone(),
                            username_env: r.username_env.clone(),
                            password_env: r.password_env.clone(),
                            password_file: r.password_file.as_ref().map(|p| loaded.resolve_path(p)),
                        },
                    )
                })
                .collect(),
        })
        .collect()
}

/// One file read: its lines, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRead {
    pub file: ImagesFile,
    pub parsed: file::Parsed,
    /// When the file was last changed, to notice edits.
    pub modified: Option<SystemTime>,
    pub error: Option<String>,
}

/// When a file was last changed (`None` when it cannot be read).
pub fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Reads and checks every file; lines of files bound to the same registry that write the same
/// target are problems after the first.
pub fn read_files(files: &[ImagesFile]) -> Vec<FileRead> {
    let mut reads: Vec<FileRead> = files
        .iter()
        .map(|f| {
            let modified = modified(&f.path);
            match std::fs::read(&f.path) {
                Ok(bytes) => FileRead {
                    file: f.clone(),
                    parsed: file::parse(&f.label, &String::from_utf8_lossy(&bytes)),
                    modified,
                    error: None,
                },
                Err(e) => FileRead {
                    file: f.clone(),
                    parsed: Default::default(),
                    modified,
                    error: Some(format!(
                        "cannot read the images file {}: {e}; check the path under [[images]] in the config",
                        f.path.display()
                    )),
                },
            }
        })
        .collect();
    let mut registries: Vec<String> = reads.iter().map(|r| r.file.registry.to_ascii_lowercase()).collect();
    registries.sort();
    registries.dedup();
    for registry in registries {
        let idx: Vec<usize> = (0..reads.len())
            .filter(|&i| reads[i].file.registry.eq_ignore_ascii_case(&registry))
            .collect();
        let mut group: Vec<file::Parsed> = idx.iter().map(|&i| std::mem::take(&mut reads[i].parsed)).collect();
        file::remove_duplicate_targets(&mut group);
        for (&i, p) in idx.iter().zip(group) {
            reads[i].parsed = p;
        }
    }
    reads
}

/// The registries of the environment (the config's subscriptions, or every one the identity
/// sees): import targets are found among them, and sources on them are read and imported by
/// resource id.
pub async fn environment(acr: &crate::acr::Acr, subscriptions: &[String]) -> crate::acr::Result<Vec<Registry>> {
    let arm = acr.arm()?;
    let subs = if subscriptions.is_empty() {
        arm.list_subscriptions().await?
    } else {
        subscriptions.to_vec()
    };
    let mut all = Vec::new();
    for sub in subs {
        let listed = crate::acr::paging::collect(arm.list_registries(&sub)).await;
        all.extend(listed.items);
        if let Some(e) = listed.error {
            return Err(e);
        }
    }
    Ok(all)
}

/// Where a file's lines are imported to, among the environment's registries.
pub fn target_for(registries: &[Registry], config: &Config, file: &ImagesFile) -> Result<execute::Target, String> {
    let spec = file.registry_spec(config);
    let found = registries
        .iter()
        .find(|r| {
            r.id.eq_ignore_ascii_case(&spec)
                || r.properties.login_server.eq_ignore_ascii_case(&spec)
                || r.name.eq_ignore_ascii_case(&spec)
        })
        .ok_or_else(|| {
            format!(
                "{}: its registry `{}`{} is not among the {} registries acrdeck can see; check [[images]] \
                 registry and [[stages]] in the config",
                file.label,
                file.registry,
                if spec != file.registry {
                    format!(" ({spec})")
                } else {
                    String::new()
                },
                registries.len()
            )
        })?;
    let reference = RegistryRef::parse(&found.id)
        .ok_or_else(|| format!("the registry id `{}` is not an ARM resource id", found.id))?;
    Ok(execute::Target {
        registry: reference,
        login_server: found.properties.login_server.clone(),
        lock_after_import: file.lock_after_import,
        credentials: file.credentials.clone(),
        registries: registries
            .iter()
            .filter_map(|r| RegistryRef::parse(&r.id).map(|x| (r.properties.login_server.to_ascii_lowercase(), x)))
            .collect(),
    })
}
