"""Raw SIP over UDP, for requests no well-behaved phone would send: an attacker posing as
the carrier from another address, a From header with a display-name trick, a carrier
that answers a digest challenge (or gets it wrong).

One request, one final response: `request()` sends it from a chosen loopback address,
answers a 401 with credentials when given some, ACKs a final response to an INVITE, and
returns the final status code.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import socket
from dataclasses import dataclass, field

_CHALLENGE = re.compile(r'(\w+)="?([^",]*)"?')


@dataclass
class SipResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names, first value


def _parse(data: bytes) -> SipResponse | None:
    text = data.decode("utf-8", "replace")
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    parts = head[0].split(" ", 2)
    if len(parts) < 2 or parts[0] != "SIP/2.0" or not parts[1].isdigit():
        return None
    headers: dict[str, str] = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
    return SipResponse(int(parts[1]), headers)


def _digest(challenge: str, method: str, uri: str, username: str, password: str) -> str:
    fields = dict(_CHALLENGE.findall(challenge))
    realm, nonce = fields.get("realm", ""), fields.get("nonce", "")
    ha1 = hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    cnonce, nc = secrets.token_hex(8), "00000001"
    qop = "auth" if "auth" in fields.get("qop", "") else ""
    if qop:
        response = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}".encode()).hexdigest()
        extra = f', qop={qop}, nc={nc}, cnonce="{cnonce}"'
    else:
        response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
        extra = ""
    opaque = f', opaque="{fields["opaque"]}"' if "opaque" in fields else ""
    return (
        f'Digest username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}",'
        f' response="{response}", algorithm=MD5{extra}{opaque}'
    )


async def request(
    method: str,
    *,
    source: str,
    target: tuple[str, int],
    to_user: str,
    from_header: str,
    body: str = "",
    credentials: tuple[str, str] | None = None,
    call_id: str = "",
    timeout: float = 8.0,
) -> int:
    """Send one MESSAGE or INVITE from `source` (a loopback address) to `target`, with
    the From header given verbatim (tag added); the final status code. The same
    `call_id` (and CSeq 1) twice is the same request sent again."""
    return await asyncio.to_thread(
        _request,
        method,
        source,
        target,
        to_user,
        from_header,
        body,
        credentials,
        call_id,
        timeout,
    )


async def register(
    user: str,
    password: str,
    *,
    source: tuple[str, int],
    target: tuple[str, int],
    expires: int = 3600,
    timeout: float = 8.0,
) -> int:
    """Register `user` (with its digest password) at `target` with the contact
    sip:user@source -- what a softphone does at start-up; then a sipp phone bound to
    `source` takes the calls for it. The final status code (200: registered)."""
    return await asyncio.to_thread(_register, user, password, source, target, expires, timeout)


def _register(
    user: str,
    password: str,
    source: tuple[str, int],
    target: tuple[str, int],
    expires: int,
    timeout: float,
) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(source)
        sock.settimeout(timeout)
        uri = f"sip:{target[0]}:{target[1]}"
        call_id, tag = f"{secrets.token_hex(8)}@{source[0]}", secrets.token_hex(4)
        authorization = ""
        for cseq in (1, 2):
            lines = [
                f"REGISTER {uri} SIP/2.0",
                f"Via: SIP/2.0/UDP {source[0]}:{source[1]};branch=z9hG4bK{secrets.token_hex(8)}"
                ";rport",
                "Max-Forwards: 70",
                f"From: <sip:{user}@{target[0]}>;tag={tag}",
                f"To: <sip:{user}@{target[0]}>",
                f"Call-ID: {call_id}",
                f"CSeq: {cseq} REGISTER",
                f"Contact: <sip:{user}@{source[0]}:{source[1]}>",
                f"Expires: {expires}",
                "Content-Length: 0",
            ]
            if authorization:
                lines.insert(6, f"Authorization: {authorization}")
            sock.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), target)
            final = _final_response(sock)
            challenge = final.headers.get("www-authenticate", "")
            if final.status == 401 and challenge and not authorization:
                authorization = _digest(challenge, "REGISTER", uri, user, password)
                continue
            return final.status
        return final.status


def _request(
    method: str,
    source: str,
    target: tuple[str, int],
    to_user: str,
    from_header: str,
    body: str,
    credentials: tuple[str, str] | None,
    call_id: str,
    timeout: float,
) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.settimeout(timeout)
        port = sock.getsockname()[1]
        uri = f"sip:{to_user}@{target[0]}:{target[1]}"
        call_id = call_id or f"{secrets.token_hex(8)}@{source}"
        tag = secrets.token_hex(4)
        if method == "INVITE":
            content_type = "application/sdp"
            body = (
                f"v=0\r\no=- 1 1 IN IP4 {source}\r\ns=-\r\nc=IN IP4 {source}\r\nt=0 0\r\n"
                f"m=audio {port + 2} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            )
        else:
            content_type = "text/plain"
        authorization = ""
        for cseq in (1, 2):
            branch = f"z9hG4bK{secrets.token_hex(8)}"
            lines = [
                f"{method} {uri} SIP/2.0",
                f"Via: SIP/2.0/UDP {source}:{port};branch={branch};rport",
                "Max-Forwards: 70",
                f"From: {from_header};tag={tag}",
                f"To: <sip:{to_user}@{target[0]}>",
                f"Call-ID: {call_id}",
                f"CSeq: {cseq} {method}",
                f"Contact: <sip:attacker@{source}:{port}>",
                f"Content-Type: {content_type}",
                f"Content-Length: {len(body.encode())}",
            ]
            if authorization:
                lines.insert(6, f"Authorization: {authorization}")
            sock.sendto(("\r\n".join(lines) + "\r\n\r\n" + body).encode(), target)
            final = _final_response(sock)
            if method == "INVITE":
                via = (source, port, branch)
                _ack(sock, target, uri, via, from_header, tag, call_id, cseq, final)
            challenge = final.headers.get("www-authenticate", "")
            if final.status == 401 and credentials and challenge and not authorization:
                authorization = _digest(challenge, method, uri, *credentials)
                continue
            return final.status
        return final.status


def _final_response(sock: socket.socket) -> SipResponse:
    while True:
        data, _ = sock.recvfrom(65535)
        response = _parse(data)
        if response is not None and response.status >= 200:
            return response


def _ack(
    sock: socket.socket,
    target: tuple[str, int],
    uri: str,
    via: tuple[str, int, str],
    from_header: str,
    tag: str,
    call_id: str,
    cseq: int,
    final: SipResponse,
) -> None:
    """ACK a non-2xx final response to an INVITE, in its transaction (the INVITE's branch),
    so it is not retransmitted."""
    source, port, branch = via
    to = final.headers.get("to", f"<{uri}>")
    lines = [
        f"ACK {uri} SIP/2.0",
        f"Via: SIP/2.0/UDP {source}:{port};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: {from_header};tag={tag}",
        f"To: {to}",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} ACK",
        "Content-Length: 0",
    ]
    sock.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), target)
