"""Drives README.md's Python (written to DIR/readme_backend.py by readme.mjs) against the real
gateway named by the environment, and prints what it got as JSON for tests/example/run.mjs."""

import json
import os
import sys

sys.path.insert(0, sys.argv[1])
import readme_backend as backend  # noqa: E402

auth = f"Bearer {os.environ['SPELLWIRE_PROXY_SECRET']}"
send = {"user": "ann", "id": "readme-1", "type": "chat", "topic": None, "data": {"text": "hi"}}
mine = {"user": "ann", "topic": "readme"}
crew = {"channel": "crew:readme"}
print(json.dumps({
    "token": backend.connection_token("ann"),
    "seqs": [backend.publish("readme_python", {"from": "README"}, "readme:python:1", **mine) for _ in "12"],
    "crewSeqs": [backend.publish("crew_line", {"text": "hi crew"}, "readme:crew:1", **crew) for _ in "12"],
    "answers": [backend.on_send(send, auth), backend.on_send(send, auth)],
    "unknown": backend.on_send({**send, "id": "readme-2", "type": "teleport"}, auth),
}))
