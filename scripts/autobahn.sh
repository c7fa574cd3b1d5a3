#!/usr/bin/env bash
# WebSocket protocol compliance: runs the Autobahn|Testsuite fuzzing client against
# spellwire-server's plain echo socket (`--test-hooks`, GET /test/echo), prints a summary and
# rewrites docs/COMPLIANCE.md from the report. Exits non-zero if any case FAILED (or the run
# did not complete).
#
#   bash scripts/autobahn.sh
#
# autobahntestsuite is a Python 2 package: it is installed from PyPI, with pinned versions,
# into a virtualenv made with pyenv's Python 2.7.18 under $AUTOBAHN_CACHE (reused when present).
# Environment:
#   AUTOBAHN_CACHE    where the virtualenv lives (default ~/.cache/spellwire-autobahn)
#   AUTOBAHN_PYTHON   a Python 2.7 (default ~/.pyenv/versions/2.7.18/bin/python)
#   AUTOBAHN_TIMEOUT  seconds allowed for the wstest run (default 900)
#   AUTOBAHN_CASES    comma-separated case patterns, e.g. "1.*,5.*" (default "*"); a partial
#                     run prints its summary but leaves docs/COMPLIANCE.md alone
# Reports (HTML per case, index.json) go to target/autobahn/reports/servers/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CACHE=${AUTOBAHN_CACHE:-$HOME/.cache/spellwire-autobahn}
PY27=${AUTOBAHN_PYTHON:-$HOME/.pyenv/versions/2.7.18/bin/python}
TIMEOUT=${AUTOBAHN_TIMEOUT:-900}
CASES=${AUTOBAHN_CASES:-*}
WORK=target/autobahn
VENV=$CACHE/venv

# Versions known to install and run on Python 2.7 (autobahntestsuite 25.10.1 pins its direct
# dependencies itself; the rest are pinned here so that a new release cannot break the install).
PINS="
autobahntestsuite==25.10.1
autobahn==0.10.9
Twisted==19.10.0
txaio==2.1.0
wsaccel==0.6.6
ujson==2.0.3
zope.interface==4.6.0
incremental==16.10.1
constantly==15.1.0
Automat==22.10.0
attrs==21.4.0
hyperlink==21.0.0
idna==2.10
typing==3.10.0.0
PyHamcrest==1.10.1
six==1.16.0
setuptools==44.0.0
pyOpenSSL==19.1.0
cryptography==3.3.2
cffi==1.15.1
pycparser==2.21
enum34==1.1.10
ipaddress==1.0.23
service-identity==18.1.0
pyasn1==0.5.1
pyasn1-modules==0.3.0
klein==17.10.0
Werkzeug==1.0.1
Jinja2==2.11.3
MarkupSafe==1.1.1
unittest2==1.1.0
linecache2==1.0.0
traceback2==1.4.0
argparse==1.4.0
"
# virtualenv 20.15.x still runs on, and creates environments for, Python 2.7.
BOOTSTRAP_PINS="virtualenv==20.15.1"

step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

# --- 1. the virtualenv --------------------------------------------------------------------
stamp=$(printf '%s\n%s\n' "$BOOTSTRAP_PINS" "$PINS" | cksum | cut -d' ' -f1)
if [ -x "$VENV/bin/wstest" ] && [ "$(cat "$VENV/.spellwire-pins" 2>/dev/null)" = "$stamp" ]; then
  step "autobahntestsuite: reusing $VENV"
else
  step "autobahntestsuite: installing into $VENV"
  if [ ! -x "$PY27" ]; then
    echo "no Python 2.7 at $PY27 (set AUTOBAHN_PYTHON, or: pyenv install 2.7.18)" >&2
    exit 2
  fi
  rm -rf "$VENV" "$CACHE/bootstrap"
  mkdir -p "$CACHE"
  export PIP_NO_PYTHON_VERSION_WARNING=1
  # virtualenv goes into a private folder, not into pyenv's site-packages.
  timeout 600 "$PY27" -m pip install -q --disable-pip-version-check --no-warn-script-location \
    --target "$CACHE/bootstrap" $BOOTSTRAP_PINS
  PYTHONPATH="$CACHE/bootstrap" timeout 300 "$PY27" -m virtualenv -q "$VENV"
  printf '%s\n' $PINS >"$CACHE/constraints.txt"
  timeout 900 "$VENV/bin/pip" install -q --disable-pip-version-check \
    -c "$CACHE/constraints.txt" autobahntestsuite
  echo "$stamp" >"$VENV/.spellwire-pins"
fi
PY="$VENV/bin/python"
export PYTHONIOENCODING=utf-8

# --- 2. the server --------------------------------------------------------------------------
step "building and starting spellwire-server --test-hooks"
cargo build --quiet -p spellwire-server
rm -rf "$WORK"
mkdir -p "$WORK"
source scripts/servers.sh
trap stop_servers EXIT
# Production mode (the echo socket needs no --dev), so the startup checks want a token key and
# an API key; random ones, since nothing here signs a token or publishes.
SPELLWIRE_JWT_SECRET=$(head -c 32 /dev/urandom | base64) SPELLWIRE_API_KEY=$(head -c 32 /dev/urandom | base64) \
  start_server echo_http --test-hooks || exit 2
url=$echo_http
hostport=${url#http://}
ws_url="ws://$hostport/test/echo"
echo "echo socket at $ws_url"

# --- 3. does it negotiate permessage-deflate? -------------------------------------------------
# A handshake offering the extension; the 12.* and 13.* cases test compression only, and are
# excluded when the server does not accept it (they would all be UNIMPLEMENTED).
deflate=$("$PY" - "${hostport%:*}" "${hostport##*:}" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
s.sendall(("GET /test/echo HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
           % (sys.argv[1], sys.argv[2])).encode("ascii"))
data = b""
while b"\r\n\r\n" not in data:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
head = data.split(b"\r\n\r\n")[0].decode("latin-1").lower().split("\r\n")
if not head[0].startswith("http/1.1 101"):
    sys.stderr.write("handshake refused: %s\n" % head[0])
    sys.exit(1)
ext = [h for h in head[1:] if h.startswith("sec-websocket-extensions:")]
print("yes" if any("permessage-deflate" in h for h in ext) else "no")
EOF
)
if [ "$deflate" = yes ]; then
  exclude='[]'
  exclude_note="none: the server negotiates permessage-deflate, so the compression cases (12.*, 13.*) run"
else
  exclude='["12.*", "13.*"]'
  exclude_note="12.* and 13.* (permessage-deflate): the server does not negotiate permessage-deflate (a handshake offering it gets no Sec-WebSocket-Extensions back), so every one of those cases would be UNIMPLEMENTED"
fi
echo "permessage-deflate negotiated: $deflate; excluded cases: $exclude"

# --- 4. the fuzzing client -------------------------------------------------------------------
cases_json=$("$PY" -c 'import json, sys; print(json.dumps([c.strip() for c in sys.argv[1].split(",") if c.strip()]))' "$CASES")
cat >"$WORK/spec.json" <<EOF
{
  "outdir": "./reports/servers",
  "servers": [{"agent": "spellwire-server", "url": "$ws_url"}],
  "cases": $cases_json,
  "exclude-cases": $exclude,
  "exclude-agent-cases": {}
}
EOF
step "wstest -m fuzzingclient -s spec.json (cases $cases_json, timeout ${TIMEOUT}s; log $WORK/wstest.log)"
start=$(date +%s)
rc=0
(cd "$WORK" && timeout "$TIMEOUT" "$VENV/bin/wstest" -m fuzzingclient -s spec.json >wstest.log 2>&1) || rc=$?
elapsed=$(( $(date +%s) - start ))
echo "wstest exited $rc after ${elapsed}s"
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "spellwire-server died during the run; its stderr:" >&2
  tail -n 30 "$SERVER_ERR" >&2
  exit 2
fi
if [ "$rc" -ne 0 ] || [ ! -s "$WORK/reports/servers/index.json" ]; then
  [ "$rc" -eq 124 ] && echo "wstest timed out after ${TIMEOUT}s" >&2
  echo "wstest did not complete; last lines of $WORK/wstest.log:" >&2
  tail -n 30 "$WORK/wstest.log" >&2
  exit 2
fi

# --- 5. the summary and docs/COMPLIANCE.md -----------------------------------------------------
doc=docs/COMPLIANCE.md
if [ "$CASES" != "*" ]; then
  doc=""
  echo "(partial run: AUTOBAHN_CASES=$CASES; docs/COMPLIANCE.md left alone)"
fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- server src Cargo.toml Cargo.lock 2>/dev/null)" ]; then
  commit="$commit (with uncommitted changes)"
fi
"$PY" - "$WORK/reports/servers" "$doc" "$commit" "$exclude_note" "$elapsed" "$cases_json" <<'EOF'
# -*- coding: utf-8 -*-
from __future__ import unicode_literals, print_function
import io, json, os, re, sys, time
import pkg_resources

outdir, doc, commit, exclude_note, elapsed, cases = [
    a.decode("utf-8") if isinstance(a, bytes) else a for a in sys.argv[1:7]]
BEHAVIORS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]

with io.open(os.path.join(outdir, "index.json"), encoding="utf-8") as f:
    index = json.load(f)
results = index["spellwire-server"]

def key(case_id):
    return tuple(int(p) for p in case_id.split("."))

def text(s):
    s = re.sub(r"<br\s*/?>", " ", s or "")
    s = re.sub(r"<[^>]+>", "", s)
    return re.sub(r"\s+", " ", s).strip()

def detail(case_id):
    with io.open(os.path.join(outdir, results[case_id]["reportfile"]), encoding="utf-8") as f:
        return json.load(f)

ids = sorted(results, key=key)
counts = dict((b, 0) for b in BEHAVIORS)
close_counts = dict((b, 0) for b in BEHAVIORS)
for i in ids:
    counts[results[i]["behavior"]] = counts.get(results[i]["behavior"], 0) + 1
    close_counts[results[i]["behaviorClose"]] = close_counts.get(results[i]["behaviorClose"], 0) + 1
failed = [i for i in ids if results[i]["behavior"] == "FAILED" or results[i]["behaviorClose"] == "FAILED"]
others = [i for i in ids if i not in failed and results[i]["behavior"] != "OK"]

print("autobahn: %d cases: %s" % (len(ids), ", ".join("%s %d" % (b, counts.get(b, 0)) for b in BEHAVIORS)))
print("close behavior: %s" % ", ".join("%s %d" % (b, close_counts.get(b, 0)) for b in BEHAVIORS))
for i in others:
    print("  %s %s: %s" % (results[i]["behavior"], i, text(detail(i)["description"])[:110]))
if failed:
    print("FAILED cases: %s" % " ".join(failed))
    for i in failed:
        d = detail(i)
        print("  %s: %s\n      expected: %s\n      result: %s / %s" % (
            i, text(d["description"]), text(d["expectation"]), d["result"], d["resultClose"]))
else:
    print("FAILED cases: none")

if not doc:
    sys.exit(1 if failed else 0)

def version(name):
    try:
        return pkg_resources.get_distribution(name).version
    except Exception:
        return "?"

def case_block(i):
    d = detail(i)
    r = results[i]
    return [
        "- **%s** (%s; close: %s): %s" % (i, r["behavior"], r["behaviorClose"], text(d["description"])),
        "  - expected: %s" % text(d["expectation"]),
        "  - result: %s %s (close codes: sent %s, received %s)" % (
            text(d["result"]), text(d["resultClose"]), d.get("localCloseCode"), d.get("remoteCloseCode")),
    ]

L = []
L.append("# WebSocket compliance (Autobahn|Testsuite)")
L.append("")
L.append("Generated by `scripts/autobahn.sh` from the fuzzing client's report "
         "(`reports/servers/index.json` and the per-case JSON files); do not edit by hand, rerun the script.")
L.append("")
L.append("- Command: `bash scripts/autobahn.sh`, which runs `wstest -m fuzzingclient -s spec.json`")
L.append("- Date: %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
L.append("- Target: `spellwire-server --test-hooks` (debug build, commit %s), "
         "the plain echo socket `GET /test/echo` on a loopback port" % commit)
L.append("- Tools: autobahntestsuite %s, autobahn %s, Twisted %s, Python %s" % (
    version("autobahntestsuite"), version("autobahn"), version("Twisted"), sys.version.split()[0]))
L.append("- Cases: `%s`; excluded: %s" % (", ".join(json.loads(cases)), exclude_note))
L.append("- Cases run: %d, in %s s" % (len(ids), elapsed))
L.append("")
L.append("## Results")
L.append("")
L.append("| behavior | cases | close behavior |")
L.append("| --- | ---: | ---: |")
for b in BEHAVIORS:
    L.append("| %s | %d | %d |" % (b, counts.get(b, 0), close_counts.get(b, 0)))
L.append("")
L.append("## Failed cases")
L.append("")
if failed:
    for i in failed:
        L.extend(case_block(i))
else:
    L.append("None.")
L.append("")
L.append("## Cases not OK but not failed")
L.append("")
L.append("NON-STRICT: the behavior is allowed but not the strictest (e.g. not failing fast); "
         "INFORMATIONAL: the spec leaves the outcome open; UNIMPLEMENTED: an optional feature is missing.")
L.append("")
if others:
    for i in others:
        L.extend(case_block(i))
else:
    L.append("None.")
L.append("")
with io.open(doc, "w", encoding="utf-8") as f:
    f.write("\n".join(L))
print("wrote %s" % doc)
sys.exit(1 if failed else 0)
EOF
