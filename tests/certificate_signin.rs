//! Signing in as a service principal with a certificate, through the real binary: the PEM file
//! the emulator registers on its principal, the same certificate as a PKCS#12 file made by the
//! `openssl` command (AES with a password file, and legacy 3DES with a password in the
//! environment), and the refusals an operator can meet: a certificate the application does not
//! know (Entra's AADSTS700027) and a wrong PKCS#12 password.

mod common;

use common::emu::TestEmu;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// The emulator's config with `[auth]` switched to the certificate; `extra` adds auth keys.
fn certificate_config(emu: &TestEmu, dir: &Path, certificate: &Path, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(&emu.info().config).expect("the emulator's config");
    let start = text.find("[auth]\n").expect("an [auth] table");
    let end = start + text[start..].find("\n\n").expect("the [auth] table ends");
    let auth = format!(
        "[auth]\nmethod = \"client-certificate\"\nclient_id = {}\ncertificate_file = {}\n{extra}",
        toml_str(&emu.info().client_id),
        toml_str(&certificate.display().to_string()),
    );
    let path = dir.join(format!(
        "acrdeck-{}.toml",
        certificate.file_stem().unwrap().to_string_lossy()
    ));
    private(&path, &format!("{}{}{}", &text[..start], auth.trim_end(), &text[end..]));
    path
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    owner_only(path);
}

/// acrdeck refuses a key file others on the machine can read, as ssh does.
fn owner_only(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn acrdeck(config: &Path, state: &Path, envs: &[(&str, &str)], args: &[&str]) -> Run {
    let out = Command::new(common::BIN)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("ACRDECK_STATE_DIR", state)
        .env_remove("RUST_LOG")
        .envs(envs.iter().copied())
        .output()
        .expect("run acrdeck");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command (Debian's openssl package; .ci/run installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `openssl pkcs12 -export` of a PEM file's certificate and key into `out`, with `password`.
fn pkcs12(pem: &Path, out: &Path, password: &str, more: &[&str]) {
    let (pem, out, pass) = (
        pem.display().to_string(),
        out.display().to_string(),
        format!("pass:{password}"),
    );
    let mut args = vec![
        "pkcs12", "-export", "-in", &pem, "-inkey", &pem, "-out", &out, "-passout", &pass,
    ];
    args.extend_from_slice(more);
    openssl(&args);
}

fn registry_names(r: &Run) -> Vec<String> {
    assert_eq!(r.code, Some(0), "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let rows: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON rows");
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|row| row["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_signs_in_from_pem_and_pkcs12_files() {
    let emu = TestEmu::start().await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let pem = emu.info().certificate.clone();
    let listing = ["registries", "-o", "json"];

    // The PEM file as `az ad sp create-for-rbac --create-cert` writes one: certificate and key.
    let config = certificate_config(&emu, dir.path(), &pem, "");
    let names = registry_names(&acrdeck(&config, &state, &[], &listing));
    assert!(names.contains(&"contosoprod".to_string()), "{names:?}");

    // PKCS#12 as OpenSSL 3 writes it (AES-256, PBKDF2), its password in a file.
    let pfx = dir.path().join("principal.pfx");
    pkcs12(&pem, &pfx, "correct horse", &[]);
    owner_only(&pfx);
    let password = dir.path().join("pfx-password");
    private(&password, "correct horse\n");
    let extra = format!(
        "certificate_password_file = {}\n",
        toml_str(&password.display().to_string())
    );
    let config = certificate_config(&emu, dir.path(), &pfx, &extra);
    assert_eq!(registry_names(&acrdeck(&config, &state, &[], &listing)), names);

    // Legacy PKCS#12 (3DES, SHA-1 MAC), as older Windows and Key Vault exports are; password
    // from the environment.
    let legacy = dir.path().join("legacy.pfx");
    pkcs12(
        &pem,
        &legacy,
        "legacy",
        &[
            "-certpbe",
            "PBE-SHA1-3DES",
            "-keypbe",
            "PBE-SHA1-3DES",
            "-macalg",
            "sha1",
        ],
    );
    owner_only(&legacy);
    let config = certificate_config(
        &emu,
        dir.path(),
        &legacy,
        "certificate_password_env = \"PFX_PASSWORD\"\n",
    );
    let run = acrdeck(&config, &state, &[("PFX_PASSWORD", "legacy")], &listing);
    assert_eq!(registry_names(&run), names);

    // A wrong password is named as such before anything is sent.
    let run = acrdeck(&config, &state, &[("PFX_PASSWORD", "not it")], &listing);
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("password is wrong"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("not it"),
        "the password never reaches the screen: {}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_the_application_does_not_know_is_refused_with_entras_code() {
    let emu = TestEmu::start().await;
    let dir = tempfile::tempdir().unwrap();
    let stranger = dir.path().join("stranger.pem");
    let key = dir.path().join("stranger.key");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=stranger",
        "-days",
        "2",
        "-keyout",
        &key.display().to_string(),
        "-out",
        &stranger.display().to_string(),
    ]);
    let mut text = std::fs::read_to_string(&stranger).unwrap();
    text.push_str(&std::fs::read_to_string(&key).unwrap());
    private(&stranger, &text);
    let config = certificate_config(&emu, dir.path(), &stranger, "");
    let run = acrdeck(&config, &dir.path().join("state"), &[], &["registries"]);
    assert_eq!(run.code, Some(1), "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("AADSTS700027"), "{}", run.stderr);
    assert!(run.stderr.contains("client-certificate"), "{}", run.stderr);
    assert!(
        run.stderr.contains("upload it to the app registration"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("PRIVATE KEY"), "{}", run.stderr);
}
