"""The shared store in Redis (or Valkey) through redis-py's asyncio client.

Keys, per scope: `cx:{<tag>}:run` (the lease: owner token + fingerprint, with a TTL the owner
renews) and `cx:{<tag>}:done` (fingerprint + the sealed value, with the retention TTL). The tag is a
keyed digest of the scope, in braces: the two keys of one scope hash to one Redis Cluster slot, so
each Lua script touches one slot. Every operation is one script or one command; any Redis error or
timeout is StoreUnavailable.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from executor.server.store import Claim, Store, StoreUnavailable
from executor.server.store.sealing import Sealer

_TOKEN_HEX = 32
_FP_HEX = 64
POLL_SECONDS = 0.05

# KEYS: run, done. ARGV: fingerprint, token, lease ms, any_done ("1"/"0").
_CLAIM = """
local done = redis.call('GET', KEYS[2])
if done then
  local same = string.sub(done, 1, 64) == ARGV[1]
  if same or ARGV[4] == '1' then
    if same then return {'done', '1', done} end
    return {'done', '0', done}
  end
end
local run = redis.call('GET', KEYS[1])
if run then
  if string.sub(run, 33, 96) == ARGV[1] then return {'running', '1'} end
  return {'running', '0'}
end
redis.call('SET', KEYS[1], ARGV[2] .. ARGV[1], 'PX', ARGV[3])
return {'claimed', '1'}
"""
# KEYS: run. ARGV: token, lease ms.
_RENEW = """
local run = redis.call('GET', KEYS[1])
if run and string.sub(run, 1, 32) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
# KEYS: run, done. ARGV: token, record ('' for none), retention ms.
_COMPLETE = """
local run = redis.call('GET', KEYS[1])
if run and string.sub(run, 1, 32) ~= ARGV[1] then return 0 end
if run then redis.call('DEL', KEYS[1]) end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
return 1
"""


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisStore(Store):
    """Leases and sealed records in Redis; `secret` (CONNECTOR_EXECUTOR_STORE_KEY) seals and names them."""

    kind = "redis"

    def __init__(self, url: str, secret: str, *, op_timeout: float = 1.0) -> None:
        self._sealer = Sealer(secret)
        self._client: Any = aioredis.Redis.from_url(
            url, socket_timeout=op_timeout, socket_connect_timeout=op_timeout, retry_on_timeout=False,
            health_check_interval=0, decode_responses=False)
        self._claim = self._client.register_script(_CLAIM)
        self._renew = self._client.register_script(_RENEW)
        self._complete = self._client.register_script(_COMPLETE)

    def _keys(self, scope: str) -> tuple[str, str]:
        tag = self._sealer.name("scope:" + scope)[:32]
        return f"cx:{{{tag}}}:run", f"cx:{{{tag}}}:done"

    def _fingerprint(self, fingerprint: str) -> str:
        return self._sealer.name("fingerprint:" + fingerprint)

    async def _call(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        try:
            return await script(keys=keys, args=args)
        except (TimeoutError, RedisError, OSError) as exc:
            raise StoreUnavailable(f"the store failed: {exc.__class__.__name__}") from None

    async def claim(self, scope: str, fingerprint: str, lease: float, *, any_done: bool) -> Claim:
        run_key, done_key = self._keys(scope)
        token = secrets.token_hex(_TOKEN_HEX // 2)
        answer = await self._call(self._claim, [run_key, done_key],
                                  [self._fingerprint(fingerprint), token, _ms(lease), "1" if any_done else "0"])
        state, same = answer[0].decode(), answer[1] == b"1"
        if state == "claimed":
            return Claim("claimed", token=token)
        if state == "running":
            return Claim("running", same=same)
        value = self._sealer.open(answer[2][_FP_HEX:], done_key.encode())
        if value is None:  # sealed with another key (a rotated CONNECTOR_EXECUTOR_STORE_KEY): not usable
            raise StoreUnavailable("a stored record cannot be decrypted with this CONNECTOR_EXECUTOR_STORE_KEY")
        return Claim("done", same=same, value=value)

    async def renew(self, scope: str, token: str, lease: float) -> bool:
        run_key, _ = self._keys(scope)
        return bool(await self._call(self._renew, [run_key], [token, _ms(lease)]))

    async def complete(self, scope: str, token: str, fingerprint: str, value: bytes | None,
                       retention: float) -> bool:
        run_key, done_key = self._keys(scope)
        record = b""
        if value is not None:
            record = self._fingerprint(fingerprint).encode() + self._sealer.seal(value, done_key.encode())
        return bool(await self._call(self._complete, [run_key, done_key], [token, record, _ms(retention)]))

    async def changed(self, scope: str, timeout: float) -> None:
        await asyncio.sleep(max(0.0, min(timeout, POLL_SECONDS)))

    async def ping(self) -> None:
        try:
            await self._client.ping()
        except (TimeoutError, RedisError, OSError) as exc:
            raise StoreUnavailable(f"the store failed: {exc.__class__.__name__}") from None

    async def close(self) -> None:
        await self._client.aclose()
