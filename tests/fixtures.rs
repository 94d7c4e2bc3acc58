//! Conformance of the shared ACR client with Microsoft's official examples: every response body
//! in the examples folder parses into the client's models (values read, not just accepted), and
//! every request body the client builds (import, cache rule, attribute PATCH, scheduleRun)
//! matches the example's request. The folder is `ACRDECK_FIXTURES` (default `../shared/fixtures`).

mod common;

use acrdeck::acr::arm::LogLinks;
use acrdeck::acr::model::*;
use acrdeck::acr::{ArmClient, ImportRequest, ImportSource, RegistryClient, RegistryRef};
use azure_core::credentials::Secret;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::Path;

fn parse<T: DeserializeOwned>(body: &Value) -> Result<T, String> {
    serde_json::from_value(body.clone()).map_err(|e| e.to_string())
}

/// Parses a response body with the model for its example; returns what a reader would check.
fn check_response(file: &str, body: &Value) -> Result<(), String> {
    let name = file.rsplit('/').next().unwrap_or(file).trim_end_matches(".json");
    match name {
        "RegistryList" | "RegistryListByResourceGroup" => {
            let p: ArmPage<Registry> = parse(body)?;
            let r = p.value.first().ok_or("no registry")?;
            (r.resource_group() == Some("myResourceGroup")
                && r.sku.name == SkuName::Standard
                && !r.properties.login_server.is_empty())
            .then_some(())
            .ok_or_else(|| format!("registry read wrongly: {r:?}"))
        }
        "RegistryGet" | "RegistryUpdate" => parse::<Registry>(body).and_then(|r| {
            r.properties
                .login_server
                .ends_with("azurecr.io")
                .then_some(())
                .ok_or("login server".into())
        }),
        "RegistryListUsages" => parse::<UsageList>(body).and_then(|u| {
            (u.value.len() == 2 && u.value[0].limit.is_some())
                .then_some(())
                .ok_or("usages".into())
        }),
        "CacheRuleList" => parse::<ArmPage<CacheRule>>(body).map(|_| ()),
        "CacheRuleGet" | "CacheRuleCreate" | "CacheRuleUpdate" => parse::<CacheRule>(body).and_then(|c| {
            (c.properties.source_repository == "docker.io/library/hello-world" && c.credential_set_name().is_some())
                .then_some(())
                .ok_or("cache rule".into())
        }),
        "CredentialSetList" => parse::<ArmPage<CredentialSet>>(body).map(|_| ()),
        "CredentialSetGet" | "CredentialSetCreate" | "CredentialSetUpdate" => {
            parse::<CredentialSet>(body).and_then(|c| {
                (c.health() == HealthStatus::Healthy)
                    .then_some(())
                    .ok_or("health".into())
            })
        }
        "WebhookList" => parse::<ArmPage<Webhook>>(body).map(|_| ()),
        "WebhookGet" => parse::<Webhook>(body).and_then(|w| {
            (w.properties.actions == ["push"] && w.properties.scope == "myRepository")
                .then_some(())
                .ok_or_else(|| format!("webhook read wrongly: {w:?}"))
        }),
        "WebhookGetCallbackConfig" => parse::<CallbackConfig>(body).and_then(|c| {
            (c.host().as_deref() == Some("myservice.com") && c.custom_headers.contains_key("Authorization"))
                .then_some(())
                .ok_or_else(|| format!("callback config read wrongly: {c:?}"))
        }),
        "WebhookPing" => parse::<EventInfo>(body).map(|_| ()),
        "ReplicationList" => parse::<ArmPage<Replication>>(body).map(|_| ()),
        "ReplicationGet" => parse::<Replication>(body).and_then(|r| {
            let status = r.properties.status.as_ref().and_then(|s| s.display_status.as_deref());
            (status == Some("Ready") && r.location == "eastus")
                .then_some(())
                .ok_or_else(|| format!("replication read wrongly: {r:?}"))
        }),
        "ScopeMapList" => parse::<ArmPage<ScopeMap>>(body).map(|_| ()),
        "ScopeMapGet" => parse::<ScopeMap>(body).and_then(|m| {
            (m.properties.actions.len() == 2 && m.properties.creation_date.is_some())
                .then_some(())
                .ok_or_else(|| format!("scope map read wrongly: {m:?}"))
        }),
        "TokenList" | "TokenGet" => {
            let token = if name == "TokenList" {
                parse::<ArmPage<Token>>(body)?
                    .value
                    .into_iter()
                    .next()
                    .ok_or("no token")?
            } else {
                parse::<Token>(body)?
            };
            (token.properties.scope_map_name() == Some("myScopeMap")
                && token.properties.status.as_deref() == Some("enabled"))
            .then_some(())
            .ok_or_else(|| format!("token read wrongly: {token:?}"))
        }
        "RegistryListCredentials" => parse::<RegistryCredentials>(body).and_then(|c| {
            (c.username.as_deref() == Some("myRegistry") && c.passwords.len() == 2)
                .then_some(())
                .ok_or("credentials".into())
        }),
        "RegistryListPrivateLinkResources" => parse::<ArmPage<PrivateLinkResource>>(body).and_then(|p| {
            let r = p.value.first().ok_or("no private link resource")?;
            (r.properties.group_id.as_deref() == Some("registry")
                && r.properties.required_zone_names == ["privatelink.azurecr.io"])
            .then_some(())
            .ok_or_else(|| format!("private link resource read wrongly: {r:?}"))
        }),
        "PrivateEndpointConnectionList" => parse::<ArmPage<PrivateEndpointConnection>>(body).and_then(|p| {
            let c = p.value.first().ok_or("no connection")?;
            let state = c.properties.private_link_service_connection_state.as_ref();
            (state.and_then(|s| s.status.as_deref()) == Some("Approved"))
                .then_some(())
                .ok_or_else(|| format!("connection read wrongly: {c:?}"))
        }),
        "WebhookListEvents" => parse::<ArmPage<WebhookEvent>>(body).map(|_| ()),
        "TasksList" => parse::<ArmPage<Task>>(body).map(|_| ()),
        // The details add the step's and the credentials' secrets; the model keeps the step as
        // sent and never shows it.
        "TasksGetDetails" => parse::<TaskDetails>(body).and_then(|t| {
            t.properties
                .step
                .filter(|s| s["type"] == "Docker")
                .map(|_| ())
                .ok_or("step".into())
        }),
        "TasksGet" => parse::<Task>(body).and_then(|t| {
            t.properties
                .platform
                .and_then(|p| p.os)
                .filter(|o| *o == Os::Linux)
                .map(|_| ())
                .ok_or("platform".into())
        }),
        "RunsList" => parse::<ArmPage<Run>>(body).and_then(|p| {
            let r = p.value.first().ok_or("no run")?;
            (r.status() == RunStatus::Succeeded && r.trigger() == Trigger::BaseImageUpdate)
                .then_some(())
                .ok_or_else(|| format!("run read wrongly: {r:?}"))
        }),
        "RunsGet"
        | "RunsUpdate"
        | "RegistriesScheduleRun_Task"
        | "RegistriesScheduleRun_EncodedTaskRun"
        | "RunsCancel" => parse::<Run>(body).and_then(|r| {
            (!matches!(r.status(), RunStatus::Other(_)))
                .then_some(())
                .ok_or("status".into())
        }),
        "RunsGetLogSasUrl" => parse::<LogLinks>(body).and_then(|l| {
            l.log_link
                .filter(|l| l.contains("sig="))
                .map(|_| ())
                .ok_or("logLink".into())
        }),
        "GetRepositoryList" => {
            parse::<Catalog>(body).and_then(|c| (c.repositories.len() == 2).then_some(()).ok_or("repositories".into()))
        }
        "GetTagList" => parse::<TagList>(body).and_then(|t| {
            (t.tags.len() == 2 && t.tags[0].digest.starts_with("sha256:"))
                .then_some(())
                .ok_or("tags".into())
        }),
        "GetTagAttributes" | "UpdateTagAttributes" => parse::<TagAttributesResponse>(body).and_then(|t| {
            (!t.tag.changeable_attributes.write_enabled)
                .then_some(())
                .ok_or("locks".into())
        }),
        "GetManifestList" => parse::<ManifestList>(body).and_then(|m| {
            (m.manifests[0].os == Some(Os::Windows) && m.manifests[0].image_size > 0)
                .then_some(())
                .ok_or("manifests".into())
        }),
        "GetManifestAttributes" | "UpdateManifestAttributes" => parse::<ManifestAttributesResponse>(body).map(|_| ()),
        "GetRepositoryAttributes" | "UpdateRepositoryAttributes" => {
            parse::<RepositoryProperties>(body).and_then(|r| (r.tag_count == 2).then_some(()).ok_or("counts".into()))
        }
        "PostRefreshToken" => body["refresh_token"].as_str().map(|_| ()).ok_or("refresh_token".into()),
        "GetAccessToken" => body["access_token"].as_str().map(|_| ()).ok_or("access_token".into()),
        other => Err(format!(
            "no model is mapped to the example `{other}`: map it in tests/fixtures.rs"
        )),
    }
}

fn example(dir: &Path, file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))).unwrap()
}

#[test]
fn every_response_body_parses_into_the_clients_models() {
    let Some(dir) = common::emu::fixtures_dir("every_response_body_parses_into_the_clients_models") else {
        return;
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    for sub in std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.path().is_dir()) {
        for f in std::fs::read_dir(sub.path()).unwrap().flatten() {
            let rel = format!(
                "{}/{}",
                sub.file_name().to_string_lossy(),
                f.file_name().to_string_lossy()
            );
            if !rel.ends_with(".json") {
                continue;
            }
            let v = example(&dir, &rel);
            for (status, resp) in v["responses"].as_object().into_iter().flatten() {
                if let Some(body) = resp.get("body").filter(|b| !b.is_null()) {
                    checked += 1;
                    if let Err(e) = check_response(&rel, body) {
                        problems.push(format!("{rel} ({status}): {e}"));
                    }
                }
            }
        }
    }
    assert!(checked >= 35, "only {checked} bodies found in {}", dir.display());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn request_bodies_match_the_examples() {
    let Some(dir) = common::emu::fixtures_dir("request_bodies_match_the_examples") else {
        return;
    };
    // importImage, each form.
    for file in [
        "ImportImageByTag",
        "ImportImageByManifestDigest",
        "ImportImageFromPublicRegistry",
    ] {
        let ex = example(&dir, &format!("arm-2025-11-01/{file}.json"));
        let p = &ex["parameters"]["parameters"];
        let source = match p["source"]["resourceId"].as_str() {
            Some(id) => ImportSource::Registry { resource_id: id.into() },
            None => ImportSource::Uri {
                registry_uri: p["source"]["registryUri"].as_str().unwrap().into(),
                credentials: p["source"]["credentials"]["username"].as_str().map(|u| {
                    (
                        u.to_string(),
                        Secret::new(
                            p["source"]["credentials"]["password"]
                                .as_str()
                                .unwrap_or("")
                                .to_string(),
                        ),
                    )
                }),
            },
        };
        let strings = |v: &Value| {
            v.as_array()
                .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        let req = ImportRequest {
            source,
            source_image: p["source"]["sourceImage"].as_str().unwrap().into(),
            target_tags: strings(&p["targetTags"]),
            untagged_repositories: strings(&p["untaggedTargetRepositories"]),
            mode: ImportMode::parse(p["mode"].as_str().unwrap_or("NoForce")),
        };
        assert_eq!(&req.body(), p, "{file}");
    }
    // Cache rules.
    let ex = example(&dir, "arm-2025-11-01/CacheRuleCreate.json");
    let p = &ex["parameters"]["cacheRuleCreateParameters"]["properties"];
    let body = ArmClient::cache_rule_body(
        p["sourceRepository"].as_str(),
        p["targetRepository"].as_str(),
        p["credentialSetResourceId"].as_str(),
    );
    assert_eq!(body, ex["parameters"]["cacheRuleCreateParameters"]);
    let ex = example(&dir, "arm-2025-11-01/CacheRuleUpdate.json");
    let body = ArmClient::cache_rule_body(
        None,
        None,
        ex["parameters"]["cacheRuleUpdateParameters"]["properties"]["credentialSetResourceId"].as_str(),
    );
    assert_eq!(body, ex["parameters"]["cacheRuleUpdateParameters"]);
    // Credential sets.
    let ex = example(&dir, "arm-2025-11-01/CredentialSetCreate.json");
    let p = &ex["parameters"]["credentialSetCreateParameters"];
    let cred = &p["properties"]["authCredentials"][0];
    let body = ArmClient::credential_set_body(
        p["properties"]["loginServer"].as_str(),
        cred["usernameSecretIdentifier"].as_str().unwrap(),
        cred["passwordSecretIdentifier"].as_str().unwrap(),
    );
    assert_eq!(&body, p);
    let ex = example(&dir, "arm-2025-11-01/CredentialSetUpdate.json");
    let p = &ex["parameters"]["credentialSetUpdateParameters"];
    let cred = &p["properties"]["authCredentials"][0];
    let body = ArmClient::credential_set_body(
        None,
        cred["usernameSecretIdentifier"].as_str().unwrap(),
        cred["passwordSecretIdentifier"].as_str().unwrap(),
    );
    assert_eq!(&body, p);
    // Attribute PATCHes (one example carries its body as a JSON string).
    let lock_write = RegistryClient::attributes_body(&AttributesUpdate {
        write_enabled: Some(false),
        ..Default::default()
    });
    for file in [
        "UpdateTagAttributes",
        "UpdateManifestAttributes",
        "UpdateRepositoryAttributes",
    ] {
        let ex = example(&dir, &format!("dataplane-2021-07-01/{file}.json"));
        let value = match &ex["parameters"]["value"] {
            Value::String(s) => serde_json::from_str(s).unwrap(),
            v => v.clone(),
        };
        assert_eq!(lock_write, value, "{file}");
    }
    // scheduleRun for a task: every field the client sends is the example's.
    let ex = example(&dir, "arm-tasks-2025-03-01-preview/RegistriesScheduleRun_Task.json");
    let req = &ex["parameters"]["runRequest"];
    // The example names the task bare (`myTask`); the spec defines taskId as the task's resource
    // id, which the client sends (and the az CLI too). Both name the same task.
    let task = req["taskId"].as_str().unwrap();
    let registry = RegistryRef {
        subscription: ex["parameters"]["subscriptionId"].as_str().unwrap().into(),
        resource_group: ex["parameters"]["resourceGroupName"].as_str().unwrap().into(),
        name: ex["parameters"]["registryName"].as_str().unwrap().into(),
    };
    let body = ArmClient::task_run_body(&registry, task);
    assert_eq!(body["type"], req["type"]);
    assert_eq!(body["taskId"].as_str().unwrap().rsplit('/').next(), Some(task));
    assert_eq!(body.as_object().unwrap().len(), 2, "only type and taskId are sent");
}
