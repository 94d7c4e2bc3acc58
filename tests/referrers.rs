//! OCI artifacts next to an image, against the emulator over HTTPS: an artifact pushed with a
//! `subject` is answered with `OCI-Subject` and listed by the referrers API (filtered by
//! `artifactType`, which the registry says it applied), an image without referrers lists none
//! (never 404), a malformed digest is refused; the emulator's second operator signs in as
//! another person; a read-only client pushes nothing.

mod common;

use acrdeck::acr::artifacts::{Artifact, EMPTY_MEDIA_TYPE, sha256};
use acrdeck::acr::{Acr, ErrorKind};
use common::emu::TestEmu;
use std::collections::BTreeMap;

fn client(config: &std::path::Path, readonly: bool) -> Acr {
    let loaded = acrdeck::config::load_file(config, true).expect("generated config loads");
    Acr::new(acrdeck::connect::settings(&loaded, readonly).expect("settings")).expect("client")
}

fn note(kind: &str, subject: acrdeck::acr::artifacts::Descriptor, text: &str) -> Artifact {
    Artifact {
        artifact_type: kind.into(),
        config: serde_json::to_vec(&serde_json::json!({"note": text})).unwrap(),
        subject,
        annotations: BTreeMap::from([("io.acrdeck.test.note".to_string(), text.to_string())]),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_with_a_subject_are_listed_as_referrers_by_type() {
    let emu = TestEmu::start().await;
    let acr = client(&emu.info().config, false);
    let uat = acr.registry(&emu.info().registries["contosouat"]).expect("client");
    let image = uat.descriptor("apps/web", "1.5.0").await.expect("the candidate");
    assert!(image.digest.starts_with("sha256:"));
    assert!(
        uat.referrers("apps/web", &image.digest, None)
            .await
            .expect("referrers")
            .is_empty(),
        "no referrers yet: an empty list, not 404"
    );

    let a = note("application/vnd.acrdeck.test.a.v1+json", image.clone(), "first");
    let b = note("application/vnd.acrdeck.test.b.v1+json", image.clone(), "second");
    let pushed_a = uat.push_artifact("apps/web", &a).await.expect("push a");
    assert!(pushed_a.subject_kept, "the registry answers OCI-Subject");
    assert_eq!(pushed_a.digest, sha256(&a.manifest()));
    uat.push_artifact("apps/web", &b).await.expect("push b");
    // Pushing the same artifact again is the same manifest: still two referrers.
    uat.push_artifact("apps/web", &a).await.expect("push a again");

    let all = uat.referrers("apps/web", &image.digest, None).await.expect("referrers");
    assert_eq!(all.len(), 2, "{all:?}");
    let only_b = uat
        .referrers(
            "apps/web",
            &image.digest,
            Some("application/vnd.acrdeck.test.b.v1+json"),
        )
        .await
        .expect("filtered");
    assert_eq!(only_b.len(), 1);
    assert_eq!(only_b[0].annotations["io.acrdeck.test.note"], "second");
    assert_eq!(
        only_b[0].artifact_type.as_deref(),
        Some("application/vnd.acrdeck.test.b.v1+json")
    );
    // Its config is its content, and the empty descriptor its one layer.
    let manifest: serde_json::Value = serde_json::from_slice(
        &uat.get_manifest("apps/web", &only_b[0].digest)
            .await
            .expect("manifest")
            .1,
    )
    .unwrap();
    assert_eq!(manifest["subject"]["digest"], image.digest.as_str());
    assert_eq!(manifest["layers"][0]["mediaType"], EMPTY_MEDIA_TYPE);
    let config = uat
        .get_blob("apps/web", manifest["config"]["digest"].as_str().unwrap())
        .await
        .expect("config");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&config).unwrap()["note"],
        "second"
    );

    // The wire itself: the filter is said to be applied; a malformed digest is a 400.
    let token = emu.acr_token("contosouat", "repository:apps/web:pull").await;
    let http = common::emu::client_for(emu.info());
    let base = format!("https://{}/v2/apps/web/referrers", emu.info().registries["contosouat"]);
    let r = http
        .get(format!(
            "{base}/{}?artifactType=application/vnd.acrdeck.test.a.v1%2Bjson",
            image.digest
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/vnd.oci.image.index.v1+json");
    assert_eq!(r.headers()["oci-filters-applied"], "artifactType");
    let r = http
        .get(format!("{base}/sha256:nothex"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_operator_is_another_person_and_read_only_pushes_nothing() {
    let emu = TestEmu::start().await;
    let approver = emu
        .info()
        .approver
        .clone()
        .expect("the demo world has a second operator");
    let first = client(&emu.info().config, false).identity().await.expect("identity");
    let second = client(&approver.config, false)
        .identity()
        .await
        .expect("approver identity");
    assert_eq!(second.principal, "acrdeck-demo-approver");
    assert_eq!(second.object_id.as_deref(), Some(approver.object_id.as_str()));
    assert_ne!(first.object_id, second.object_id);

    let readonly = client(&emu.info().config, true);
    let uat = readonly.registry(&emu.info().registries["contosouat"]).expect("client");
    let image = uat.descriptor("apps/web", "1.5.0").await.expect("reads still work");
    let before = emu.requests().await.len();
    let e = uat
        .push_artifact("apps/web", &note("application/vnd.acrdeck.test.a.v1+json", image, "x"))
        .await
        .expect_err("read-only");
    assert_eq!(e.kind, ErrorKind::ReadOnly);
    let after = emu.requests().await;
    assert!(
        after[before..]
            .iter()
            .all(|r| r["method"] == "GET" || r["method"] == "HEAD"),
        "nothing was written: {:?}",
        &after[before..]
    );
}
