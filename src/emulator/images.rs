//! Deterministic image content. An image is identified by a build seed (`apps/web:1.4.0`): the
//! same seed yields the same bytes and so the same digest in every registry, which is what makes
//! promotion between stages observable; a different seed is a different build (drift).

use super::model::{OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, Store, sha256_digest};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};

/// `count` pseudo-random bytes from a seed (SHA-256 in counter mode): cheap, reproducible.
fn seeded_bytes(seed: &str, count: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(count + 32);
    let mut block = 0u64;
    while out.len() < count {
        let mut h = Sha256::new();
        h.update(seed.as_bytes());
        h.update(block.to_le_bytes());
        out.extend_from_slice(&h.finalize());
        block += 1;
    }
    out.truncate(count);
    out
}

/// What to build.
pub struct ImageSpec<'a> {
    pub seed: &'a str,
    /// `os/arch` pairs; more than one makes an OCI index.
    pub platforms: &'a [String],
    /// Environment of the image config (`BACKGROUND_COLOR=Orange`).
    pub env: &'a [(String, String)],
    pub created: DateTime<Utc>,
}

/// Writes the blobs and manifest(s) of an image into `store` under `repo`, tagged `tag`, and
/// returns the top-level digest.
pub fn build_image(store: &mut Store, repo: &str, tag: Option<&str>, spec: &ImageSpec<'_>) -> Result<String, String> {
    let platforms: Vec<(String, String)> = if spec.platforms.is_empty() {
        vec![("linux".into(), "amd64".into())]
    } else {
        spec.platforms
            .iter()
            .map(|p| {
                let (os, arch) = p.split_once('/').unwrap_or(("linux", p.as_str()));
                (os.to_string(), arch.to_string())
            })
            .collect()
    };
    let mut children = Vec::new();
    for (os, arch) in &platforms {
        let env: Vec<String> = spec
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .chain(std::iter::once(
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            ))
            .collect();
        let mut layers = Vec::new();
        for i in 0..2 {
            let layer_seed = format!("{}|{os}/{arch}|layer{i}", spec.seed);
            // 16 to 48 KiB: big enough to page through, small enough for 100,000-tag worlds.
            let size = 16 * 1024 + (seeded_bytes(&layer_seed, 2).iter().map(|b| *b as usize).sum::<usize>() * 64);
            let bytes = Bytes::from(seeded_bytes(&layer_seed, size));
            let digest = sha256_digest(&bytes);
            layers.push(serde_json::json!({"mediaType": OCI_LAYER, "digest": digest, "size": bytes.len()}));
            store.blobs.insert(digest, bytes);
        }
        let diff_ids: Vec<&serde_json::Value> = layers.iter().map(|l| &l["digest"]).collect();
        let config = serde_json::json!({
            "architecture": arch,
            "os": os,
            "created": spec.created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "config": {
                "Env": env,
                "Labels": {"org.opencontainers.image.source": format!("https://example.invalid/{}", spec.seed)}
            },
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        });
        let config = Bytes::from(serde_json::to_vec(&config).map_err(|e| e.to_string())?);
        let config_digest = sha256_digest(&config);
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config.len()},
            "layers": layers,
        });
        store.blobs.insert(config_digest, config);
        let body = Bytes::from(serde_json::to_vec(&manifest).map_err(|e| e.to_string())?);
        let size = body.len();
        let reference = if platforms.len() == 1 { tag } else { None };
        let digest = match reference {
            Some(t) => store.put_manifest(repo, t, OCI_MANIFEST, body, spec.created),
            None => store.put_manifest(repo, &sha256_digest(&body), OCI_MANIFEST, body, spec.created),
        }
        .map_err(|e| e.message)?;
        children.push((digest, size, os.clone(), arch.clone()));
    }
    if children.len() == 1 {
        return Ok(children.remove(0).0);
    }
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": children.iter().map(|(d, size, os, arch)| serde_json::json!({
            "mediaType": OCI_MANIFEST, "digest": d, "size": size,
            "platform": {"os": os, "architecture": arch}
        })).collect::<Vec<_>>(),
    });
    let body = Bytes::from(serde_json::to_vec(&index).map_err(|e| e.to_string())?);
    let digest = sha256_digest(&body);
    let reference = tag.map(str::to_string).unwrap_or_else(|| digest.clone());
    store
        .put_manifest(repo, &reference, OCI_INDEX, body, spec.created)
        .map_err(|e| e.message)
}

/// The `BACKGROUND_COLOR` an image's (first platform's) config sets, if any.
pub fn image_env(store: &Store, repo: &str, digest: &str, key: &str) -> Option<String> {
    let r = store.repos.get(repo)?;
    let mut m = r.manifests.get(digest)?;
    if let Some((child, _, _)) = m.references.first() {
        m = r.manifests.get(child)?;
    }
    let config = store.blobs.get(m.blobs.first()?)?;
    let v: serde_json::Value = serde_json::from_slice(config).ok()?;
    v["config"]["Env"]
        .as_array()?
        .iter()
        .find_map(|e| e.as_str()?.strip_prefix(&format!("{key}=")).map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_digest_in_any_store() {
        let spec = ImageSpec {
            seed: "apps/web:1.0",
            platforms: &["linux/amd64".into(), "linux/arm64".into()],
            env: &[],
            created: Utc::now(),
        };
        let mut a = Store::default();
        let mut b = Store::default();
        let da = build_image(&mut a, "apps/web", Some("1.0"), &spec).unwrap();
        let db = build_image(&mut b, "other/name", Some("x"), &spec).unwrap();
        assert_eq!(da, db);
        assert_eq!(
            a.repos["apps/web"].manifests.len(),
            3,
            "index and two platform manifests"
        );
        let drift = ImageSpec {
            seed: "apps/web:1.0+hotfix",
            ..spec
        };
        assert_ne!(build_image(&mut b, "apps/web", Some("1.0"), &drift).unwrap(), da);
    }

    #[test]
    fn env_is_readable_back() {
        let env = [("BACKGROUND_COLOR".to_string(), "Red".to_string())];
        let spec = ImageSpec {
            seed: "node",
            platforms: &[],
            env: &env,
            created: Utc::now(),
        };
        let mut s = Store::default();
        let d = build_image(&mut s, "node", Some("15-alpine"), &spec).unwrap();
        assert_eq!(image_env(&s, "node", &d, "BACKGROUND_COLOR").as_deref(), Some("Red"));
    }
}
