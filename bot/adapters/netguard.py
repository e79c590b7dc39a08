"""The SSRF guard: feed and article URLs come from users and from feeds, so no fetch may reach this machine,
the private network or a cloud metadata service unless the operator allowed it by name.

Two decision points, both before any socket is opened:
- `GuardedResolver` wraps the DNS resolver the HTTP client connects through: a host name is checked against the
  addresses it resolves to (and the client connects only to the addresses that passed), so a name that points
  inward is refused however it is spelled;
- `check_url` refuses an address literal in a URL (`http://169.254.169.254/`, `http://[::1]/`, which never
  reach a resolver) and a scheme other than http(s). The fetcher calls it on the first URL and on every
  redirect hop.

The allow-list (`[fetch] allow` in the config) names networks ("127.0.0.1", "10.2.0.0/16") or host names
("feeds.internal"); it is the only way around the guard, and what the tests use to reach 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.tracing import Trace
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(Exception):
    """A URL or a host that the guard refuses; the message says which address and why."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64): it is where packets really go."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _why_refused(ip: IPAddress) -> str | None:
    inner = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    if inner is not None:
        return _why_refused(inner)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata lives here)"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_private:
        return "private network"
    if not ip.is_global:
        return "not a public address"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a fetch may connect to: public ones, and what the operator allowed."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def allowing(cls, entries: Iterable[str]) -> AddressPolicy:
        """From the config's allow-list: each entry a network, an address, or a host name."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                hosts.add(entry.strip().lower().rstrip("."))
        return cls(tuple(networks), frozenset(hosts))

    def refusal(self, ip: IPAddress) -> str | None:
        """Why a connection to `ip` is refused, or None when it is allowed."""
        if any(ip in n for n in self.networks if n.version == ip.version):
            return None
        return _why_refused(ip)

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_url(url: str, policy: AddressPolicy) -> None:
    """Refuse a URL that is not http(s), has no host, or names a refused address literally — read the way the
    HTTP client will read it (yarl normalises '１２７.０.０.１' to '127.0.0.1', so the standard library's
    reading is not enough)."""
    try:
        parsed = URL(url)
        host = parsed.host
    except (ValueError, TypeError) as exc:
        raise BlockedAddress(f"{url[:200]}: not a valid URL ({exc})") from None
    if (parsed.scheme or "").lower() not in ("http", "https"):
        raise BlockedAddress(f"{url[:200]}: only http and https URLs are fetched")
    if not host:
        raise BlockedAddress(f"{url[:200]}: no host in the URL")
    ip = _literal(host)
    if ip is not None and not policy.host_allowed(host):
        why = policy.refusal(ip)
        if why:
            raise BlockedAddress(f"{url}: address {ip} is {why}; refused (add it to [fetch] allow to permit)")


class GuardedResolver(AbstractResolver):
    """Resolves through `inner` and keeps only the addresses the policy allows; refuses a host with none."""

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver) -> None:
        self._policy = policy
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        infos = await self._inner.resolve(host, port, family)
        if self._policy.host_allowed(host):
            return infos
        kept: list[ResolveResult] = []
        refused: list[str] = []
        for info in infos:
            ip = ipaddress.ip_address(info["host"])
            why = self._policy.refusal(ip)
            if why:
                refused.append(f"{ip} ({why})")
            else:
                kept.append(info)
        if not kept:
            raise BlockedAddress(
                f"{host} resolves to {', '.join(refused) or 'nothing'}; refused (add it to [fetch] allow to permit)"
            )
        return kept

    async def close(self) -> None:
        await self._inner.close()

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - forwards resolver extras
        return getattr(self._inner, name)


class GuardedConnector(aiohttp.TCPConnector):
    """The last decision point: every address the client is about to connect to — resolved from a name or
    written as a literal, which aiohttp never sends through the resolver — must pass the policy."""

    def __init__(self, *args: Any, policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._policy = policy

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Trace] | None = None
    ) -> list[ResolveResult]:
        infos = await super()._resolve_host(host, port, traces)
        if self._policy.host_allowed(host):
            return infos
        kept = [i for i in infos if self._policy.refusal(ipaddress.ip_address(i["host"])) is None]
        if not kept:
            why = ", ".join(
                f"{i['host']} ({self._policy.refusal(ipaddress.ip_address(i['host']))})" for i in infos
            )
            raise BlockedAddress(
                f"{host}: {why or 'no address'}; refused (add it to [fetch] allow to permit)"
            )
        return kept
