//! The Rust `azure_identity` crate's ClientSecretCredential signs in against the emulator's token
//! service through a custom cloud configuration (authority host = the emulator), and the token
//! it gets works on the emulator's ARM. A wrong secret fails with Entra's own error code.

mod common;

use azure_core::cloud::CustomConfiguration;
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, Transport};
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use common::emu::TestEmu;
use std::sync::Arc;

fn options(emu: &TestEmu) -> ClientSecretCredentialOptions {
    let mut custom = CustomConfiguration::default();
    custom.authority_host = emu.info().authority.clone();
    let client_options = ClientOptions {
        cloud: Some(Arc::new(custom.into())),
        // The emulator's CA is trusted by adding it; verification stays on.
        transport: Some(Transport::new(Arc::new(emu.http.clone()))),
        ..Default::default()
    };
    ClientSecretCredentialOptions { client_options }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_credential_signs_in_through_a_custom_cloud() {
    let emu = TestEmu::start().await;
    let i = emu.info().clone();
    let credential = ClientSecretCredential::new(
        &i.tenant,
        i.client_id.clone(),
        Secret::new(i.client_secret.clone()),
        Some(options(&emu)),
    )
    .expect("credential");
    let scope = format!("{}/.default", i.arm);
    let token = credential
        .get_token(&[&scope], None)
        .await
        .expect("a token from the emulator");
    assert!(token.expires_on > azure_core::time::OffsetDateTime::now_utc());
    let r = emu
        .http
        .get(format!(
            "{}/subscriptions/{}/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01",
            i.arm, i.subscription
        ))
        .bearer_auth(token.token.secret())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let wrong = ClientSecretCredential::new(
        &i.tenant,
        i.client_id.clone(),
        Secret::new("not-the-secret".to_string()),
        Some(options(&emu)),
    )
    .unwrap();
    let err = wrong
        .get_token(&[&scope], None)
        .await
        .expect_err("a wrong secret is refused");
    let text = format!("{err:?} {err}");
    assert!(
        text.contains("AADSTS7000215"),
        "Entra's error code reaches the caller: {text}"
    );
}
