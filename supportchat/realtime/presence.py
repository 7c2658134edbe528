"""Which agents have the dashboard open (a socket on ``/agent``) right now, in any process.

Without REDIS_URL there is one process, and its Socket.IO manager knows: the connected
participants of the ``agents`` room. With REDIS_URL every process also keeps a heartbeat in
one sorted set, ``<REDIS_PREFIX>:presence``: a member ``<process>:<agent id>`` for each agent
connected to it, scored by the Unix time it expires. A process adds the member when the agent
connects, refreshes its members every HEARTBEAT_SECONDS, and removes one when the agent's last
socket in the process goes; expired members are ignored (and swept), so the agents of a process
that crashed stop counting within TTL_SECONDS. While Redis is away, a process knows only its
own agents.
"""

from __future__ import annotations

import logging
import time
import uuid

import gevent
import redis
from flask import current_app

from .publish import AGENT, AGENTS_ROOM

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15
TTL_SECONDS = 45  # three missed heartbeats


class LocalPresence:
    """The agents connected to this process, which is the only one."""

    def __init__(self, app):
        self.app = app

    def here(self) -> set[str]:
        """Ids of the agents with a connected socket in this process."""
        server, agents = self.app.extensions["socketio"].server, set()
        for sid in self._sockets():
            try:
                agents.add(server.get_session(sid, namespace=AGENT)["actor"].id)
            except KeyError:  # gone meanwhile
                continue
        return agents

    def anyone(self) -> bool:
        """Whether any agent is connected."""
        return next(self._sockets(), None) is not None

    def _sockets(self):
        manager = self.app.extensions["socketio"].server.manager
        for sid, _eio_sid in manager.get_participants(AGENT, AGENTS_ROOM):
            if manager.is_connected(sid, AGENT):  # not while connecting or leaving
                yield sid

    def online(self, agent_id: str) -> bool:
        """Whether the agent is connected."""
        return agent_id in self.here()

    def arrived(self, agent_id: str) -> None:
        """An agent's socket connected here (the manager has it already)."""

    def left(self, agent_id: str) -> None:
        """An agent's socket left here (the manager forgets it by itself)."""

    def start(self) -> None:
        """Nothing to keep alive."""


class RedisPresence(LocalPresence):
    """This process's agents, and every other process's through their heartbeats in Redis."""

    def __init__(self, app, url: str, prefix: str):
        super().__init__(app)
        self.key = f"{prefix}:presence"
        self.process = uuid.uuid4().hex[:16]
        # Short timeouts: a socket connect or /api/chat/config must not hang on a lost Redis.
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self._greenlet = None

    def anyone(self) -> bool:
        if super().anyone():
            return True
        return bool(self._ask(lambda: self.redis.zcount(self.key, f"({time.time()}", "+inf")))

    def online(self, agent_id: str) -> bool:
        if super().online(agent_id):
            return True
        members = self._ask(lambda: self.redis.zrangebyscore(self.key, f"({time.time()}", "+inf"))
        return any(member.decode().partition(":")[2] == agent_id for member in members or ())

    def arrived(self, agent_id: str) -> None:
        self._ask(lambda: self.redis.zadd(self.key, {self._member(agent_id): self._expiry()}))

    def left(self, agent_id: str) -> None:
        if agent_id not in self.here():  # the leaving socket no longer counts as connected
            self._ask(lambda: self.redis.zrem(self.key, self._member(agent_id)))

    def start(self) -> None:
        """Refresh this process's heartbeats in the background (ops.server.start), once."""
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._beat)

    def beat(self) -> None:
        """Renew the members of this process's agents and sweep the expired ones."""
        agents, now = self.here(), time.time()
        pipe = self.redis.pipeline(transaction=False)
        if agents:
            pipe.zadd(self.key, {self._member(agent): now + TTL_SECONDS for agent in agents})
        pipe.zremrangebyscore(self.key, "-inf", now)
        self._ask(pipe.execute)

    def _beat(self) -> None:
        while True:
            try:
                self.beat()
            except Exception:  # never let the heartbeat die: the agents would vanish
                log.exception("presence heartbeat failed")
            gevent.sleep(HEARTBEAT_SECONDS)

    def _member(self, agent_id: str) -> str:
        return f"{self.process}:{agent_id}"

    @staticmethod
    def _expiry() -> float:
        return time.time() + TTL_SECONDS

    @staticmethod
    def _ask(call):
        try:
            return call()
        except redis.RedisError as exc:
            log.debug("presence: Redis unavailable (%s)", type(exc).__name__)
            return None


def make_presence(app) -> LocalPresence:
    """The presence of one application: shared through Redis when REDIS_URL is set."""
    config = app.config
    if config["REDIS_URL"]:
        return RedisPresence(app, config["REDIS_URL"], config["REDIS_PREFIX"])
    return LocalPresence(app)


def current() -> LocalPresence:
    """The running application's presence."""
    return current_app.extensions["supportchat.presence"]
