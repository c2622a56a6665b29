"""Replay the recorded Trello cassettes against the sandbox and compare what clients read.

The starting state is rebuilt from the recordings themselves (each object as first
recorded, under its recorded id); objects a cassette creates are mapped from their
recorded ids to the sandbox's new ones for the requests that follow.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
import yaml

from sandbox import Sandbox
from sandbox.trello.models import Board, TrelloBackend, TrelloCard, TrelloList

CASSETTES = Path(__file__).resolve().parents[1] / "fidelity" / "trello_cassettes"
HEX24 = re.compile(r"[0-9a-f]{24}\Z")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")

# Paths (after /1/) the sandbox serves; anything else is out of scope, with the reason.
IN_SCOPE = [
    re.compile(p + r"/?\Z") for p in (
        r"boards/\w+", r"boards/\w+/(lists|cards)", r"boards/\w+/cards/\w+",
        r"lists", r"lists/\w+", r"lists/\w+/(cards|board|archiveAllCards)",
        r"cards", r"cards/\w+", r"cards/\w+/(idList|closed|name|desc|pos|due|pluginData|customFieldItems|board|list)",
    )
]
OUT_OF_SCOPE = {
    "checklists": "checklists are not modelled (WorkLead never uses them)",
    "actions": "actions and comments are not modelled (WorkLead never reads them)",
    "labels": "labels are not modelled (WorkLead never uses them)",
    "webhooks": "webhooks are not modelled (WorkLead polls)",
}
# Fields the sandbox does not model; recorded values for them are not compared.
UNMODELLED = {"members", "idMembers", "idLabels", "labels", "badges", "cover", "idAttachmentCover",
              "manualCoverAttachment", "subscribed", "prefs", "idOrganization", "idChecklists", "address",
              "coordinates", "creationMethod", "locationName", "staticMapUrl", "cardRole"}
# Siblings a cassette's answers depend on but do not show, taken from other cassettes
# recorded on the same board: board "IT 3" had L1 (65535) and L2 (131071), see
# can_arvhice_all_cards_of_list.yml and can_get_cards_of_list.yml; L3 (32767.5) was
# created one second before L4 by can_success_create_a_list.yml.
IT3 = "5e94eaf386374970d06e4c89"
IT3_LISTS = [{"id": "5e94eafdf553d46ea525faa7", "name": "L1", "closed": False, "pos": 65535, "idBoard": IT3},
             {"id": "5e94fa1248c5e41ad0464a7f", "name": "L2", "closed": False, "pos": 131071, "idBoard": IT3}]
HIDDEN_SIBLINGS = {
    "can_success_create_a_list.yml": IT3_LISTS,
    "can_success_create_a_list_with_full_parameters.yml": IT3_LISTS + [
        {"id": "5f52526dd20e29822abc6eca", "name": "L3", "closed": False, "pos": 32767.5, "idBoard": IT3}],
}
# Recorded values the sandbox cannot reproduce from what was recorded, and why.
KNOWN_DIFFERENCES = {
    ("can_success_create_a_card_when_due_is_datetime.yml", "pos"):
        "pos 4096 (top) implies an unrecorded card at 8192 in that list",
    ("get_list_of_card.yml", "checkItemStates"):
        "the card's checked checklist items: checklists are not modelled",
}
COMPARED = {
    "card": ("id", "name", "desc", "idList", "idBoard", "closed", "pos", "idShort", "shortLink", "due",
             "dueComplete", "url", "shortUrl", "dateLastActivity", "checkItemStates", "descData"),
    "list": ("id", "name", "closed", "pos", "idBoard"),
    "board": ("id", "name", "desc", "closed", "url", "shortUrl"),
}


@dataclass
class Interaction:
    method: str
    uri: str
    body: str
    status: int
    text: str

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def rel(self) -> str:
        return self.path[len("/1/"):]

    def kind(self) -> Optional[str]:
        """What a 200 answer holds: card, list or board (or a list of them)."""
        parts = self.rel.strip("/").split("/")
        if parts[0] == "boards":
            return {2: "board", 3: {"lists": "list", "cards": "card"}.get(parts[-1]), 4: "card"}.get(len(parts))
        if parts[0] == "lists":
            return "card" if parts[-1] == "cards" else ("board" if parts[-1] == "board" else "list")
        if parts[0] == "cards":
            if len(parts) >= 3 and parts[2] in ("board", "list"):
                return parts[2]
            return None if len(parts) >= 3 and parts[2] in ("pluginData", "customFieldItems") else "card"
        return None

    def out_of_scope(self) -> Optional[str]:
        head = self.rel.split("/")[0]
        if head in OUT_OF_SCOPE:
            return OUT_OF_SCOPE[head]
        if "/checklists" in self.rel:
            return OUT_OF_SCOPE["checklists"]
        if not any(p.match(self.rel) for p in IN_SCOPE):
            return f"route {self.method} /1/{self.rel} is not served"
        return None

    def json(self) -> Any:
        return json.loads(self.text) if self.text[:1] in "[{" else None


@dataclass
class CassetteResult:
    name: str
    replayed: int = 0
    matched: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)  # recorded differences we accept, with the reason
    unmodelled_keys: set[str] = field(default_factory=set)


def load_cassette(path: Path) -> list[Interaction]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Interaction(i["request"]["method"].upper(), i["request"]["uri"], i["request"]["body"].get("string") or "",
                    int(i["response"]["status"]["code"]), i["response"]["body"].get("string") or "")
        for i in data["http_interactions"]
    ]


def cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.yml"))


# -- the starting state ------------------------------------------------------------
def _objects(interactions: list[Interaction]) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(kind, recorded object, created here) for every board, list and card in the answers."""
    for it in interactions:
        kind, body = it.kind(), it.json()
        if it.status != 200 or kind is None or body is None or it.out_of_scope():
            continue
        created = it.method == "POST"
        for obj in body if isinstance(body, list) else [body]:
            if isinstance(obj, dict) and "id" in obj:
                yield kind, obj, created


def seed(model: TrelloBackend, interactions: list[Interaction], hidden: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
    """Put every object the cassette reads (as first recorded) into the model, under its own id."""
    model.boards, model.lists, model.cards = {}, {}, {}
    created_ids = {obj["id"] for _, obj, created in _objects(interactions) if created}
    first: dict[str, tuple[str, dict[str, Any]]] = {}
    for kind, obj, _ in _objects(interactions):
        first.setdefault(obj["id"], (kind, obj))
    seen = {i: v for i, v in first.items() if i not in created_ids}
    for obj in hidden:
        seen.setdefault(obj["id"], ("list", obj))
    for ident, (kind, obj) in seen.items():
        if kind == "board":
            _board(model, ident, obj)
    for ident, (kind, obj) in seen.items():
        if kind == "list":
            _board(model, obj.get("idBoard") or model.new_id(), {})
            model.lists[ident] = TrelloList(ident, obj.get("idBoard") or next(iter(model.boards)), obj.get("name", "L"),
                                            float(obj.get("pos", 65535)), obj.get("closed", False))
    for ident, (kind, obj) in seen.items():
        if kind == "card":
            _card(model, ident, obj)
    for _, obj, created in _objects(interactions):
        # Parents any answer names must exist: its list, its board.
        if obj.get("idBoard"):
            _board(model, obj["idBoard"], {})
        if "idList" in obj:
            _list(model, obj["idList"], obj["idBoard"])
        if created and "idShort" in obj:
            board = model.boards[obj["idBoard"]]
            board.last_id_short = max(board.last_id_short, obj["idShort"] - 1)
    _extras(model, interactions)


def _board(model: TrelloBackend, ident: str, obj: dict[str, Any]) -> Board:
    if ident not in model.boards:
        link = (obj.get("shortUrl") or "https://trello.com/b/Bxxxxxx1").rsplit("/", 1)[-1]
        model.boards[ident] = Board(ident, obj.get("name", "Board"), link, "2020-04-12T00:00:00.000Z",
                                    desc=obj.get("desc", ""), closed=obj.get("closed", False))
    return model.boards[ident]


def _list(model: TrelloBackend, ident: str, board_id: str) -> TrelloList:
    if ident not in model.lists:
        _board(model, board_id, {})
        model.lists[ident] = TrelloList(ident, board_id, "L", 65535.0)
    return model.lists[ident]


def _card(model: TrelloBackend, ident: str, obj: dict[str, Any]) -> None:
    board_id = obj.get("idBoard") or next(iter(model.boards), None) or _board(model, model.new_id(), {}).id
    list_id = obj.get("idList") or _list(model, model.new_id(), board_id).id
    _list(model, list_id, board_id)
    board = model.boards[board_id]
    board.last_id_short = max(board.last_id_short, obj.get("idShort", 0))
    model.cards[ident] = TrelloCard(
        id=ident, id_board=board_id, id_list=list_id, name=obj.get("name", ""), pos=float(obj.get("pos", 65535)),
        id_short=obj.get("idShort", 1), short_link=obj.get("shortLink", ident[-8:]),
        date_last_activity=obj.get("dateLastActivity", "2020-04-12T00:00:00.000Z"), desc=obj.get("desc", ""),
        closed=obj.get("closed", False), due=obj.get("due"), due_complete=obj.get("dueComplete", False),
    )


def _extras(model: TrelloBackend, interactions: list[Interaction]) -> None:
    """pluginData and customFieldItems live only in their own answers: seed the cards with them."""
    for it in interactions:
        parts = it.rel.split("/")
        if it.status == 200 and len(parts) == 3 and parts[2] in ("pluginData", "customFieldItems"):
            card = model.cards.get(parts[1])
            if card is not None:
                setattr(card, "plugin_data" if parts[2] == "pluginData" else "custom_field_items", it.json())


# -- replay and compare -----------------------------------------------------------
def replay(sandbox: Sandbox, model: TrelloBackend, path: Path) -> CassetteResult:
    interactions = load_cassette(path)
    result = CassetteResult(path.name)
    seed(model, interactions, HIDDEN_SIBLINGS.get(path.name, []))
    ids: dict[str, str] = {}
    for it in interactions:
        reason = it.out_of_scope()
        if reason:
            result.skipped.append((f"{it.method} {it.path}", reason))
            continue
        answer = _send(sandbox, it, ids)
        result.replayed += 1
        problems: list[str] = []
        accepted: list[str] = []
        for problem in _compare(it, answer, ids, result):
            known = KNOWN_DIFFERENCES.get((path.name, problem.split(":")[0]))
            (accepted if known else problems).append(known or problem)
        result.known += accepted
        result.mismatches += [f"{it.method} {it.path}: {p}" for p in problems]
        result.matched += not problems and not accepted
    return result


def _swap(text: str, ids: dict[str, str]) -> str:
    for recorded, ours in ids.items():
        text = text.replace(recorded, ours)
    return text


def _send(sandbox: Sandbox, it: Interaction, ids: dict[str, str]) -> requests.Response:
    parts = urlsplit(it.uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("key", "token")]
    query += [("key", sandbox.creds.trello_key), ("token", sandbox.creds.trello_token)]
    url = f"{sandbox.url}{_swap(parts.path, ids)}?{urlencode(query)}"
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if it.body else {}
    answer = requests.request(it.method, url, data=_swap(it.body, ids).encode(), headers=headers, timeout=10)
    recorded = it.json()
    if it.method == "POST" and answer.status_code == 200 and isinstance(recorded, dict) and "id" in recorded:
        ids[recorded["id"]] = answer.json()["id"]
        if "shortLink" in recorded:
            ids[recorded["shortLink"]] = answer.json()["shortLink"]
    return answer


def _compare(it: Interaction, answer: requests.Response, ids: dict[str, str], result: CassetteResult) -> list[str]:
    if answer.status_code != it.status:
        return [f"status {answer.status_code} != recorded {it.status} ({answer.text[:80]!r})"]
    recorded = it.json()
    if recorded is None:
        return [] if answer.text == it.text else [f"body {answer.text!r} != recorded {it.text!r}"]
    if "json" not in answer.headers.get("Content-Type", ""):
        return [f"content type {answer.headers.get('Content-Type')} for a JSON answer"]
    ours = answer.json()
    kind = it.kind()
    if isinstance(recorded, list):
        if not isinstance(ours, list) or len(ours) != len(recorded):
            return [f"{len(ours) if isinstance(ours, list) else ours!r} items != recorded {len(recorded)}"]
        return [p for r, o in zip(recorded, ours, strict=True) for p in _compare_obj(kind, r, o, ids, result)]
    return _compare_obj(kind, recorded, ours, ids, result)


def _compare_obj(kind: Optional[str], recorded: Any, ours: Any, ids: dict[str, str],
                 result: CassetteResult) -> list[str]:
    if not isinstance(recorded, dict) or kind is None:
        return [] if recorded == ours else [f"{ours!r} != recorded {recorded!r}"]
    missing = set(recorded) - set(ours)
    result.unmodelled_keys |= missing & UNMODELLED
    problems = [f"missing keys {sorted(missing - UNMODELLED)}"] if missing - UNMODELLED else []
    for name in COMPARED[kind]:
        if name in recorded and name in ours and not _same(name, recorded[name], ours[name], ids):
            problems.append(f"{name}: {ours[name]!r} != recorded {recorded[name]!r}")
    return problems


def _same(name: str, recorded: Any, ours: Any, ids: dict[str, str]) -> bool:
    if name == "dateLastActivity":
        return bool(STAMP.match(str(ours)))
    if isinstance(recorded, str):
        recorded = _swap(recorded, ids)
    if name == "id" and recorded != ours:
        return False
    return recorded == ours


def tally(sandbox: Sandbox, model: TrelloBackend) -> list[CassetteResult]:
    return [replay(sandbox, model, path) for path in cassettes()]


if __name__ == "__main__":
    import tempfile

    with Sandbox(tempfile.mkdtemp(), seed=False) as server:
        trello = next(s for s in server.services if s.name == "trello").backend  # type: ignore[attr-defined]
        results = tally(server, trello)
    for r in results:
        print(f"{r.name}: replayed {r.replayed}, matched {r.matched}, skipped {len(r.skipped)}")
        for m in r.mismatches:
            print("   MISMATCH", m)
        for k in r.known:
            print("   KNOWN", k)
        for s in r.skipped:
            print("   skip", *s)
    print("cassettes with replays:", sum(1 for r in results if r.replayed),
          "| interactions replayed:", sum(r.replayed for r in results),
          "matched:", sum(r.matched for r in results),
          "skipped:", sum(len(r.skipped) for r in results))
    print("unmodelled keys seen:", sorted(set().union(*(r.unmodelled_keys for r in results))))
