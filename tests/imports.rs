//! Queued imports against the emulator, over real HTTPS: the seed's own images.txt (its lines
//! uncommented) planned against dev, approved and imported, re-planned as present with digests;
//! a docker.io line without credentials failing with a clear error while the others succeed; a
//! NoForce conflict; drift and locks seen by the plan; and the audit trail of it all, free of
//! secrets.

mod common;

use acrdeck::acr::Acr;
use acrdeck::acr::model::ImportMode;
use acrdeck::audit::{AuditTrail, Operator, Phase};
use acrdeck::imports::execute::{self, Approval, Approved, CredentialSource, Outcome};
use acrdeck::imports::plan::{Status, plan};
use acrdeck::imports::{self, ImagesFile, file};
use common::emu::{TestEmu, seeds_dir};
use futures::StreamExt;
use std::collections::{HashMap, HashSet};

/// The `images.txt` example of seed 001, uncommented: the lines the pipeline it replaces imported.
fn seed_images_txt(test: &str) -> Option<String> {
    let dir = seeds_dir(test)?;
    let seed = std::fs::read_dir(&dir)
        .expect("seeds folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("001_")))
        .expect("seed 001 (the images.txt pipeline) is in the seeds folder");
    let text = std::fs::read_to_string(seed).expect("seed 001 reads");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with('#') && !l.starts_with("# ") && l.contains(" => "))
        .map(|l| l.trim_start_matches('#'))
        .collect();
    assert_eq!(
        lines.len(),
        7,
        "seed 001's example images.txt has seven lines: {lines:?}"
    );
    Some(lines.join("\n") + "\n")
}

struct World {
    emu: TestEmu,
    acr: Acr,
    config: acrdeck::config::LoadedConfig,
    registries: Vec<acrdeck::acr::model::Registry>,
    dir: tempfile::TempDir,
}

async fn world() -> World {
    let emu = TestEmu::start().await;
    let config = acrdeck::config::load_file(&emu.info().config, true).expect("generated config loads");
    let acr = Acr::new(acrdeck::connect::settings(&config, false).expect("settings")).expect("client");
    let registries = imports::environment(&acr, &config.config.subscriptions)
        .await
        .expect("registries");
    World {
        emu,
        acr,
        config,
        registries,
        dir: tempfile::tempdir().expect("temp dir"),
    }
}

impl World {
    fn file(&self, name: &str, text: &str, registry: &str) -> ImagesFile {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write images file");
        ImagesFile {
            path,
            label: name.to_string(),
            registry: registry.to_string(),
            lock_after_import: false,
            credentials: HashMap::new(),
        }
    }

    fn readable(&self) -> HashSet<String> {
        self.registries
            .iter()
            .map(|r| r.properties.login_server.clone())
            .collect()
    }

    async fn plan(&self, f: &ImagesFile) -> (Vec<file::Entry>, Vec<Status>) {
        let read = imports::read_files(std::slice::from_ref(f)).remove(0);
        assert!(read.error.is_none(), "{:?}", read.error);
        assert!(read.parsed.problems.is_empty(), "{:?}", read.parsed.problems);
        let target = imports::target_for(&self.registries, &self.config.config, f).expect("target");
        let statuses = plan(&self.acr, &target.login_server, &read.parsed.entries, &self.readable()).await;
        (read.parsed.entries, statuses)
    }

    fn login(&self, name: &str) -> String {
        self.emu.info().registries[name].clone()
    }
}

fn approval(note: &str) -> Approval {
    Approval {
        operator: Operator {
            principal: "ops@contoso.com".into(),
            ..Default::default()
        },
        note: Some(note.into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_images_txt_planned_approved_imported_and_verified() {
    let Some(text) = seed_images_txt("the_seed_images_txt_planned_approved_imported_and_verified") else {
        return;
    };
    let w = world().await;
    let f = w.file("images.txt", &text, "dev");
    let (entries, statuses) = w.plan(&f).await;
    let by_target: HashMap<String, &Status> = entries.iter().map(|e| e.target()).zip(statuses.iter()).collect();
    // dev already holds cert-manager-controller v1.15.2 (from the same upstream build).
    assert!(
        matches!(by_target["jetstack/cert-manager-controller:v1.15.2"], Status::Present { digest, .. } if digest.starts_with("sha256:"))
    );
    let queued: Vec<&file::Entry> = entries
        .iter()
        .zip(&statuses)
        .filter(|(_, s)| **s == Status::Queued)
        .map(|(e, _)| e)
        .collect();
    assert_eq!(queued.len(), 6, "{statuses:?}");

    // Approve every queued line; no credentials are configured for docker.io.
    let target = imports::target_for(&w.registries, &w.config.config, &f).expect("target");
    let audit_dir = w.dir.path().join("state");
    let audit = AuditTrail::open(&audit_dir).expect("audit trail");
    let approval = approval("CHG-1234 ingress and cert-manager for the rollout");
    let outcomes: Vec<(file::Entry, Outcome)> = futures::stream::iter(queued.iter().map(|e| {
        let a = Approved {
            entry: (*e).clone(),
            mode: ImportMode::NoForce,
            expected_digest: None,
        };
        let (acr, target, approval, audit) = (&w.acr, &target, &approval, &audit);
        async move {
            let (outcome, audit_error) = execute::run(acr, target, &a, approval, audit, |_| {}).await;
            assert!(audit_error.is_none(), "{audit_error:?}");
            (a.entry, outcome)
        }
    }))
    .buffer_unordered(execute::IMPORT_CONCURRENCY)
    .collect()
    .await;
    let mut imported = HashMap::new();
    for (e, o) in &outcomes {
        match o {
            Outcome::Imported {
                digest, request_ids, ..
            } => {
                assert!(!request_ids.is_empty(), "the service's request id is kept");
                imported.insert(e.target(), digest.clone());
            }
            Outcome::Failed { error, .. } => {
                assert_eq!(
                    e.source.registry(),
                    "docker.io",
                    "only the docker.io line fails: {error}"
                );
                assert_eq!(error.code(), Some("SourceCredentialsRequired"), "{error}");
                let text = error.to_string();
                assert!(
                    text.contains("images.credentials.\"docker.io\""),
                    "says what to do: {text}"
                );
                assert!(text.contains("cloudflare/cloudflared"), "names the image: {text}");
            }
        }
    }
    assert_eq!(imported.len(), 5, "{outcomes:?}");

    // Planned again: present, with the digests the imports were read back with.
    let (entries, statuses) = w.plan(&f).await;
    for (e, s) in entries.iter().zip(&statuses) {
        match imported.get(&e.target()) {
            Some(d) => assert!(
                matches!(s, Status::Present { digest, .. } if digest == d),
                "{e:?} {s:?}"
            ),
            None if e.source.registry() == "docker.io" => assert_eq!(*s, Status::Queued),
            None => assert!(matches!(s, Status::Present { .. })),
        }
    }

    // With credentials from a file only its owner reads, the docker.io line goes in too.
    let secret = "dckr_pat_demo";
    let token = w.dir.path().join("dockerhub-token");
    std::fs::write(&token, secret).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut with_creds = target.clone();
    with_creds.credentials.insert(
        "docker.io".into(),
        CredentialSource {
            username: Some("contoso".into()),
            password_file: Some(token),
            ..Default::default()
        },
    );
    let hub = entries.iter().find(|e| e.source.registry() == "docker.io").unwrap();
    let a = Approved {
        entry: hub.clone(),
        mode: ImportMode::NoForce,
        expected_digest: None,
    };
    let (o, _) = execute::run(&w.acr, &with_creds, &a, &approval, &audit, |_| {}).await;
    assert!(matches!(o, Outcome::Imported { .. }), "{o:?}");

    // The audit trail: an intent and an outcome per import, tied by id, and never the secret.
    let (records, bad) = acrdeck::audit::read(audit.path()).unwrap();
    assert_eq!(bad, 0);
    assert_eq!(records.len(), 2 * 7);
    for intent in records.iter().filter(|r| r.phase == Phase::Intent) {
        let outcome = records
            .iter()
            .find(|r| r.phase == Phase::Outcome && r.id == intent.id)
            .expect("each intent has its outcome");
        assert_eq!(
            intent.note.as_deref(),
            Some("CHG-1234 ingress and cert-manager for the rollout")
        );
        assert!(intent.origin.as_deref().unwrap().starts_with("images.txt:"));
        assert_eq!(intent.mode.as_deref(), Some("NoForce"));
        if outcome.outcome.as_deref() == Some("imported") {
            assert!(outcome.target_digest.as_deref().unwrap().starts_with("sha256:"));
            assert!(!outcome.request_ids.is_empty());
        }
    }
    let text = std::fs::read_to_string(audit.path()).unwrap();
    assert!(!text.contains(secret), "no secret in the audit trail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_noforce_conflict_drift_and_locks() {
    let w = world().await;
    // dev already has cert-manager-controller v1.15.2: an import without Force is refused.
    let f = w.file(
        "present.txt",
        "quay.io/jetstack/cert-manager-controller:v1.15.2 => jetstack/cert-manager-controller\n",
        "dev",
    );
    let (entries, statuses) = w.plan(&f).await;
    assert!(matches!(statuses[0], Status::Present { .. }));
    let target = imports::target_for(&w.registries, &w.config.config, &f).unwrap();
    let a = Approved {
        entry: entries[0].clone(),
        mode: ImportMode::NoForce,
        expected_digest: None,
    };
    let o = execute::import(&w.acr, &target, &a, |_| {}).await;
    match o {
        Outcome::Failed { error, request_ids } => {
            assert_eq!(error.code(), Some("Conflict"), "{error}");
            let text = error.to_string();
            assert!(text.contains("already exists"), "{text}");
            assert!(text.contains("jetstack/cert-manager-controller:v1.15.2"), "{text}");
            assert!(!request_ids.is_empty());
        }
        o => panic!("a NoForce import onto an existing tag must fail: {o:?}"),
    }

    // A source acrdeck can read is compared by digest: staging's apps/api:2.1.1 is dev's build.
    let staging = w.login("contosostaging");
    let f = w.file("same.txt", &format!("{staging}/apps/api:2.1.1 => apps/api\n"), "dev");
    let (_, statuses) = w.plan(&f).await;
    assert!(
        matches!(&statuses[0], Status::Present { digest, source_digest: Some(s), .. } if digest == s),
        "{statuses:?}"
    );
    // uat's apps/api:2.1.0 was rebuilt by hand (the demo world's drift): it differs from staging's.
    let f = w.file("promote.txt", &format!("{staging}/apps/api:2.1.0 => apps/api\n"), "uat");
    let (entries, statuses) = w.plan(&f).await;
    let Status::Drifted {
        digest: before,
        source_digest,
        ..
    } = statuses[0].clone()
    else {
        panic!("{statuses:?}")
    };
    assert_ne!(before, source_digest);
    let staged = w
        .acr
        .registry(&staging)
        .unwrap()
        .resolve("apps/api", "2.1.0")
        .await
        .unwrap();
    assert_eq!(source_digest, staged, "the source digest is staging's, read now");
    // Approving the drifted line (Force) brings the source's digest over, verified.
    let target = imports::target_for(&w.registries, &w.config.config, &f).unwrap();
    let req = execute::request(
        &target,
        &Approved {
            entry: entries[0].clone(),
            mode: ImportMode::Force,
            expected_digest: None,
        },
    )
    .unwrap();
    assert!(
        matches!(&req.source, acrdeck::acr::ImportSource::Registry { resource_id } if resource_id.ends_with("/registries/contosostaging")),
        "a registry of the tenant is imported from by resource id, without credentials"
    );
    let a = Approved {
        entry: entries[0].clone(),
        mode: ImportMode::Force,
        expected_digest: Some(source_digest.clone()),
    };
    match execute::import(&w.acr, &target, &a, |_| {}).await {
        Outcome::Imported { digest, .. } => assert_eq!(digest, source_digest),
        o => panic!("{o:?}"),
    }
    let (_, statuses) = w.plan(&f).await;
    assert!(
        matches!(&statuses[0], Status::Present { digest, source_digest: Some(s), .. } if *digest == staged && *s == staged),
        "{statuses:?}"
    );

    // Into prod: apps/web 1.4.1 is write-locked, base/node is locked as a whole repository.
    let uat = w.login("contosouat");
    let f = w.file(
        "prod.txt",
        &format!("{uat}/apps/web:1.4.1 => apps/web\ndocker.io/library/node:16-alpine => base/node\n"),
        "prod",
    );
    let (_, statuses) = w.plan(&f).await;
    assert!(
        matches!(&statuses[0], Status::Locked { repository: false, digest, .. } if digest.starts_with("sha256:")),
        "{statuses:?}"
    );
    assert!(
        matches!(&statuses[1], Status::Locked { repository: true, .. }),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_after_import_and_a_missing_credential_variable() {
    let w = world().await;
    let mut f = w.file(
        "locked.txt",
        "registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.4.1 => ingress-nginx/kube-webhook-certgen\n\
         docker.io/cloudflare/cloudflared:2024.8.2 => cloudflare/cloudflared\n",
        "dev",
    );
    f.lock_after_import = true;
    f.credentials.insert(
        "docker.io".into(),
        CredentialSource {
            username_env: Some("ACRDECK_TEST_UNSET_DOCKER_USER".into()),
            password_env: Some("ACRDECK_TEST_UNSET_DOCKER_TOKEN".into()),
            ..Default::default()
        },
    );
    let (entries, _) = w.plan(&f).await;
    let target = imports::target_for(&w.registries, &w.config.config, &f).unwrap();
    let approved = |e: &file::Entry| Approved {
        entry: e.clone(),
        mode: ImportMode::NoForce,
        expected_digest: None,
    };
    let mut steps = Vec::new();
    match execute::import(&w.acr, &target, &approved(&entries[0]), |s| steps.push(s)).await {
        Outcome::Imported { locked, .. } => assert!(locked),
        o => panic!("{o:?}"),
    }
    assert!(steps.contains(&execute::Step::Verifying) && steps.contains(&execute::Step::Locking));
    let tag = w
        .acr
        .registry(&target.login_server)
        .unwrap()
        .tag("ingress-nginx/kube-webhook-certgen", "v1.4.1")
        .await
        .unwrap();
    assert!(!tag.changeable_attributes.write_enabled && !tag.changeable_attributes.delete_enabled);
    // The credential is configured but its variable is not set: refused before any request.
    let before = w.emu.requests().await.len();
    match execute::import(&w.acr, &target, &approved(&entries[1]), |_| {}).await {
        Outcome::Failed { error, request_ids } => {
            let text = error.to_string();
            assert!(text.contains("ACRDECK_TEST_UNSET_DOCKER_USER"), "{text}");
            assert!(text.contains("images.credentials.\"docker.io\""), "{text}");
            assert!(request_ids.is_empty());
        }
        o => panic!("{o:?}"),
    }
    let after = w.emu.requests().await;
    assert!(
        !after[before..]
            .iter()
            .any(|r| r["path"].as_str().unwrap_or("").contains("importImage")),
        "no import was sent"
    );
}

/// `acrdeck imports plan` as a pull-request check runs it: the real binary against the emulator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_plan_says_how_things_stand_in_its_exit_status() {
    let w = world().await;
    let state = w.dir.path().join("state");
    let plan = |args: &[&str]| {
        let out = std::process::Command::new(common::BIN)
            .arg("--config")
            .arg(&w.emu.info().config)
            .args(["imports", "plan"])
            .args(args)
            .env("ACRDECK_STATE_DIR", &state)
            .env_remove("RUST_LOG")
            .output()
            .expect("run acrdeck");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let present = w.file(
        "present.txt",
        "# already in dev\nquay.io/jetstack/cert-manager-controller:v1.15.2 => jetstack/cert-manager-controller\n",
        "dev",
    );
    let p = present.path.display().to_string();
    let (code, out, err) = plan(&[&p, "--registry", "dev"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("present.txt:2") && out.contains("PRESENT"), "{out}");

    // The generated config's own images.txt (the seed's lines): some are queued.
    let (code, out, err) = plan(&[]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.lines().next().unwrap().starts_with("LINE"), "{out}");
    assert!(
        out.contains("QUEUED") && out.contains("ingress-nginx/controller:v1.11.1"),
        "{out}"
    );

    let bad = w.file("bad.txt", "quay.io/jetstack/cert-manager-controller:v1.15.2\n", "dev");
    let (code, out, _) = plan(&[&bad.path.display().to_string(), &p, "-o", "json"]);
    assert_eq!(code, Some(2));
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["problems"][0]["line"], 1);
    assert!(doc["problems"][0]["message"].as_str().unwrap().contains("no `=>`"));
    assert_eq!(doc["entries"][0]["state"], "present");
    assert!(doc["entries"][0]["digest"].as_str().unwrap().starts_with("sha256:"));

    let (code, _, err) = plan(&[&p, "--registry", "nowhere"]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("`nowhere`") && err.contains("not among"), "{err}");
}
