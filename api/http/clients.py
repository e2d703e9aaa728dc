"""Who a client is: its address as the trusted proxies report it, and the key it is known by.

The key is what the save rate limit counts and what a log line names: a hash of the
canonical address (IPv6 grouped by /64), never the address. However a proxy spells an
address (`198.51.100.9:4711`, `[2001:db8::1]:443`, `3325256713`, `0xc6.0x33.0x64.0x9`),
it is one client; whatever is not an address at all shares one key, so no spelling buys
a client a second allowance.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re

import falcon

NOT_AN_ADDRESS = "not-an-address"  # the one key of everything that parses to no address
_PORT = re.compile(r"(?P<host>[^:\[\]]+):(?P<port>\d{1,5})")
_BRACKETED = re.compile(r"\[(?P<host>[^\[\]]+)\](?::(?P<port>\d{1,5}))?")
_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]*|\d+")


def client_address(req: falcon.Request, trusted_proxies: int) -> str:
    """Return the client's address as given, believing X-Forwarded-For only as far as trusted.

    Each trusted proxy appends the address it saw, so with N trusted proxies the
    client is the N-th entry from the right; anything further left is the
    client's own claim and is ignored.
    """
    if trusted_proxies > 0:
        hops = [h.strip() for h in (req.get_header("X-Forwarded-For") or "").split(",")]
        hops = [h for h in hops if h]
        if hops:
            return hops[-min(trusted_proxies, len(hops))]
    return req.remote_addr or "unknown"


def canonical_address(spelled: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Return the address a proxy's entry names, or None when it names none.

    Takes `ip`, `ip:port`, `[v6]` and `[v6]:port`, IPv6 with a zone (`fe80::1%eth0`), and
    IPv4 in the numeric spellings of inet_aton: one to four parts, each decimal or 0x hex,
    the last filling the remaining bytes (`3325256713`, `198.51.25609`). A part with
    leading zeros is read as decimal (`198.051.100.009` is 198.51.100.9), as most
    proxies and Python before 3.9.5 did, never as octal.
    """
    text = spelled.strip()
    parsed = _BRACKETED.fullmatch(text) or _PORT.fullmatch(text)
    if parsed:
        if int(parsed["port"] or 0) > 65535:
            return None
        text = parsed["host"]
    if ":" in text:
        try:
            ip = ipaddress.IPv6Address(text.split("%", 1)[0])  # the zone names no host
        except ValueError:
            return None
        return ip.ipv4_mapped or ip
    return _ipv4(text)


def _ipv4(text: str) -> ipaddress.IPv4Address | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.fullmatch(p) for p in parts):
        return None
    if any(len(p) > 12 for p in parts):  # no number of ours is longer; no bignum work
        return None
    numbers = [int(p[2:] or "0", 16) if p[:2].lower() == "0x" else int(p) for p in parts]
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for i, n in enumerate(leading):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


@functools.lru_cache(maxsize=4096)  # busy clients repeat; parsing and hashing each time costs
def client_key(address: str) -> str:
    """Return the key of an address as spelled: a hash of its canonical form."""
    ip = canonical_address(address)
    if ip is None:
        name = NOT_AN_ADDRESS
    elif ip.version == 6:
        name = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    else:
        name = str(ip)
    # Only a hash is stored or logged: neither the database nor a log holds an address.
    return hashlib.sha256(name.encode()).hexdigest()[:32]
