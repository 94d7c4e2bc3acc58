//! The official Azure CLI (installed by `.ci/run` into `target/az-cli` from
//! tests/python/az-requirements.txt) works against the emulator as an operator uses it: the
//! cloud registered from its metadata endpoint, a service principal signed in, then repositories
//! and tags listed and a task run started without `-g`, so the CLI finds each registry's
//! resource group through the generic resources listing.

mod common;

use common::emu::TestEmu;
use std::path::{Path, PathBuf};
use std::process::Output;

/// `ACRDECK_AZ`, else the virtual environment `.ci/run` makes, else `az` on PATH.
fn az_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ACRDECK_AZ") {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/az-cli/bin/az");
    if venv.is_file() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("az"))
            .find(|p| p.is_file())
    })
}

struct Az<'a> {
    bin: PathBuf,
    config: &'a Path,
    ca: &'a Path,
}

impl Az<'_> {
    async fn run(&self, args: &[&str]) -> Output {
        let out = tokio::process::Command::new(&self.bin)
            .args(args)
            .env("AZURE_CONFIG_DIR", self.config)
            .env("REQUESTS_CA_BUNDLE", self.ca)
            .env("SSL_CERT_FILE", self.ca)
            .env("AZURE_CORE_COLLECT_TELEMETRY", "false")
            .env("AZURE_CORE_NO_COLOR", "true")
            .env("AZURE_CORE_SURVEY_MESSAGE", "false")
            // The emulator's authority is its own cloud: MSAL must not ask Microsoft's
            // instance discovery about it (there is no network to reach it).
            .env("AZURE_CORE_INSTANCE_DISCOVERY", "false")
            .kill_on_drop(true)
            .output()
            .await
            .expect("run az");
        assert!(
            out.status.success(),
            "az {} failed:\n{}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    async fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let out = self.run(&all).await;
        serde_json::from_slice(&out.stdout).expect("az prints JSON")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_az_cli_lists_and_runs_tasks_without_a_resource_group() {
    let Some(bin) = az_binary() else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "the Azure CLI is not installed; .ci/run installs it into target/az-cli from tests/python/az-requirements.txt"
        );
        eprintln!(
            "SKIPPED the_az_cli_lists_and_runs_tasks_without_a_resource_group: the Azure CLI is not installed (python3 -m venv target/az-cli && target/az-cli/bin/pip install -r tests/python/az-requirements.txt)"
        );
        return;
    };
    let emu = TestEmu::start().await;
    let i = emu.info().clone();
    let config = tempfile::tempdir().expect("temp dir");
    let az = Az {
        bin,
        config: config.path(),
        ca: &i.ca_cert,
    };
    // A trailing slash, as operators type it: the CLI then asks for `//metadata/endpoints`.
    let arm = format!("{}/", i.arm);
    az.run(&[
        "cloud",
        "register",
        "-n",
        "AcrdeckEmulator",
        "--endpoint-resource-manager",
        &arm,
    ])
    .await;
    az.run(&["cloud", "set", "-n", "AcrdeckEmulator"]).await;
    az.run(&[
        "login",
        "--service-principal",
        "-u",
        &i.client_id,
        "-p",
        &i.client_secret,
        "--tenant",
        &i.tenant,
        "-o",
        "none",
    ])
    .await;

    let repos = az.json(&["acr", "repository", "list", "-n", "contosodev"]).await;
    assert!(
        repos.as_array().is_some_and(|r| r.iter().any(|x| x == "apps/web")),
        "{repos}"
    );
    let tags = az
        .json(&[
            "acr",
            "repository",
            "show-tags",
            "-n",
            "contosodev",
            "--repository",
            "apps/web",
        ])
        .await;
    assert!(
        tags.as_array().is_some_and(|t| t.iter().any(|x| x == "1.6.0")),
        "{tags}"
    );

    // `az acr task run` reads the task's details, schedules the run and streams its log to the end.
    let out = az
        .run(&["acr", "task", "run", "-r", "contosodev", "-n", "hello-world"])
        .await;
    let log = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("was successful after"), "{log}");
    let runs = az
        .json(&[
            "acr",
            "task",
            "list-runs",
            "-r",
            "contosodev",
            "-n",
            "hello-world",
            "--top",
            "1",
        ])
        .await;
    assert_eq!(runs[0]["status"], "Succeeded", "{runs}");

    // Every ARM call went without a resource group until the CLI had found it.
    let requests = emu.requests().await;
    let listed = requests
        .iter()
        .any(|r| r["listener"] == "arm" && r["path"].as_str().is_some_and(|p| p.ends_with("/resources")));
    assert!(listed, "the CLI found the registry through the resources listing");
    assert!(
        requests
            .iter()
            .any(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/listDetails"))),
        "the CLI read the task's details"
    );
}
