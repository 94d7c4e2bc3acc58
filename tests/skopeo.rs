//! skopeo (Debian's package, installed by `.ci/run`), a client no one here wrote, logs in to
//! the emulator with the credentials clients use for Microsoft Entra identities: user
//! `00000000-0000-0000-0000-000000000000` with an ACR refresh token (what
//! `az acr login --expose-token` hands out), and a service principal's app id and secret. With
//! each it lists tags and copies an image in; a repository-scoped token reads only what its
//! scope map names; wrong credentials are refused.

mod common;

use common::emu::TestEmu;
use common::oci::oci_layout;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn skopeo_present() -> bool {
    Command::new("skopeo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn skopeo(certs: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new("skopeo");
    cmd.args(args.iter().take(1));
    // Every subcommand takes its registry's CA folder; copy names the destination's.
    if args.first() == Some(&"copy") {
        cmd.arg("--dest-cert-dir").arg(certs);
    } else {
        cmd.arg("--cert-dir").arg(certs);
    }
    cmd.args(args.iter().skip(1));
    cmd.output().expect("run skopeo")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skopeo_signs_in_with_entra_identities_lists_and_copies() {
    if !skopeo_present() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "skopeo is missing; .ci/run installs it (apt)");
        eprintln!(
            "SKIPPED skopeo_signs_in_with_entra_identities_lists_and_copies: skopeo is not installed (apt-get install skopeo)"
        );
        return;
    }
    let emu = TestEmu::start().await;
    let i = emu.info().clone();
    let host = i.registries["contosodev"].clone();
    let work = tempfile::tempdir().expect("temp dir");
    let certs = work.path().join("certs.d");
    std::fs::create_dir_all(&certs).expect("certs dir");
    std::fs::copy(&i.ca_cert, certs.join("ca.crt")).expect("CA copied");

    // The refresh token `az acr login --expose-token` prints: Entra token, then exchange.
    let refresh = common::emu::refresh_token(&emu.http, &i, "contosodev").await;
    let aad = emu.arm_token().await;

    let identities = [
        (
            "an ACR refresh token",
            format!("00000000-0000-0000-0000-000000000000:{refresh}"),
        ),
        ("a service principal", format!("{}:{}", i.client_id, i.client_secret)),
    ];
    for (n, (who, creds)) in identities.iter().enumerate() {
        let out = skopeo(
            &certs,
            &["list-tags", "--creds", creds, &format!("docker://{host}/apps/web")],
        );
        assert!(
            out.status.success(),
            "{who}: list-tags: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tags: Value = serde_json::from_slice(&out.stdout).expect("skopeo prints JSON");
        assert!(
            tags["Tags"].as_array().is_some_and(|t| t.iter().any(|x| x == "1.6.0")),
            "{who}: {tags}"
        );

        let layout = work.path().join(format!("layout-{n}"));
        oci_layout(&layout, &format!("skopeo-{n}"));
        let digest_file = work.path().join(format!("digest-{n}"));
        let target = format!("docker://{host}/tools/skopeo:{n}");
        let out = skopeo(
            &certs,
            &[
                "copy",
                "--quiet",
                "--dest-creds",
                creds,
                "--digestfile",
                &digest_file.display().to_string(),
                &format!("oci:{}", layout.display()),
                &target,
            ],
        );
        assert!(
            out.status.success(),
            "{who}: copy: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pushed = std::fs::read_to_string(&digest_file).expect("digest file");
        let out = skopeo(&certs, &["inspect", "--raw", "--creds", creds, &target]);
        assert!(
            out.status.success(),
            "{who}: inspect: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            common::oci::sha(&out.stdout),
            pushed.trim(),
            "{who}: the registry holds what skopeo pushed"
        );
    }

    // A repository-scoped token (the demo's CI push token) reads what its scope map names only.
    let token = "ci-pusher:tok~ci-pusher-demo";
    let out = skopeo(
        &certs,
        &["list-tags", "--creds", token, &format!("docker://{host}/apps/web")],
    );
    assert!(
        out.status.success(),
        "the token lists apps/web: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = skopeo(
        &certs,
        &["list-tags", "--creds", token, &format!("docker://{host}/apps/api")],
    );
    assert!(
        !out.status.success(),
        "and not apps/api, which its scope map does not name"
    );

    for (who, creds) in [
        ("a wrong secret", format!("{}:not-the-secret", i.client_id)),
        (
            "a token that is not a refresh token",
            format!("00000000-0000-0000-0000-000000000000:{aad}"),
        ),
    ] {
        let out = skopeo(
            &certs,
            &["list-tags", "--creds", &creds, &format!("docker://{host}/apps/web")],
        );
        assert!(!out.status.success(), "{who} is refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("401") || err.to_lowercase().contains("unauthorized"),
            "{who}: {err}"
        );
    }
}
