//! Azure Resource Manager for container registries: registries and usages, importImage as a
//! long-running operation reported step by step, cache rules, credential sets, tasks, runs (with
//! the az CLI's `$filter` forms), run log links, webhooks.

use super::auth::ArmAuth;
use super::error::{AcrError, ErrorKind, Result};
use super::http::{Http, Req, Resp, error_from, retry_after};
use super::model::*;
use super::paging::{Follow, Next, Pages};
use azure_core::credentials::Secret;
use futures::StreamExt;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

pub const REGISTRY_API: &str = "2025-11-01";
pub const TASKS_API: &str = "2025-03-01-preview";
const SUBSCRIPTIONS_API: &str = "2022-12-01";

#[derive(Clone)]
pub struct ArmClient {
    http: Http,
    auth: Arc<ArmAuth>,
    endpoint: Url,
    readonly: bool,
}

/// Identifies a registry in ARM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
}

impl RegistryRef {
    /// From `/subscriptions/S/resourceGroups/G/providers/Microsoft.ContainerRegistry/registries/N`.
    pub fn parse(id: &str) -> Option<RegistryRef> {
        let p: Vec<&str> = id.trim_matches('/').split('/').collect();
        (p.len() >= 8
            && p[0].eq_ignore_ascii_case("subscriptions")
            && p[2].eq_ignore_ascii_case("resourceGroups")
            && p[6].eq_ignore_ascii_case("registries"))
        .then(|| RegistryRef {
            subscription: p[1].into(),
            resource_group: p[3].into(),
            name: p[7].into(),
        })
    }

    pub fn id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerRegistry/registries/{}",
            self.subscription, self.resource_group, self.name
        )
    }
}

/// Where an import takes its image from.
#[derive(Clone)]
pub enum ImportSource {
    /// Another registry of the tenant, by ARM resource id: no credentials needed.
    Registry { resource_id: String },
    /// Any other registry by host (docker.io, quay.io), with credentials when it needs them.
    Uri {
        registry_uri: String,
        credentials: Option<(String, Secret)>,
    },
}

/// An importImage request. Debug never shows the credentials.
#[derive(Clone)]
pub struct ImportRequest {
    pub source: ImportSource,
    /// `repo:tag` or `repo@sha256:...` in the source.
    pub source_image: String,
    /// `repo:tag` targets.
    pub target_tags: Vec<String>,
    pub untagged_repositories: Vec<String>,
    /// NoForce unless Force is asked for.
    pub mode: ImportMode,
}

impl std::fmt::Debug for ImportRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportRequest")
            .field("source_image", &self.source_image)
            .field("target_tags", &self.target_tags)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl ImportRequest {
    /// The request body as the service takes it (the credentials' password included: only for
    /// the wire, never for logs).
    pub fn body(&self) -> Value {
        let source = match &self.source {
            ImportSource::Registry { resource_id } => {
                json!({"resourceId": resource_id, "sourceImage": self.source_image})
            }
            ImportSource::Uri {
                registry_uri,
                credentials,
            } => {
                let mut s = json!({"registryUri": registry_uri, "sourceImage": self.source_image});
                if let Some((user, pass)) = credentials {
                    s["credentials"] = json!({"username": user, "password": pass.secret()});
                }
                s
            }
        };
        let mut body = json!({"source": source, "mode": self.mode.as_str()});
        if !self.target_tags.is_empty() {
            body["targetTags"] = json!(self.target_tags);
        }
        if !self.untagged_repositories.is_empty() {
            body["untaggedTargetRepositories"] = json!(self.untagged_repositories);
        }
        body
    }
}

/// Progress of a long-running operation, as it is polled.
#[derive(Debug, Clone)]
pub enum OperationProgress {
    /// The service took the request: its request id, for the audit trail and support cases.
    Accepted {
        request_id: Option<String>,
    },
    /// Accepted; polling has started (polls so far).
    Running {
        polls: u32,
    },
    Succeeded,
    Failed(AcrError),
}

/// The `$filter` of a runs listing, written as the az CLI writes it.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub task: Option<String>,
    pub status: Option<RunStatus>,
    /// Runs whose output images contain this (`repo:tag`).
    pub image: Option<String>,
}

impl RunFilter {
    pub fn to_odata(&self) -> Option<String> {
        let mut clauses = Vec::new();
        if let Some(s) = &self.status {
            clauses.push(format!("Status eq '{}'", s.as_str()));
        }
        if let Some(t) = &self.task {
            clauses.push(format!("TaskName eq '{t}'"));
        }
        if let Some(i) = &self.image {
            clauses.push(format!("contains(OutputImageManifests, '{i}')"));
        }
        (!clauses.is_empty()).then(|| clauses.join(" and "))
    }
}

/// A run's log locations.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogLinks {
    pub log_link: Option<String>,
    pub log_artifact_link: Option<String>,
}

impl LogLinks {
    /// The link to follow: the live log, or for a finished run the archived one when that is
    /// all there is.
    pub fn link(&self) -> Option<&str> {
        fn usable(l: &Option<String>) -> Option<&str> {
            l.as_deref().filter(|l| !l.is_empty())
        }
        usable(&self.log_link).or_else(|| usable(&self.log_artifact_link))
    }
}

impl ArmClient {
    pub fn new(http: Http, auth: Arc<ArmAuth>, endpoint: Url, readonly: bool) -> ArmClient {
        ArmClient {
            http,
            auth,
            endpoint,
            readonly,
        }
    }

    fn url(&self, path: &str, api: &str, extra: &[(&str, &str)]) -> Result<Url> {
        let mut u = self
            .endpoint
            .join(path.trim_start_matches('/'))
            .map_err(|e| AcrError::new(ErrorKind::Invalid, "build a request", path, e.to_string()))?;
        u.query_pairs_mut().append_pair("api-version", api);
        for (k, v) in extra {
            u.query_pairs_mut().append_pair(k, v);
        }
        Ok(u)
    }

    fn refuse_if_readonly(&self, operation: &str, target: &str) -> Result<()> {
        if self.readonly {
            return Err(AcrError::new(
                ErrorKind::ReadOnly,
                operation,
                target,
                "refused: the client is read-only",
            ));
        }
        Ok(())
    }

    /// Sends with a current ARM token; non-success answers become errors.
    async fn call(&self, req: Req) -> Result<Resp> {
        let token = self.auth.token().await?;
        let resp = self.http.send(&req, Some(&token)).await?;
        if resp.status.is_success() {
            Ok(resp)
        } else {
            Err(error_from(&resp, &req.operation, &req.target))
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, url: Url, operation: &str, target: &str) -> Result<T> {
        let resp = self.call(Req::new(Method::GET, url, operation, target)).await?;
        resp.json(operation, target)
    }

    /// Follows `nextLink` page by page.
    fn list<T: DeserializeOwned + Send + 'static>(&self, first: Url, operation: &str, target: &str) -> Pages<T> {
        let me = self.clone();
        let (operation, target) = (operation.to_string(), target.to_string());
        let follow = Follow::new(&first);
        futures::stream::unfold((Next::Page(first), follow), move |(next, mut follow)| {
            let me = me.clone();
            let (operation, target) = (operation.clone(), target.clone());
            async move {
                let url = match next {
                    Next::Page(url) => url,
                    Next::Refused(e) => return Some((Err(e), (Next::End, follow))),
                    Next::End => return None,
                };
                match me.get_json::<ArmPage<T>>(url, &operation, &target).await {
                    Ok(page) => {
                        let link = page
                            .next_link
                            .as_deref()
                            .filter(|l| !l.is_empty())
                            .and_then(|l| Url::parse(l).ok());
                        let next = Next::after(&mut follow, link, &operation, &target);
                        Some((Ok(page.value), (next, follow)))
                    }
                    Err(e) => Some((Err(e), (Next::End, follow))),
                }
            }
        })
        .boxed()
    }

    fn reg_path(r: &RegistryRef, suffix: &str) -> String {
        format!("{}{suffix}", r.id())
    }

    pub async fn list_subscriptions(&self) -> Result<Vec<String>> {
        let url = self.url("/subscriptions", SUBSCRIPTIONS_API, &[])?;
        let page: ArmPage<Value> = self
            .get_json(url, "list subscriptions", "Azure Resource Manager")
            .await?;
        Ok(page
            .value
            .iter()
            .filter_map(|s| s["subscriptionId"].as_str().map(str::to_string))
            .collect())
    }

    pub fn list_registries(&self, subscription: &str) -> Pages<Registry> {
        let path = format!("/subscriptions/{subscription}/providers/Microsoft.ContainerRegistry/registries");
        match self.url(&path, REGISTRY_API, &[]) {
            Ok(u) => self.list(u, "list registries", &format!("subscription {subscription}")),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    pub async fn get_registry(&self, r: &RegistryRef) -> Result<Registry> {
        self.get_json(self.url(&r.id(), REGISTRY_API, &[])?, "read registry", &r.name)
            .await
    }

    pub async fn usages(&self, r: &RegistryRef) -> Result<Vec<Usage>> {
        let list: UsageList = self
            .get_json(
                self.url(&Self::reg_path(r, "/listUsages"), REGISTRY_API, &[])?,
                "read registry usage",
                &r.name,
            )
            .await?;
        Ok(list.value)
    }

    /// Starts an import and reports its progress until it ends; the stream's last item is
    /// `Succeeded` or `Failed`.
    pub fn import_image(
        &self,
        r: &RegistryRef,
        request: &ImportRequest,
    ) -> futures::stream::BoxStream<'static, OperationProgress> {
        let target = format!("{}:{}", r.name, request.target_tags.join(","));
        let operation = format!("import {}", request.source_image);
        if let Err(e) = self.refuse_if_readonly(&operation, &target) {
            return futures::stream::once(async move { OperationProgress::Failed(e) }).boxed();
        }
        let url = match self.url(&Self::reg_path(r, "/importImage"), REGISTRY_API, &[]) {
            Ok(u) => u,
            Err(e) => return futures::stream::once(async move { OperationProgress::Failed(e) }).boxed(),
        };
        let req = Req::new(Method::POST, url, operation, target).json(&request.body());
        self.long_running(req)
    }

    /// Waits for a long-running operation to end: its failure, if it failed.
    async fn wait(&self, mut progress: futures::stream::BoxStream<'static, OperationProgress>) -> Result<()> {
        let mut last = OperationProgress::Succeeded;
        while let Some(p) = progress.next().await {
            last = p;
        }
        match last {
            OperationProgress::Failed(e) => Err(e),
            _ => Ok(()),
        }
    }

    /// Sends `req`, then polls Location / Azure-AsyncOperation honouring Retry-After.
    fn long_running(&self, req: Req) -> futures::stream::BoxStream<'static, OperationProgress> {
        let me = self.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            let outcome = me.drive(req, &tx).await;
            let _ = tx.send(outcome).await;
        });
        tokio_stream_from(rx)
    }

    async fn drive(&self, req: Req, tx: &tokio::sync::mpsc::Sender<OperationProgress>) -> OperationProgress {
        let first = match self.call(req.clone_for_retry()).await {
            Ok(r) => r,
            Err(e) => return OperationProgress::Failed(e),
        };
        if tx
            .send(OperationProgress::Accepted {
                request_id: first.request_id(),
            })
            .await
            .is_err()
        {
            return OperationProgress::Succeeded;
        }
        if first.status.as_u16() != 202 && first.status.as_u16() != 201 {
            return OperationProgress::Succeeded;
        }
        let async_op = first.header("azure-asyncoperation").map(str::to_string);
        let location = first.header("location").map(str::to_string);
        let Some(poll_url) = async_op.clone().or(location).and_then(|u| Url::parse(&u).ok()) else {
            // Accepted without a way to follow it: treat as done.
            return OperationProgress::Succeeded;
        };
        // The sign-in token goes with every poll: only to where the request went.
        if !super::paging::same_origin(&poll_url, &req.url) {
            return OperationProgress::Failed(AcrError::new(
                ErrorKind::InvalidResponse,
                req.operation.clone(),
                req.target.clone(),
                format!(
                    "the operation was accepted, but its status is to be read at another host ({}): it was not followed, since the sign-in token goes with every poll; check the operation in the Azure portal",
                    poll_url.host_str().unwrap_or("")
                ),
            ));
        }
        let mut wait = retry_after(&first.headers).unwrap_or(Duration::from_secs(1));
        for polls in 1..=3600u32 {
            if tx.send(OperationProgress::Running { polls }).await.is_err() {
                // Nobody listens any more; the operation goes on in Azure.
                return OperationProgress::Succeeded;
            }
            tokio::time::sleep(wait.min(Duration::from_secs(30))).await;
            let token = match self.auth.token().await {
                Ok(t) => t,
                Err(e) => return OperationProgress::Failed(e),
            };
            let poll = Req::new(Method::GET, poll_url.clone(), req.operation.clone(), req.target.clone());
            let resp = match self.http.send(&poll, Some(&token)).await {
                Ok(r) => r,
                Err(e) => return OperationProgress::Failed(e),
            };
            wait = retry_after(&resp.headers).unwrap_or(Duration::from_secs(1));
            match resp.status.as_u16() {
                202 => continue,
                s if (200..300).contains(&s) && async_op.is_some() => {
                    // Azure-AsyncOperation: the body says where it is.
                    let v: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
                    match v["status"].as_str().unwrap_or("") {
                        st if st.eq_ignore_ascii_case("Succeeded") => return OperationProgress::Succeeded,
                        st if st.eq_ignore_ascii_case("Failed") || st.eq_ignore_ascii_case("Canceled") => {
                            let mut e = AcrError::new(
                                ErrorKind::Conflict,
                                req.operation.clone(),
                                req.target.clone(),
                                v["error"]["message"].as_str().unwrap_or(st).to_string(),
                            );
                            e.code = v["error"]["code"].as_str().map(str::to_string);
                            e.request_id = resp.request_id();
                            return OperationProgress::Failed(e);
                        }
                        _ => continue,
                    }
                }
                s if (200..300).contains(&s) => return OperationProgress::Succeeded,
                _ => return OperationProgress::Failed(error_from(&resp, &req.operation, &req.target)),
            }
        }
        OperationProgress::Failed(AcrError::new(
            ErrorKind::Transient,
            req.operation.clone(),
            req.target.clone(),
            "the operation did not finish within an hour of polling",
        ))
    }

    pub fn list_cache_rules(&self, r: &RegistryRef) -> Pages<CacheRule> {
        self.list_child(r, "/cacheRules", REGISTRY_API, "list cache rules")
    }

    pub fn list_credential_sets(&self, r: &RegistryRef) -> Pages<CredentialSet> {
        self.list_child(r, "/credentialSets", REGISTRY_API, "list credential sets")
    }

    pub fn list_tasks(&self, r: &RegistryRef) -> Pages<Task> {
        self.list_child(r, "/tasks", TASKS_API, "list tasks")
    }

    pub fn list_webhooks(&self, r: &RegistryRef) -> Pages<Webhook> {
        self.list_child(r, "/webhooks", REGISTRY_API, "list webhooks")
    }

    pub fn list_replications(&self, r: &RegistryRef) -> Pages<Replication> {
        self.list_child(r, "/replications", REGISTRY_API, "list replications")
    }

    /// Repository-scoped tokens, with their credentials' names and expiry (never a password:
    /// the service lists none, and acrdeck never asks for one).
    pub fn list_tokens(&self, r: &RegistryRef) -> Pages<Token> {
        self.list_child(r, "/tokens", REGISTRY_API, "list tokens")
    }

    pub fn list_scope_maps(&self, r: &RegistryRef) -> Pages<ScopeMap> {
        self.list_child(r, "/scopeMaps", REGISTRY_API, "list scope maps")
    }

    fn list_child<T: DeserializeOwned + Send + 'static>(
        &self,
        r: &RegistryRef,
        suffix: &str,
        api: &str,
        operation: &str,
    ) -> Pages<T> {
        match self.url(&Self::reg_path(r, suffix), api, &[]) {
            Ok(u) => self.list(u, operation, &r.name),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    pub async fn get_cache_rule(&self, r: &RegistryRef, name: &str) -> Result<CacheRule> {
        self.get_json(
            self.url(&Self::reg_path(r, &format!("/cacheRules/{name}")), REGISTRY_API, &[])?,
            "read cache rule",
            &format!("{}/{name}", r.name),
        )
        .await
    }

    /// The body of a cache rule create or update, as the service takes it.
    pub fn cache_rule_body(source: Option<&str>, target: Option<&str>, credential_set_id: Option<&str>) -> Value {
        let mut props = serde_json::Map::new();
        if let Some(s) = source {
            props.insert("sourceRepository".into(), json!(s));
        }
        if let Some(t) = target {
            props.insert("targetRepository".into(), json!(t));
        }
        if let Some(c) = credential_set_id {
            props.insert("credentialSetResourceId".into(), json!(c));
        }
        json!({"properties": props})
    }

    /// Creates (PUT) or updates (PATCH) a cache rule and waits for it to settle.
    pub async fn put_cache_rule(&self, r: &RegistryRef, name: &str, body: &Value, create: bool) -> Result<CacheRule> {
        let target = format!("{}/{name}", r.name);
        let operation = if create {
            "create cache rule"
        } else {
            "update cache rule"
        };
        self.refuse_if_readonly(operation, &target)?;
        let url = self.url(&Self::reg_path(r, &format!("/cacheRules/{name}")), REGISTRY_API, &[])?;
        let method = if create { Method::PUT } else { Method::PATCH };
        let resp = self
            .call(Req::new(method, url, operation, target.clone()).json(body))
            .await?;
        let mut rule: CacheRule = resp.json(operation, &target)?;
        // Wait until the rule leaves Creating/Updating, reading it back.
        for _ in 0..60 {
            match rule.properties.provisioning_state {
                Some(ProvisioningState::Creating) | Some(ProvisioningState::Updating) => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    rule = self.get_cache_rule(r, name).await?;
                }
                _ => break,
            }
        }
        Ok(rule)
    }

    pub async fn delete_cache_rule(&self, r: &RegistryRef, name: &str) -> Result<()> {
        let target = format!("{}/{name}", r.name);
        self.refuse_if_readonly("delete cache rule", &target)?;
        let url = self.url(&Self::reg_path(r, &format!("/cacheRules/{name}")), REGISTRY_API, &[])?;
        self.wait(self.long_running(Req::new(Method::DELETE, url, "delete cache rule", target)))
            .await
    }

    /// The body of a credential set create (login server and secrets) or update (secrets only).
    /// The secrets are Key Vault secret URIs: acrdeck never handles the credentials themselves.
    pub fn credential_set_body(login_server: Option<&str>, username_secret: &str, password_secret: &str) -> Value {
        let mut props = json!({"authCredentials": [{
            "name": "Credential1",
            "usernameSecretIdentifier": username_secret,
            "passwordSecretIdentifier": password_secret,
        }]});
        let mut body = json!({});
        if let Some(l) = login_server {
            props["loginServer"] = json!(l);
            // The set reads Key Vault with the identity the service creates for it.
            body["identity"] = json!({"type": "SystemAssigned"});
        }
        body["properties"] = props;
        body
    }

    /// Creates (PUT) or updates (PATCH) a credential set; returns it as read back.
    pub async fn put_credential_set(
        &self,
        r: &RegistryRef,
        name: &str,
        body: &Value,
        create: bool,
    ) -> Result<CredentialSet> {
        let target = format!("{}/{name}", r.name);
        let operation = if create {
            "create credential set"
        } else {
            "update credential set"
        };
        self.refuse_if_readonly(operation, &target)?;
        let url = self.url(
            &Self::reg_path(r, &format!("/credentialSets/{name}")),
            REGISTRY_API,
            &[],
        )?;
        let method = if create { Method::PUT } else { Method::PATCH };
        self.call(Req::new(method, url, operation, target).json(body)).await?;
        // Read back: what the service holds now is what counts.
        self.get_credential_set(r, name).await
    }

    pub async fn delete_credential_set(&self, r: &RegistryRef, name: &str) -> Result<()> {
        let target = format!("{}/{name}", r.name);
        self.refuse_if_readonly("delete credential set", &target)?;
        let url = self.url(
            &Self::reg_path(r, &format!("/credentialSets/{name}")),
            REGISTRY_API,
            &[],
        )?;
        self.wait(self.long_running(Req::new(Method::DELETE, url, "delete credential set", target)))
            .await
    }

    pub async fn get_credential_set(&self, r: &RegistryRef, name: &str) -> Result<CredentialSet> {
        self.get_json(
            self.url(
                &Self::reg_path(r, &format!("/credentialSets/{name}")),
                REGISTRY_API,
                &[],
            )?,
            "read credential set",
            &format!("{}/{name}", r.name),
        )
        .await
    }

    pub async fn get_task(&self, r: &RegistryRef, name: &str) -> Result<Task> {
        self.get_json(
            self.url(&Self::reg_path(r, &format!("/tasks/{name}")), TASKS_API, &[])?,
            "read task",
            &format!("{}/{name}", r.name),
        )
        .await
    }

    /// Runs, newest first, filtered as the az CLI filters them, at most `top` if given.
    pub fn list_runs(&self, r: &RegistryRef, filter: &RunFilter, top: Option<u32>) -> Pages<Run> {
        let mut extra: Vec<(String, String)> = Vec::new();
        if let Some(f) = filter.to_odata() {
            extra.push(("$filter".into(), f));
        }
        if let Some(t) = top {
            extra.push(("$top".into(), t.to_string()));
        }
        let pairs: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        match self.url(&Self::reg_path(r, "/runs"), TASKS_API, &pairs) {
            Ok(u) => self.list(u, "list runs", &r.name),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    pub async fn get_run(&self, r: &RegistryRef, run_id: &str) -> Result<Run> {
        self.get_json(
            self.url(&Self::reg_path(r, &format!("/runs/{run_id}")), TASKS_API, &[])?,
            "read run",
            &format!("{}/{run_id}", r.name),
        )
        .await
    }

    /// Cancels a run and reads it back.
    pub async fn cancel_run(&self, r: &RegistryRef, run_id: &str) -> Result<Run> {
        let target = format!("{}/{run_id}", r.name);
        self.refuse_if_readonly("cancel run", &target)?;
        let url = self.url(&Self::reg_path(r, &format!("/runs/{run_id}/cancel")), TASKS_API, &[])?;
        self.wait(self.long_running(Req::new(Method::POST, url, "cancel run", target).idempotent()))
            .await?;
        // Read back: the run's state now is what counts.
        self.get_run(r, run_id).await
    }

    /// The body of a run request for a task.
    pub fn task_run_body(r: &RegistryRef, task: &str) -> Value {
        json!({"type": "TaskRunRequest", "taskId": format!("{}/tasks/{task}", r.id())})
    }

    /// Schedules a run of a task; returns the new run.
    pub async fn schedule_run(&self, r: &RegistryRef, task: &str) -> Result<Run> {
        let target = format!("{}/{task}", r.name);
        self.refuse_if_readonly("schedule run", &target)?;
        let url = self.url(&Self::reg_path(r, "/scheduleRun"), TASKS_API, &[])?;
        let resp = self
            .call(Req::new(Method::POST, url, "schedule run", target.clone()).json(&Self::task_run_body(r, task)))
            .await?;
        resp.json("schedule run", &target)
    }

    pub async fn log_links(&self, r: &RegistryRef, run_id: &str) -> Result<LogLinks> {
        let url = self.url(
            &Self::reg_path(r, &format!("/runs/{run_id}/listLogSasUrl")),
            TASKS_API,
            &[],
        )?;
        let target = format!("{}/{run_id}", r.name);
        let resp = self
            .call(Req::new(Method::POST, url, "get the run's log link", target.clone()).idempotent())
            .await?;
        resp.json("get the run's log link", &target)
    }

    pub async fn webhook_events(&self, r: &RegistryRef, webhook: &str) -> Result<Vec<WebhookEvent>> {
        let url = self.url(
            &Self::reg_path(r, &format!("/webhooks/{webhook}/listEvents")),
            REGISTRY_API,
            &[],
        )?;
        let target = format!("{}/{webhook}", r.name);
        let resp = self
            .call(Req::new(Method::POST, url, "list webhook events", target.clone()).idempotent())
            .await?;
        let page: ArmPage<WebhookEvent> = resp.json("list webhook events", &target)?;
        Ok(page.value)
    }

    /// A webhook's deliveries, newest first.
    pub async fn deliveries(&self, r: &RegistryRef, webhook: &str) -> Result<Vec<Delivery>> {
        let mut d: Vec<Delivery> = self
            .webhook_events(r, webhook)
            .await?
            .iter()
            .map(|e| e.delivery())
            .collect();
        d.sort_by_key(|e| std::cmp::Reverse(e.at));
        Ok(d)
    }

    /// What is shown of a webhook besides its properties: the host it delivers to and its
    /// deliveries, newest first, each read on its own so that one failing leaves the other.
    pub async fn webhook_detail(
        &self,
        r: &RegistryRef,
        webhook: &str,
    ) -> (Result<Option<String>>, Result<Vec<Delivery>>) {
        let host = self.webhook_callback(r, webhook).await.map(|c| c.host());
        (host, self.deliveries(r, webhook).await)
    }

    /// Where a webhook delivers. Its URI's query and headers can hold credentials: callers show
    /// [`CallbackConfig::host`] only.
    pub async fn webhook_callback(&self, r: &RegistryRef, webhook: &str) -> Result<CallbackConfig> {
        let url = self.url(
            &Self::reg_path(r, &format!("/webhooks/{webhook}/getCallbackConfig")),
            REGISTRY_API,
            &[],
        )?;
        let target = format!("{}/{webhook}", r.name);
        let resp = self
            .call(Req::new(Method::POST, url, "read webhook callback", target.clone()).idempotent())
            .await?;
        resp.json("read webhook callback", &target)
    }

    /// Sends a ping event; returns the event's id (read back from the webhook's events).
    pub async fn ping_webhook(&self, r: &RegistryRef, webhook: &str) -> Result<String> {
        let target = format!("{}/{webhook}", r.name);
        self.refuse_if_readonly("ping webhook", &target)?;
        let url = self.url(
            &Self::reg_path(r, &format!("/webhooks/{webhook}/ping")),
            REGISTRY_API,
            &[],
        )?;
        let resp = self
            .call(Req::new(Method::POST, url, "ping webhook", target.clone()))
            .await?;
        let v: Value = resp.json("ping webhook", &target)?;
        Ok(v["id"].as_str().unwrap_or_default().to_string())
    }
}

impl Req {
    /// A copy for sending again (the body is shared bytes).
    pub fn clone_for_retry(&self) -> Req {
        Req {
            method: self.method.clone(),
            url: self.url.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            operation: self.operation.clone(),
            target: self.target.clone(),
            idempotent: self.idempotent,
            max_body: self.max_body,
        }
    }
}

fn tokio_stream_from<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> futures::stream::BoxStream<'static, T> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_like_the_az_cli() {
        let f = RunFilter {
            task: Some("hello-world".into()),
            status: Some(RunStatus::Running),
            image: None,
        };
        assert_eq!(
            f.to_odata().as_deref(),
            Some("Status eq 'Running' and TaskName eq 'hello-world'")
        );
        assert_eq!(RunFilter::default().to_odata(), None);
    }

    #[test]
    fn registry_ids_round_trip() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr";
        assert_eq!(RegistryRef::parse(id).unwrap().id(), id);
        assert!(RegistryRef::parse("/subscriptions/s").is_none());
    }

    #[test]
    fn import_body_keeps_credentials_out_of_debug() {
        let req = ImportRequest {
            source: ImportSource::Uri {
                registry_uri: "docker.io".into(),
                credentials: Some(("u".into(), Secret::new("p4ss".to_string()))),
            },
            source_image: "library/nginx:1.27".into(),
            target_tags: vec!["nginx:1.27".into()],
            untagged_repositories: vec![],
            mode: ImportMode::NoForce,
        };
        assert_eq!(req.body()["source"]["credentials"]["password"], "p4ss");
        assert_eq!(req.body()["mode"], "NoForce");
        assert!(!format!("{req:?}").contains("p4ss"));
    }
}
