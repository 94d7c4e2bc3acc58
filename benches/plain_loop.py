"""The yardstick of benches/scale.sh: the plainest client that does the same reads as acrdeck, one
request at a time over one kept-alive HTTPS connection, with nothing but Python's standard
library. It signs in as acrdeck does (client secret -> Entra token -> registry refresh token ->
access token) before the clock starts, then:

  tags REPO      every tag of REPO, newest first, following the Link header page by page
  catalog        every repository name, page by page
  repos          every repository name, then for each one a token request and a GET of its
                 details, one after the other (what a script without batched scopes does)

Prints one line: `items seconds requests`.

Usage: python3 benches/plain_loop.py READY_JSON REGISTRY PAGE_SIZE tags REPO | catalog | repos
"""

import http.client
import json
import re
import ssl
import sys
import time
import urllib.parse

info = json.load(open(sys.argv[1]))
registry, page, mode = sys.argv[2], int(sys.argv[3]), sys.argv[4]
login_server = info["registries"][registry]
context = ssl.create_default_context(cafile=info["ca_cert"])


def connection(base):
    host = urllib.parse.urlsplit(base).netloc if "://" in base else base
    return http.client.HTTPSConnection(host, context=context)


def post_form(conn, path, fields):
    body = urllib.parse.urlencode(fields)
    conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        sys.exit(f"{path}: {resp.status} {data[:200]!r}")
    return json.loads(data)


arm = connection(info["arm"])
aad = post_form(
    arm,
    f"/{info['tenant']}/oauth2/v2.0/token",
    {
        "grant_type": "client_credentials",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "scope": info["arm"].rstrip("/") + "/.default",
    },
)["access_token"]
reg = connection(login_server)
refresh = post_form(
    reg,
    "/oauth2/exchange",
    {"grant_type": "access_token", "service": login_server, "access_token": aad, "tenant": info["tenant"]},
)["refresh_token"]
requests = 0


def token(scope):
    global requests
    requests += 1
    return post_form(
        reg,
        "/oauth2/token",
        {"grant_type": "refresh_token", "service": login_server, "scope": scope, "refresh_token": refresh},
    )["access_token"]


def get(path, bearer):
    global requests
    requests += 1
    reg.request("GET", path, headers={"Authorization": "Bearer " + bearer})
    resp = reg.getresponse()
    data = resp.read()
    if resp.status != 200:
        sys.exit(f"{path}: {resp.status} {data[:200]!r}")
    link = resp.getheader("Link")
    nxt = re.match(r"<([^>]+)>", link).group(1) if link else None
    return json.loads(data), nxt


def pages(first, key, bearer):
    path = first
    while path:
        body, path = get(path, bearer)
        yield body.get(key) or []


if mode == "tags":
    repo = sys.argv[5]
    bearer = token(f"repository:{repo}:metadata_read")
    requests = 0
    start = time.perf_counter()
    count = sum(len(p) for p in pages(f"/acr/v1/{repo}/_tags?n={page}&orderby=timedesc", "tags", bearer))
elif mode == "catalog":
    bearer = token("registry:catalog:*")
    requests = 0
    start = time.perf_counter()
    count = sum(len(p) for p in pages(f"/acr/v1/_catalog?n={page}", "repositories", bearer))
elif mode == "repos":
    start = time.perf_counter()
    requests = 0
    bearer = token("registry:catalog:*")
    count = 0
    for names in pages(f"/acr/v1/_catalog?n={page}", "repositories", bearer):
        for name in names:
            get(f"/acr/v1/{name}", token(f"repository:{name}:metadata_read"))
            count += 1
else:
    sys.exit(f"unknown mode {mode}")
print(count, f"{time.perf_counter() - start:.3f}", requests)
