"""The JSON HTTP API through real HTTP: every endpoint, every error, the hardening, and 503 while loading."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from koritsu_search import open_index
from koritsu_search.http_api.serve import RunningApi, start_api_in_thread
from koritsu_search.http_api.settings import ApiSettings
from koritsu_search.web.server import free_port

from helpers import FakeEmbedder


def _start(index_dir: Path, embedder: FakeEmbedder | None = None, wait: bool = True, **kw: object) -> RunningApi:
    settings = ApiSettings(str(index_dir), port=free_port("127.0.0.1"), watch_seconds=0.2, **kw)  # type: ignore[arg-type]
    return start_api_in_thread(settings, open_index(index_dir, embedder=embedder or FakeEmbedder()), wait_ready=wait)


@pytest.fixture(scope="module")
def api(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApi]:
    d = tmp_path_factory.mktemp("api") / "idx"
    shutil.copytree(seed_index_dir, d)
    running = _start(d)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def client(api: RunningApi) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, trust_env=False, timeout=30) as c:
        yield c


def _error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()["error"]
    assert body["status"] == status
    return str(body["message"])


def test_healthz_reports_the_worker_its_generation_and_build(client: httpx.Client, seed_index_dir: Path) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok" and h["model_ready"] is True and h["generation"] == 0
    assert isinstance(h["worker"], int) and h["index"]["documents"] == len(open_index(seed_index_dir).documents)


def test_ask_matches_the_library_and_every_citation_opens_its_page(client: httpx.Client, seed_index_dir: Path) -> None:
    library = open_index(seed_index_dir, embedder=FakeEmbedder()).ask("認知症カフェ", complete=True)
    r = client.get("/v1/ask", params={"q": "認知症カフェ", "all": "true"})
    assert r.status_code == 200, r.text
    data = r.json()
    assert [i["record_id"] for i in data["items"]] == [i.record_id for i in library.items]
    assert data["total"] == len(data["items"]) == library.total > 0
    assert 0 < data["bands"]["medium"] <= data["bands"]["high"] < 1
    cited = [c for i in data["items"] for c in i["citations"]]
    assert cited and all(c["quote"] and c["doc_title"] for c in cited)
    first = cited[0]
    assert first["link"].startswith(f"{str(client.base_url).rstrip('/')}/v1/sources/{first['doc_id']}")
    if first["page"] is not None:
        assert first["link"].endswith(f"#page={first['page']}")
    page = client.get(first["link"].split("#")[0])
    assert page.status_code == 200 and page.headers["content-type"].split(";")[0] in ("application/pdf", "text/html")


def test_ask_sorts_groups_and_cuts_to_k(client: httpx.Client) -> None:
    top = client.get("/v1/ask", params={"q": "相談窓口", "k": 3}).json()
    assert len(top["items"]) == 3 and top["total"] >= 3
    by_no = client.get("/v1/ask", params={"q": "相談窓口", "all": "true", "sort": "no", "group": "ministry"}).json()
    numbers = [i["measure_no"] for i in by_no["items"] if i["measure_no"] is not None]
    assert numbers == sorted(numbers)
    assert {rid for g in by_no["groups"] for rid in g["record_ids"]} == {i["record_id"] for i in by_no["items"]}


def test_search_gives_linked_hits_and_filters_apply(client: httpx.Client) -> None:
    r = client.get("/v1/search", params={"q": "自殺対策", "k": 5, "ministry": "厚労省"})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["filters"] == {"ministry": ["厚生労働省"]}  # normalized as the CLI does
    assert 0 < len(data["hits"]) <= 5
    assert all("厚生労働省" in h["ministries"] and "/v1/sources/" in h["link"] for h in data["hits"])


def test_a_bad_filter_value_is_400_with_its_close_matches(client: httpx.Client) -> None:
    r = client.get("/v1/ask", params={"q": "相談", "ministry": "厚生労動省"})
    message = _error(r, 400)
    assert message.startswith("ministry: ") and "Did you mean: 厚生労働省?" in message
    unknown = r.json()["error"]["unknown_values"]
    assert unknown == [{"parameter": "ministry", "value": "厚生労動省", "close_matches": unknown[0]["close_matches"]}]
    assert "厚生労働省" in unknown[0]["close_matches"]


@pytest.mark.parametrize(("params", "fragment"), [
    ({"q": "相談", "k": 0}, "k: "),
    ({"q": "相談", "k": 201}, "k: "),
    ({"q": "相談", "sort": "name"}, "sort: "),
    ({}, "q: "),
    ({"q": "   "}, "empty"),
    ({"q": "a" * 2001}, "too long"),
])
def test_bad_parameters_are_400_with_a_message(client: httpx.Client, params: dict[str, object], fragment: str) -> None:
    assert fragment in _error(client.get("/v1/ask", params=params), 400)


def test_measures_every_document_and_unknown_numbers(client: httpx.Client) -> None:
    r = client.get("/v1/measures/12")
    assert r.status_code == 200, r.text
    m = r.json()
    assert m["no"] == 12 and m["name"] and m["entries"]
    assert all(e["fields"] and "/v1/sources/" in e["link"] for e in m["entries"])
    assert "施策No.9999" in _error(client.get("/v1/measures/9999"), 404)
    assert "no: " in _error(client.get("/v1/measures/twelve"), 400)


def test_facets_list_documents_with_titles(client: httpx.Client, seed_index_dir: Path) -> None:
    f = client.get("/v1/facets").json()
    index = open_index(seed_index_dir)
    assert "厚生労働省" in f["ministries"]
    assert {d["doc_id"]: d["title"] for d in f["documents"]} == {d: index.doc_titles[d] for d in index.facets()["documents"]}


def test_sources_serve_indexed_files_only(client: httpx.Client) -> None:
    doc = client.get("/v1/facets").json()["documents"][0]["doc_id"]
    assert client.get(f"/v1/sources/{doc}").status_code == 200
    assert "no indexed document" in _error(client.get("/v1/sources/passwd"), 404)
    assert _error(client.get("/v1/sources/..%2F..%2Fetc%2Fpasswd"), 404)
    assert _error(client.get("/v1/nothing"), 404)


def test_the_api_is_read_only_bounded_and_answers_known_hosts_only(client: httpx.Client) -> None:
    assert "read-only" in _error(client.post("/v1/ask", params={"q": "相談"}), 405)
    assert "body" in _error(client.request("GET", "/v1/ask", params={"q": "相談"}, content=b"x" * 10), 413)
    assert "too long" in _error(client.get("/v1/ask", params={"q": "相談", "ministry": "x" * 30000}), 414)
    r = client.get("/healthz", headers={"Host": "attacker.example"})
    assert r.status_code == 421
    r = client.get("/healthz", headers={"Origin": "https://intranet.example"})
    assert "access-control-allow-origin" not in r.headers  # CORS is off unless --cors-origin names one
    for name in ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"):
        assert name in r.headers


def test_openapi_describes_every_endpoint(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/healthz", "/v1/search", "/v1/ask", "/v1/measures/{no}", "/v1/facets", "/v1/sources/{doc_id}"} <= set(schema["paths"])
    assert "AskResult" in schema["components"]["schemas"] and "LinkedCitation" in schema["components"]["schemas"]


def test_cors_only_for_the_origin_named(seed_index_dir: Path, tmp_path: Path) -> None:
    d = tmp_path / "idx"
    shutil.copytree(seed_index_dir, d)
    running = _start(d, cors_origins=("https://intranet.example",))
    try:
        with httpx.Client(base_url=running.url, trust_env=False, timeout=30) as c:
            ok = c.get("/v1/facets", headers={"Origin": "https://intranet.example"})
            assert ok.headers["access-control-allow-origin"] == "https://intranet.example"
            pre = c.options("/v1/ask", headers={"Origin": "https://intranet.example", "Access-Control-Request-Method": "GET"})
            assert pre.status_code == 200
            other = c.get("/v1/facets", headers={"Origin": "https://elsewhere.example"})
            assert "access-control-allow-origin" not in other.headers
    finally:
        running.stop()


class SlowToLoad(FakeEmbedder):
    """An embedder whose first query waits until released: the API is still loading meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def embed_query(self, text: str) -> np.ndarray:
        self.release.wait(60)
        return super().embed_query(text)


def test_503_while_loading_then_answers(seed_index_dir: Path, tmp_path: Path) -> None:
    d = tmp_path / "idx"
    shutil.copytree(seed_index_dir, d)
    slow = SlowToLoad()
    running = _start(d, slow, wait=False)
    try:
        with httpx.Client(base_url=running.url, trust_env=False, timeout=30) as c:
            assert "loading" in _error(c.get("/v1/ask", params={"q": "相談"}), 503)
            assert c.get("/v1/ask", params={"q": "相談"}).headers["retry-after"] == "2"
            h = c.get("/healthz")
            assert h.status_code == 503 and h.json()["status"] == "loading"
            slow.release.set()
            assert running.state.wait(30)
            assert c.get("/v1/ask", params={"q": "相談"}).status_code == 200
    finally:
        slow.release.set()
        running.stop()


def test_a_rebuild_is_served_without_restart(seed_index_dir: Path, tmp_path: Path) -> None:
    from koritsu_search.index.build import build_index

    from helpers import CORPUS

    d, corpus = tmp_path / "idx", tmp_path / "corpus"
    shutil.copytree(seed_index_dir, d)
    shutil.copytree(CORPUS, corpus)
    running = _start(d)
    try:
        (corpus / "yume.txt").write_text("ゆめみらい食堂は、毎週土曜に地域の子どもと高齢者が一緒に食事をする居場所です。\n",
                                         encoding="utf-8")
        build_index([corpus], d, embedder=FakeEmbedder())
        assert running.state.live is not None
        for _ in range(100):
            if running.state.live.generation == 1:
                break
            threading.Event().wait(0.1)
        with httpx.Client(base_url=running.url, trust_env=False, timeout=30) as c:
            data = c.get("/v1/search", params={"q": "ゆめみらい食堂", "doc": "yume"}).json()  # 400 on the old index
            assert data["generation"] == 1 and [h["doc_id"] for h in data["hits"]] == ["yume"]
            assert c.get("/healthz").json()["generation"] == 1
    finally:
        running.stop()
