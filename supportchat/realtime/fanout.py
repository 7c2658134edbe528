"""Socket.IO client managers: how an emit reaches this process's sockets and, with REDIS_URL,
every other process's (python-socketio's Redis manager, extended).

Both managers count delivered messages. While Redis is away a process keeps serving its own
sockets; when it is back, the process tells each of its sockets to ``resync`` (the connection
stays open), and clients fetch by seq whatever other processes published meanwhile.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import redis
import socketio

from ..ops import metrics
from ..sockets import internals

log = logging.getLogger(__name__)
RETRY_FIRST, RETRY_MAX = 0.5, 10.0  # seconds between attempts to get Redis back, doubling
RESYNC = "resync"  # PROTOCOL v1.1: "fetch by seq what you show; the connection stays"


class LocalManager(socketio.Manager):
    """Delivers to this process's sockets, counting delivered messages."""

    def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if event == "chat:message":
            skipped = skip_sid if isinstance(skip_sid, list) else [skip_sid]
            metrics.MESSAGES_DELIVERED.inc(
                sum(
                    1
                    for sid, _eio in self.get_participants(namespace, to or room)
                    if sid not in skipped
                )
            )
        super().emit(
            event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs
        )


class RedisQueue(socketio.RedisManager, LocalManager):
    """Fan-out through a Redis channel; what arrives is delivered by LocalManager.emit (the
    method order puts it between python-socketio's pub/sub manager and its base manager)."""

    def __init__(self, url: str, prefix: str):
        super().__init__(
            url, channel=f"{prefix}:socketio", logger=log, redis_options=connection_options()
        )
        self.down_since: float | None = None
        # Readiness probes get their own short timeouts; the listener must block forever.
        self._probe = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    def ping(self) -> None:
        """Raise unless Redis answers and this process is subscribed to the channel."""
        self._probe.ping()
        if self.down_since is not None:
            raise ConnectionError("Redis answers, but this process has not resubscribed yet")

    def _publish(self, data: dict) -> None:
        # One attempt: other processes' clients resync after the outage (see _reachable).
        try:
            if not self.connected:
                self._redis_connect()
            self.redis.publish(self.channel, self.json.dumps(data))
        except Exception as exc:  # any failure to publish is an outage of the queue
            self.connected = False
            self._unreachable(exc)

    def _redis_listen_with_retries(self):
        delay = RETRY_FIRST
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                self._reachable()
                delay = RETRY_FIRST
                yield from self.pubsub.listen()
            except Exception as exc:  # whatever broke, the answer is to reconnect later
                self._unreachable(exc)
                time.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)

    def _unreachable(self, exc: Exception) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning(
                "Redis message queue unreachable (%s: %s); serving this process's own "
                "clients meanwhile and retrying with backoff",
                type(exc).__name__,
                exc,
            )

    def _reachable(self) -> None:
        if self.down_since is None:
            return
        seconds = time.monotonic() - self.down_since
        self.down_since = None
        metrics.QUEUE_RECONNECTS.inc()
        log.warning(
            "Redis message queue back after %.1f s; telling this process's clients to "
            "resync what they missed",
            seconds,
        )
        self.server.start_background_task(self.resync_clients)

    def resync_clients(self) -> None:
        """Send ``resync`` to every socket of this process only, keeping the connections."""
        for namespace in list(self.get_namespaces()):
            LocalManager.emit(self, RESYNC, {"reason": "fanout-restored"}, namespace)


def client_manager(config: dict) -> socketio.Manager:
    """A fresh manager for one application: Redis fan-out when REDIS_URL is set."""
    if config["REDIS_URL"]:
        return RedisQueue(config["REDIS_URL"], config["REDIS_PREFIX"])
    return LocalManager()


def listen(server: socketio.Server) -> None:
    """Start receiving from the queue now rather than at the first socket connection
    (python-socketio's default), so that an outage is noticed, and readiness reports it,
    whether or not a socket has connected yet."""
    if not server.manager_initialized:
        server.manager_initialized = True
        server.manager.initialize()


def refuse_new_clients(server: socketio.Server) -> None:
    """Refuse new Engine.IO sessions from now on (a stopping process): clients count the
    refusal as a failed attempt and retry, through the load balancer, elsewhere."""
    server.eio.on("connect", lambda _sid, _environ: False)


def reconnect_clients(server: socketio.Server) -> int:
    """Drop this process's Engine.IO connections as a network failure would — without the
    close packet that tells clients to stay away — so Socket.IO clients reconnect by
    themselves (through the load balancer) and resync by seq. Returns how many."""
    connections = internals.open_connections(server)
    for connection in connections:
        internals.drop(connection)
    return len(connections)


def connection_options() -> dict:
    """Options for a Redis connection that listens: fail fast to connect, notice a silent loss."""
    # Keepalive notices a Redis that vanished without closing the connection (no RST).
    options: dict[str, Any] = {"socket_connect_timeout": 2, "socket_keepalive": True}
    if hasattr(socket, "TCP_KEEPIDLE"):
        options["socket_keepalive_options"] = {
            socket.TCP_KEEPIDLE: 30,
            socket.TCP_KEEPINTVL: 10,
            socket.TCP_KEEPCNT: 3,
        }
    return options
