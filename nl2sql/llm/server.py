"""llama.cpp's OpenAI-compatible server, in this process, through the prebuilt `xllamacpp`
wheel (`pip install 'nl2sql[llm]'`): any GGUF file becomes a local model endpoint.

    with LocalModelServer(ServerOptions(Path("model.gguf"), port=0)) as server:
        ModelClient(ClientOptions(base_url=server.base_url)).chat_sync(...)
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from nl2sql.errors import ConfigError

__all__ = ["LocalModelServer", "ServerOptions"]


@dataclass(frozen=True)
class ServerOptions:
    gguf: Path
    host: str = "127.0.0.1"
    port: int = 8080          # 0: any free port
    threads: int = 1
    context: int = 4096
    parallel: int = 1         # requests decoded at once (each gets context / parallel)
    alias: str = "local"


class LocalModelServer:
    """Loads the model and listens until `close` (or the end of a `with` block)."""

    def __init__(self, options: ServerOptions) -> None:
        if not options.gguf.is_file():
            raise ConfigError(f"no GGUF model file at {options.gguf}")
        with open(options.gguf, "rb") as f:
            if f.read(4) != b"GGUF":
                raise ConfigError(f"{options.gguf} is not a GGUF file")
        try:
            import xllamacpp
        except ImportError as e:
            raise ConfigError("the local model server needs xllamacpp: "
                              "pip install 'nl2sql[llm]'") from e
        params = xllamacpp.CommonParams()
        params.model.path = str(options.gguf)
        params.model_alias = options.alias
        params.n_ctx = options.context
        params.n_parallel = options.parallel
        params.cpuparams.n_threads = options.threads
        params.cpuparams_batch.n_threads = options.threads
        params.hostnames = [options.host]
        params.port = options.port or _free_port(options.host)
        params.warmup = False
        self.options = options
        self._server: Any = xllamacpp.Server(params)
        self.address: str = self._server.listening_address

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (…/v1), the value for NL2SQL_MODEL_BASE_URL."""
        return f"{self.address}/v1"

    def close(self) -> None:
        # Dropping the last reference stops llama.cpp's server loop and frees the model.
        self._server = None

    def __enter__(self) -> LocalModelServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port
