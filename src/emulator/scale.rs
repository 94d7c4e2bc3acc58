//! Synthetic registries at production scale, for benches and tests (`--scale repos=N,tags=M`):
//! shaped as a busy registry is. One repository holds the many tags (the main service's build
//! tags, newest last), over 64 images so that each manifest carries many tags; every other
//! repository holds one image under one to four tags (`latest`, a version, `stable`...), as
//! libraries and side services do. `registries=K` makes K such registries (`scale`, `scale2`, ...),
//! each with its own stage (`bench`, `bench2`, ...).

use super::images::{ImageSpec, build_image};
use super::world::Registry;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap};

/// The shape of the synthetic registries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scale {
    /// Repositories in each registry.
    pub repos: usize,
    /// Tags of the first repository.
    pub tags: usize,
    /// How many registries (0 or 1: one).
    pub registries: usize,
}

impl Scale {
    pub fn parse(s: &str) -> Result<Scale, String> {
        let mut scale = Scale::default();
        for part in s.split(',') {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: expected key=value (repos=N,tags=M,registries=K)"))?;
            let n: usize = v.trim().parse().map_err(|_| format!("`{v}` is not a number"))?;
            match k.trim() {
                "repos" => scale.repos = n,
                "tags" => scale.tags = n,
                "registries" => scale.registries = n,
                other => return Err(format!("unknown scale key `{other}` (repos, tags, registries)")),
            }
        }
        Ok(scale)
    }

    /// The synthetic registries' names: none when nothing is asked for.
    pub fn registry_names(&self) -> Vec<String> {
        if self.repos == 0 && self.tags == 0 {
            return vec![];
        }
        (1..=self.registries.max(1))
            .map(|i| {
                if i == 1 {
                    "scale".to_string()
                } else {
                    format!("scale{i}")
                }
            })
            .collect()
    }
}

/// The tags of the `r`th small repository: one to four, all on its one image.
const SMALL_TAGS: [&str; 4] = ["latest", "stable", "1.0", "1.0.0"];

/// One synthetic registry named `name`.
pub fn synthetic_registry(scale: Scale, name: &str, now: DateTime<Utc>) -> Result<Registry, String> {
    let mut store = super::model::Store::default();
    let images = 64.min(scale.tags.max(1));
    let mut digests = Vec::new();
    for i in 0..images {
        let seed = format!("synthetic:{i}");
        let spec = ImageSpec {
            seed: &seed,
            platforms: &[],
            env: &[],
            created: now,
        };
        digests.push(build_image(&mut store, "synthetic/app-00000", None, &spec)?);
    }
    let repo = store
        .repos
        .get_mut("synthetic/app-00000")
        .ok_or("synthetic repository missing")?;
    for i in 0..scale.tags {
        let t = now - Duration::seconds((scale.tags - i) as i64);
        repo.set_tag(&format!("build-{i:06}"), &digests[i % digests.len()], t);
    }
    for r in 1..scale.repos.max(1) {
        let repository = format!("synthetic/app-{r:05}");
        let spec = ImageSpec {
            seed: "synthetic:0",
            platforms: &[],
            env: &[],
            created: now,
        };
        let digest = build_image(&mut store, &repository, Some("latest"), &spec)?;
        // Older repositories were last pushed to longer ago.
        let pushed = now - Duration::minutes(r as i64);
        if let Some(repo) = store.repos.get_mut(&repository) {
            for tag in &SMALL_TAGS[..1 + r % SMALL_TAGS.len()] {
                repo.set_tag(tag, &digest, pushed);
            }
        }
    }
    let stage = name.replacen("scale", "bench", 1);
    Ok(Registry {
        name: name.to_string(),
        resource_group: format!("rg-acr-{name}"),
        location: "westeurope".into(),
        sku: "Premium".into(),
        tags: BTreeMap::from([("stage".to_string(), stage)]),
        created: now - Duration::days(10),
        login_server: String::new(),
        admin_user_enabled: false,
        admin_password: format!("adm~{}", uuid::Uuid::new_v4().simple()),
        public_network_access: true,
        store,
        cache_rules: BTreeMap::new(),
        credential_sets: BTreeMap::new(),
        tasks: BTreeMap::new(),
        runs: vec![],
        webhooks: BTreeMap::new(),
        scope_maps: BTreeMap::new(),
        tokens: BTreeMap::new(),
        replications: BTreeMap::new(),
        uploads: HashMap::new(),
        next_run: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::worldfile::{DEMO_WORLD, build, parse};

    #[test]
    fn scale_builds_a_large_repository_quickly() {
        let file = parse(DEMO_WORLD).unwrap();
        let scale = Scale {
            repos: 9,
            tags: 20_000,
            registries: 2,
        };
        let world = build(&file, Utc::now(), scale, &BTreeMap::new()).unwrap();
        let names: Vec<&str> = world.registries.iter().map(|r| r.name.as_str()).collect();
        assert!(names.ends_with(&["scale", "scale2"]), "{names:?}");
        let reg = world.registries.last().unwrap();
        assert_eq!(reg.tags["stage"], "bench2");
        assert_eq!(reg.store.repos.len(), 9);
        assert_eq!(reg.store.repos["synthetic/app-00000"].tags.len(), 20_000);
        // The small repositories hold one image under one to four tags.
        let counts: Vec<usize> = (1..9)
            .map(|r| reg.store.repos[&format!("synthetic/app-{r:05}")].tags.len())
            .collect();
        assert_eq!(counts, [2, 3, 4, 1, 2, 3, 4, 1]);
    }

    #[test]
    fn scale_spec_parses() {
        let s = Scale::parse("repos=10,tags=100000,registries=3").unwrap();
        assert_eq!((s.repos, s.tags, s.registries), (10, 100_000, 3));
        assert_eq!(s.registry_names(), ["scale", "scale2", "scale3"]);
        assert!(Scale::default().registry_names().is_empty());
        assert!(Scale::parse("tags").is_err());
        assert!(Scale::parse("blobs=1").is_err());
    }
}
