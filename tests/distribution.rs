//! The generic OCI parts of the shared client (catalog, tags/list, manifest HEAD digest) against a
//! real CNCF Distribution registry: Debian's `docker-registry`, started by this test on loopback
//! with TLS from a throwaway CA, and filled with `skopeo`. `.ci/run` installs both.

mod common;

use acrdeck::acr::RegistryClient;
use acrdeck::acr::http::{Http, NetworkSettings};
use acrdeck::acr::paging::collect;
use common::oci::oci_layout;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn tools_present() -> bool {
    ["docker-registry", "skopeo"].iter().all(|t| {
        Command::new(t)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

struct Registry {
    child: Child,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A certificate for 127.0.0.1 signed by a throwaway CA: (ca.pem, cert.pem, key.pem) in `dir`.
fn certificates(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
    // skopeo reads CAs from a directory of *.crt files.
    std::fs::create_dir_all(dir.join("certs.d")).unwrap();
    std::fs::write(dir.join("certs.d/ca.crt"), ca_cert.pem()).unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_oci_calls_work_against_cncf_distribution() {
    if !tools_present() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "docker-registry and skopeo are missing; .ci/run installs them (apt)"
        );
        eprintln!(
            "SKIPPED generic_oci_calls_work_against_cncf_distribution: docker-registry and skopeo are not installed (apt-get install docker-registry skopeo)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certificates(d);
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    std::fs::write(
        d.join("config.yml"),
        format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n  tls:\n    certificate: {}\n    key: {}\n",
            d.join("data").display(),
            d.join("cert.pem").display(),
            d.join("key.pem").display()
        ),
    )
    .unwrap();
    let _registry = Registry {
        child: Command::new("docker-registry")
            .arg("serve")
            .arg(d.join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry"),
    };
    let http = Http::new(&NetworkSettings {
        ca_bundle: Some(d.join("ca.pem")),
        ..Default::default()
    })
    .unwrap();
    let client = RegistryClient::new(http, None, &addr, true).unwrap();
    // Wait until it answers.
    let deadline = Instant::now() + Duration::from_secs(30);
    while collect(client.oci_repositories(10)).await.error.is_some() {
        assert!(Instant::now() < deadline, "docker-registry did not come up on {addr}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Push with skopeo: three repositories, one with five tags.
    let mut expected = std::collections::BTreeMap::new();
    for (repo, tags) in [
        ("apps/web", vec!["1.0", "1.1", "1.2", "2.0", "latest"]),
        ("apps/api", vec!["1.0"]),
        ("base/node", vec!["15-alpine"]),
    ] {
        for tag in tags {
            let layout = d.join(format!("layout-{}-{tag}", repo.replace('/', "-")));
            oci_layout(&layout, &format!("{repo}:{tag}"));
            // skopeo may rewrite the manifest on the way (compression): it says what it pushed.
            let digest_file = d.join("digest");
            let out = Command::new("skopeo")
                .args(["copy", "--quiet", "--digestfile"])
                .arg(&digest_file)
                .arg("--dest-cert-dir")
                .arg(d.join("certs.d"))
                .arg(format!("oci:{}", layout.display()))
                .arg(format!("docker://{addr}/{repo}:{tag}"))
                .output()
                .expect("run skopeo");
            assert!(
                out.status.success(),
                "skopeo copy: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let digest = std::fs::read_to_string(&digest_file).unwrap().trim().to_string();
            expected.insert(format!("{repo}:{tag}"), digest);
        }
    }
    // Catalog across pages.
    let repos = collect(client.oci_repositories(2)).await;
    assert!(repos.is_complete(), "{:?}", repos.error);
    assert_eq!(repos.items, ["apps/api", "apps/web", "base/node"]);
    assert_eq!(repos.pages, 2);
    // Tags across pages.
    let tags = collect(client.oci_tags("apps/web", 2)).await;
    assert!(tags.is_complete(), "{:?}", tags.error);
    // Distribution 2.8 ignores `n` on tags/list (paging arrived in 3.0) and answers in storage
    // order: compare as a set. Tag paging itself is covered against the emulator.
    let mut names = tags.items.clone();
    names.sort();
    assert_eq!(names, ["1.0", "1.1", "1.2", "2.0", "latest"]);
    // Manifest HEAD gives the digest skopeo pushed.
    for (reference, digest) in &expected {
        let (repo, tag) = reference.rsplit_once(':').unwrap();
        assert_eq!(&client.resolve(repo, tag).await.unwrap(), digest, "{reference}");
    }
    let missing = client.resolve("apps/web", "nope").await.unwrap_err();
    assert_eq!(missing.kind, acrdeck::acr::ErrorKind::NotFound, "{missing}");
}
