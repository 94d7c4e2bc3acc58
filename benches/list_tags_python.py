"""Lists every tag of one repository with Microsoft's azure-containerregistry SDK and prints
`count seconds`. Used by benches/scale.sh (same emulator, same repository as acrdeck)."""

import json
import sys
import time

from azure.containerregistry import ContainerRegistryClient
from azure.identity import ClientSecretCredential

info = json.load(open(sys.argv[1]))
registry, repo, page = sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 1000
credential = ClientSecretCredential(info["tenant"], info["client_id"], info["client_secret"], authority=info["authority"], disable_instance_discovery=True)
client = ContainerRegistryClient("https://" + info["registries"][registry], credential, audience=info["arm"])
client.get_repository_properties(repo)  # sign in first, as the Rust side does
start = time.perf_counter()
count = sum(1 for _ in client.list_tag_properties(repo, order_by="timedesc", results_per_page=page))
print(count, f"{time.perf_counter() - start:.3f}")
