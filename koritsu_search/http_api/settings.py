"""What an API server is told at start: the index, the model, the address, the hosts and origins it answers to."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

ENV = "KORITSU_API_SETTINGS"  # how the parent hands the settings to its worker processes
MAX_WORKERS = 16


@dataclass(frozen=True)
class ApiSettings:
    """An API server's settings; every worker process reads the same ones."""

    index_dir: str
    model: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    allow_hosts: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    watch_seconds: float = 1.0
    concurrency: int = 4  # requests each worker answers at once; their query embeddings share one pass

    def to_env(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_env(cls) -> ApiSettings:
        raw = os.environ.get(ENV)
        if not raw:
            raise RuntimeError(f"{ENV} is not set: start the API with koritsu_search.http_api.serve.serve_api")
        data = json.loads(raw)
        data["allow_hosts"] = tuple(data.get("allow_hosts", ()))
        data["cors_origins"] = tuple(data.get("cors_origins", ()))
        return cls(**data)
