"""How HTTP leaves the sandbox.

A job's requests go through a `Send` (see js_runtime.http): `LiveTransport` performs them on the
real network under a `NetworkPolicy` (checked on every resolved address and every redirect hop);
`HostRewrite` wraps any `Send` to point an origin somewhere else.

`edge.JobEdge` is the one wrapper every job sends through (request cap, request trace, secret
learning, recording); `bodies.decode_body` is the one body decoder. Neither is re-exported here:
edge.py imports executor.secrets, which imports bodies.py, so they are imported by module path.
May import: executor.errors, executor.limits, executor.secrets, executor.replay.model (recording),
js_runtime.http and js_runtime.limits.
"""

from executor.transport.live import LiveTransport, PolicyResolver
from executor.transport.policy import NetworkPolicy, ParsedTarget, blocked_reason, inet_aton
from executor.transport.rewrite import HostRewrite

__all__ = [
    "HostRewrite",
    "LiveTransport",
    "NetworkPolicy",
    "ParsedTarget",
    "PolicyResolver",
    "blocked_reason",
    "inet_aton",
]
