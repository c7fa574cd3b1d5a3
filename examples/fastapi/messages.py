"""Chat messages the pages send, applied once per send id (SQLite, so a restart keeps them)."""

import json
import sqlite3
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS chat (
    user TEXT NOT NULL, send_id TEXT NOT NULL, text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sends (
    user TEXT NOT NULL, send_id TEXT NOT NULL, result TEXT NOT NULL, received INTEGER NOT NULL,
    PRIMARY KEY (user, send_id)
);
"""


class Messages:
    """`sends` remembers each send id's answer; `chat` holds the messages themselves."""

    def __init__(self, path: str):
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.executescript(SCHEMA)

    def apply_once(self, user: str, send_id: str, text: str) -> dict[str, Any]:
        """Stores the message and returns the answer for the page, or, for an id already
        applied (the gateway resends when an answer was lost), the first answer again.

        No await happens inside, so on the event loop this runs as one step; the transaction
        makes the chat row and the remembered answer land together.
        """
        with self.db:
            row = self.db.execute(
                "SELECT result FROM sends WHERE user = ? AND send_id = ?", (user, send_id)
            ).fetchone()
            if row:
                self.db.execute(
                    "UPDATE sends SET received = received + 1 WHERE user = ? AND send_id = ?",
                    (user, send_id),
                )
                return json.loads(row[0])
            self.db.execute(
                "INSERT INTO chat (user, send_id, text) VALUES (?, ?, ?)", (user, send_id, text)
            )
            result = {"stored": True, "reply": f"{user}, the spellbook heard: {text}"}
            self.db.execute(
                "INSERT INTO sends (user, send_id, result, received) VALUES (?, ?, ?, 1)",
                (user, send_id, json.dumps(result)),
            )
            return result

    def listing(self) -> list[dict[str, Any]]:
        """Every send id with its text, how many chat rows it made (`applied`, 1 when the
        dedup works) and how many times it reached the backend (`received`)."""
        rows = self.db.execute(
            """SELECT s.user, s.send_id, min(c.text), count(c.rowid), s.received
               FROM sends s LEFT JOIN chat c ON c.user = s.user AND c.send_id = s.send_id
               GROUP BY s.user, s.send_id ORDER BY min(c.rowid)"""
        )
        keys = ("user", "id", "text", "applied", "received")
        return [dict(zip(keys, row)) for row in rows]

    def close(self) -> None:
        self.db.close()
