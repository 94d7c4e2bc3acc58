//! Promotion between stages on the emulator, over real HTTPS: dev → staging → uat → prod by
//! digest with identical digests in all four and prod locked afterwards (and an overwrite then
//! refused by the registry); refusals onto a locked tag, onto another image, past a stage; a
//! digest rewritten by the registry caught; the audit trail of it all, free of secrets.

mod common;

use acrdeck::acr::model::ImportMode;
use acrdeck::acr::{Acr, ImportRequest, ImportSource, OperationProgress};
use acrdeck::audit::{AuditTrail, Operator, Phase};
use acrdeck::imports::execute::{Approval, Outcome};
use acrdeck::promote::board::{Mark, board};
use acrdeck::promote::promotion::{TargetState, Verdict, plan, promote};
use acrdeck::promote::{ResolvedStage, resolve, stages};
use common::emu::TestEmu;
use futures::StreamExt;

struct World {
    emu: TestEmu,
    acr: Acr,
    stages: Vec<ResolvedStage>,
}

async fn world() -> World {
    let emu = TestEmu::start().await;
    let config = acrdeck::config::load_file(&emu.info().config, true).expect("generated config loads");
    let acr = Acr::new(acrdeck::connect::settings(&config, false).expect("settings")).expect("client");
    let registries = acrdeck::imports::environment(&acr, &config.config.subscriptions)
        .await
        .expect("registries");
    let stages = resolve(&registries, &stages(&config.config)).expect("stages resolve");
    World { emu, acr, stages }
}

fn approval() -> Approval {
    Approval {
        operator: Operator {
            principal: "release@contoso.com".into(),
            ..Default::default()
        },
        note: Some("REL-7 rollout".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promote_through_every_stage_by_digest_and_lock_prod() {
    let w = world().await;
    assert_eq!(
        w.stages.iter().map(|s| s.stage.name.as_str()).collect::<Vec<_>>(),
        ["dev", "staging", "uat", "prod"]
    );
    assert!(w.stages[3].stage.policy.lock_write && w.stages[3].stage.policy.typed_confirmation);
    let dir = tempfile::tempdir().unwrap();
    let audit = AuditTrail::open(dir.path()).unwrap();
    let (repo, tag) = ("apps/web", "1.7.0-rc.1");
    let before = board(&w.acr, &w.stages, repo).await;
    let row = before
        .rows
        .iter()
        .find(|r| r.tag == tag)
        .expect("the rc is on the board");
    assert_eq!(
        (0..4).map(|i| row.mark(i)).collect::<Vec<_>>(),
        [Mark::First, Mark::Missing, Mark::Missing, Mark::Missing]
    );
    let dev_digest = row.cells[0].digest.clone().unwrap();
    // A pattern's board spans its repositories, and shows declared drift (uat's rebuilt 2.1.0).
    let apps = board(&w.acr, &w.stages, "apps/*").await;
    assert_eq!(apps.repositories, ["apps/api", "apps/web"]);
    assert!(!apps.is_partial());
    let rebuilt = apps
        .rows
        .iter()
        .find(|r| r.repository == "apps/api" && r.tag == "2.1.0")
        .unwrap();
    assert_eq!(
        (0..4).map(|i| rebuilt.mark(i)).collect::<Vec<_>>(),
        [Mark::First, Mark::Same, Mark::Differs, Mark::Missing]
    );

    // Skipping a stage is refused by default.
    let skip = plan(&w.acr, &w.stages, 0, 2, repo, tag).await.unwrap();
    assert!(
        matches!(&skip.verdict, Verdict::Refused(why) if why.contains("allow_skip")),
        "{skip:?}"
    );

    for (from, to) in [(0, 1), (1, 2), (2, 3)] {
        let p = plan(&w.acr, &w.stages, from, to, repo, tag).await.unwrap();
        assert_eq!(p.target_state, TargetState::Absent);
        assert_eq!(p.verdict, Verdict::Go(ImportMode::NoForce));
        assert_eq!(p.digest, dev_digest, "promoted by the digest tested upstream");
        let req = p.request(&w.stages).unwrap();
        assert!(
            matches!(&req.source, ImportSource::Registry { .. }),
            "by resource id, no credentials"
        );
        assert_eq!(req.source_image, format!("{repo}@{dev_digest}"));
        let mut steps = Vec::new();
        let (o, audit_error) = promote(&w.acr, &w.stages, &p, &approval(), &audit, |s| steps.push(s)).await;
        assert!(audit_error.is_none());
        match o {
            Outcome::Imported { digest, locked, .. } => {
                assert_eq!(digest, dev_digest);
                assert_eq!(locked, to == 3, "only prod locks by default");
            }
            o => panic!("{from}->{to}: {o:?}"),
        }
    }
    let after = board(&w.acr, &w.stages, repo).await;
    assert!(!after.is_partial());
    let row = after.rows.iter().find(|r| r.tag == tag).unwrap();
    assert!(
        row.cells
            .iter()
            .all(|c| c.digest.as_deref() == Some(dev_digest.as_str()))
    );
    assert_eq!(
        (0..4).map(|i| row.mark(i)).collect::<Vec<_>>(),
        [Mark::First, Mark::Same, Mark::Same, Mark::Same]
    );
    assert!(row.cells[3].write_locked && row.cells[3].delete_locked);
    assert!(!row.cells[2].write_locked);

    // The registry itself now refuses to overwrite the prod tag with other bytes.
    let other = ImportRequest {
        source: ImportSource::Registry {
            resource_id: w.stages[2].registry.id(),
        },
        source_image: "apps/web:1.5.0".into(),
        target_tags: vec![format!("{repo}:{tag}")],
        untagged_repositories: vec![],
        mode: ImportMode::Force,
    };
    let steps: Vec<_> = w
        .acr
        .arm()
        .unwrap()
        .import_image(&w.stages[3].registry, &other)
        .collect()
        .await;
    match steps.last() {
        Some(OperationProgress::Failed(e)) => assert!(e.to_string().contains("locked"), "{e}"),
        s => panic!("an overwrite of a locked prod tag must be refused: {s:?}"),
    }
    // Promoting again is nothing to do.
    let again = plan(&w.acr, &w.stages, 2, 3, repo, tag).await.unwrap();
    assert!(matches!(
        again.target_state,
        TargetState::Locked { .. } | TargetState::Same { .. }
    ));

    let (records, _) = acrdeck::audit::read(audit.path()).unwrap();
    let promotes: Vec<_> = records.iter().filter(|r| r.action == "promote").collect();
    assert_eq!(promotes.len(), 6, "an intent and an outcome per promotion");
    for r in &promotes {
        assert_eq!(r.source_digest.as_deref(), Some(dev_digest.as_str()));
        assert_eq!(r.note.as_deref(), Some("REL-7 rollout"));
        if r.phase == Phase::Outcome {
            assert_eq!(r.outcome.as_deref(), Some("imported"));
            assert_eq!(r.target_digest.as_deref(), Some(dev_digest.as_str()));
            assert!(!r.request_ids.is_empty());
        }
    }
    let text = std::fs::read_to_string(audit.path()).unwrap();
    assert!(
        !text.contains(&w.emu.info().client_secret),
        "no secret in the audit trail"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_a_rewritten_digest() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let audit = AuditTrail::open(dir.path()).unwrap();
    // prod's apps/web:1.4.1 is write-locked.
    let locked = plan(&w.acr, &w.stages, 2, 3, "apps/web", "1.4.1").await.unwrap();
    assert!(
        matches!(locked.target_state, TargetState::Locked { repository: false, .. }),
        "{locked:?}"
    );
    assert!(matches!(&locked.verdict, Verdict::Refused(why) if why.contains("write-locked")));
    let (o, _) = promote(&w.acr, &w.stages, &locked, &approval(), &audit, |_| {}).await;
    assert!(
        matches!(&o, Outcome::Failed { error, .. } if error.to_string().starts_with("not promoted")),
        "{o:?}"
    );
    let (records, _) = acrdeck::audit::read(audit.path()).unwrap();
    let refused = records
        .iter()
        .find(|r| r.phase == Phase::Outcome)
        .expect("the refusal is audited");
    assert_eq!(refused.outcome.as_deref(), Some("refused"));
    assert!(refused.error.as_deref().unwrap().contains("write-locked"));
    assert!(refused.mode.is_none(), "nothing was sent");
    // uat already has staging's apps/web:1.5.0: nothing to do.
    let same = plan(&w.acr, &w.stages, 1, 2, "apps/web", "1.5.0").await.unwrap();
    assert!(matches!(same.target_state, TargetState::Same { .. }), "{same:?}");
    assert_eq!(same.verdict, Verdict::NothingToDo);
    // uat's apps/api:2.1.0 was rebuilt by hand, another image than staging's: replacing it is
    // not allowed by default.
    let other = plan(&w.acr, &w.stages, 1, 2, "apps/api", "2.1.0").await.unwrap();
    assert!(matches!(other.target_state, TargetState::Different { .. }), "{other:?}");
    assert!(matches!(&other.verdict, Verdict::Refused(why) if why.contains("allow_replace")));
    let (o, _) = promote(&w.acr, &w.stages, &other, &approval(), &audit, |_| {}).await;
    assert!(
        matches!(&o, Outcome::Failed { error, .. } if error.to_string().contains("allow_replace")),
        "{o:?}"
    );
    // An unlocked, absent tag in prod is promotable.
    let repo = plan(&w.acr, &w.stages, 2, 3, "apps/api", "2.1.0").await.unwrap();
    assert_eq!(repo.verdict, Verdict::Go(ImportMode::NoForce));

    // The registry writes other bytes than were imported: caught by the read-back.
    let r = w
        .emu
        .http
        .post(format!("{}/rewrite-next-import", w.emu.info().admin))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let p = plan(&w.acr, &w.stages, 0, 1, "apps/api", "2.2.0").await.unwrap();
    assert_eq!(p.verdict, Verdict::Go(ImportMode::NoForce));
    let (o, _) = promote(&w.acr, &w.stages, &p, &approval(), &audit, |_| {}).await;
    match &o {
        Outcome::Failed { error, .. } => {
            assert!(error.to_string().contains("DIGEST MISMATCH"), "{error}");
            assert!(
                error.to_string().contains(&p.digest),
                "names the expected digest: {error}"
            );
        }
        o => panic!("a rewritten digest must fail the promotion: {o:?}"),
    }
    let (records, _) = acrdeck::audit::read(audit.path()).unwrap();
    let mismatch = records
        .iter()
        .find(|r| r.phase == Phase::Outcome && r.error.as_deref().is_some_and(|e| e.contains("DIGEST MISMATCH")))
        .expect("the mismatch is audited");
    assert_eq!(mismatch.outcome.as_deref(), Some("failed"));
    assert!(mismatch.error.as_deref().unwrap().contains(&p.digest));
    assert_eq!(mismatch.source_digest.as_deref(), Some(p.digest.as_str()));
}
