"""Microsoft's official Python SDKs, unchanged, against the acrdeck emulator.

Usage: python3 sdk_check.py READY_JSON
READY_JSON is the line `acrdeck emulator` prints. Exits 0 when every call behaved as Azure's
would; prints what failed otherwise. Only configuration is passed to the SDKs (endpoints, the
emulator's CA through REQUESTS_CA_BUNDLE, the custom authority); their code is not patched.
"""

import io
import json
import sys

from azure.core.exceptions import HttpResponseError
from azure.identity import CertificateCredential, ClientSecretCredential
from azure.containerregistry import ContainerRegistryClient
from azure.mgmt.containerregistry import ContainerRegistryManagementClient
from azure.mgmt.containerregistry.models import ImportImageParameters, ImportSource
from azure.mgmt.containerregistrytasks import ContainerRegistryTasksMgmtClient

failures = []


def check(what, condition, detail=""):
    status = "ok  " if condition else "FAIL"
    print(f"{status} {what}{(': ' + str(detail)) if detail else ''}")
    if not condition:
        failures.append(what)


def main():
    info = json.load(open(sys.argv[1]))
    arm = info["arm"]
    credential = ClientSecretCredential(
        info["tenant"],
        info["client_id"],
        info["client_secret"],
        authority=info["authority"],
        disable_instance_discovery=True,
    )
    scopes = [arm + "/.default"]

    # The certificate registered on the principal, through MSAL's client assertion (PS256).
    by_certificate = CertificateCredential(
        info["tenant"],
        info["client_id"],
        certificate_path=info["certificate"],
        authority=info["authority"],
        disable_instance_discovery=True,
    )
    mgmt_by_certificate = ContainerRegistryManagementClient(by_certificate, info["subscription"], base_url=arm, credential_scopes=scopes)
    names = sorted(r.name for r in mgmt_by_certificate.registries.list())
    check("CertificateCredential signs in with the principal's certificate", names == sorted(info["registries"]), names)
    mgmt = ContainerRegistryManagementClient(credential, info["subscription"], base_url=arm, credential_scopes=scopes)

    # Registries, across nextLink pages.
    registries = list(mgmt.registries.list())
    names = sorted(r.name for r in registries)
    check("registries.list follows nextLink to every registry", names == sorted(info["registries"]), names)
    dev = next(r for r in registries if r.name == "contosodev")
    check("registry properties parse", dev.login_server == info["registries"]["contosodev"] and dev.sku.name == "Premium", dev.login_server)
    rg = dev.id.split("/")[4]
    in_rg = [r.name for r in mgmt.registries.list_by_resource_group(rg)]
    check("registries.list_by_resource_group", in_rg == ["contosodev"], in_rg)

    # Import an image from another registry of the tenant, as an LRO, to completion.
    staging = next(r for r in registries if r.name == "contosostaging")
    params = ImportImageParameters(
        source=ImportSource(resource_id=staging.id, source_image="apps/web:1.6.0"),
        target_tags=["sdk/web:1.6.0"],
        mode="NoForce",
    )
    poller = mgmt.registries.begin_import_image(rg, "contosodev", params, polling_interval=0.2)
    poller.result(timeout=60)
    check("begin_import_image completes", poller.status().lower() == "succeeded", poller.status())

    # The same import again, NoForce: the service refuses it.
    try:
        mgmt.registries.begin_import_image(rg, "contosodev", params, polling_interval=0.2).result(timeout=60)
        check("NoForce import onto an existing tag fails", False, "it succeeded")
    except HttpResponseError as e:
        check("NoForce import onto an existing tag fails", e.error is not None and e.error.code == "Conflict", e.error.code if e.error else e)

    # Data plane: repositories and tags across pages, locks.
    client = ContainerRegistryClient("https://" + info["registries"]["contosodev"], credential, audience=arm)
    repos = list(client.list_repository_names(results_per_page=2))
    check("list_repository_names pages through the catalog", "apps/web" in repos and "sdk/web" in repos and len(repos) >= 6, repos)
    tags = [t.name for t in client.list_tag_properties("apps/web", results_per_page=2)]
    check("list_tag_properties pages through the tags", sorted(tags) == ["1.4.0", "1.4.1", "1.5.0", "1.6.0", "1.7.0-rc.1"], tags)
    tag = client.get_tag_properties("apps/web", "1.6.0")
    check("get_tag_properties", tag.digest.startswith("sha256:") and tag.can_write, tag.digest)
    locked = client.update_tag_properties("apps/web", "1.6.0", can_write=False, can_delete=False)
    check("update_tag_properties sets the lock", not locked.can_write and not locked.can_delete)
    again = client.get_tag_properties("apps/web", "1.6.0")
    check("the lock reads back", not again.can_write and not again.can_delete)
    try:
        client.delete_tag("apps/web", "1.6.0")
        check("a delete-locked tag refuses deletion", False, "deleted")
    except HttpResponseError as e:
        check("a delete-locked tag refuses deletion", e.status_code == 405, e.status_code)
    # Push another manifest over the write-locked tag.
    other = client.get_manifest("apps/api", "2.0.0")
    for layer in other.manifest.get("layers", []) + [other.manifest["config"]]:
        data = b"".join(client.download_blob("apps/api", layer["digest"]))
        digest, size = client.upload_blob("apps/web", io.BytesIO(data))
        check(f"blob {layer['digest'][:19]} round-trips", digest == layer["digest"] and size == len(data), digest)
    try:
        client.set_manifest("apps/web", other.manifest, tag="1.6.0", media_type=other.media_type)
        check("a write-locked tag refuses a push", False, "pushed")
    except HttpResponseError as e:
        check("a write-locked tag refuses a push", e.status_code == 405, e.status_code)
    pushed = client.set_manifest("apps/web", other.manifest, tag="sdk-pushed", media_type=other.media_type)
    check("an OCI push to a new tag works", client.get_tag_properties("apps/web", "sdk-pushed").digest == pushed, pushed)
    unlocked = client.update_tag_properties("apps/web", "1.6.0", can_write=True, can_delete=True)
    check("unlock", unlocked.can_write and unlocked.can_delete)

    # Runs, newest first.
    tasks = ContainerRegistryTasksMgmtClient(credential, info["subscription"], base_url=arm, credential_scopes=scopes)
    runs = list(tasks.runs.list(rg, "contosodev", top=5))
    times = [r.create_time for r in runs]
    check("runs.list gives the newest first, $top honoured", len(runs) == 5 and times == sorted(times, reverse=True), [r.run_id for r in runs])
    statuses = {r.status for r in tasks.runs.list(rg, "contosodev")}
    check("run statuses parse", {"Succeeded", "Failed"} <= statuses, statuses)

    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
