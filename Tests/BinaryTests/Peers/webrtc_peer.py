# What the aiortc peers of the tests share: answers made acceptable to aiortc 1.4, the HTTP
# calls of WHEP and WHIP, a lossy relay, and aiortc kept on loopback.
import asyncio
import random
import urllib.request

import aioice.ice

# aioice leaves loopback out of its host candidates; the tests stay on loopback.
aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=False: ["127.0.0.1"]


def normalise(answer):
    """aiortc 1.4 wants ICE credentials, a fingerprint and a setup role in every media section,
    a=rtcp in its long form,
    rejected ones included, and rtcp-mux there too; the server writes them (as the RFCs ask) only where media flows."""
    lines = answer.strip().split("\r\n")
    shared = [line for line in lines if line.split(":", 1)[0] in
              ("a=ice-ufrag", "a=ice-pwd", "a=fingerprint", "a=setup", "a=rtcp-mux")]
    shared = list(dict.fromkeys(shared))
    out, section = [], []

    def finish():
        if section and not any(line.startswith("a=ice-ufrag") for line in section):
            section.extend(shared)
        out.extend(section)

    for line in lines:
        # aiortc 1.4 reads only the long form of a=rtcp (RFC 3605 allows the port alone).
        if line.startswith("a=rtcp:") and " " not in line:
            line += " IN IP4 0.0.0.0"
        if line.startswith("m="):
            finish()
            section = [line]
        elif section:
            section.append(line)
        else:
            out.append(line)
    finish()
    return "\r\n".join(out) + "\r\n"


class LossyRelay(asyncio.DatagramProtocol):
    """One socket between the viewer and the server: the server's video RTP is dropped at random."""

    def __init__(self, server, payload_type, fraction):
        self.server, self.payload_type, self.fraction = server, payload_type, fraction
        self.client = None
        self.dropped, self.recovered, self.forwarded = set(), set(), 0

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, address):
        if address != self.server:
            self.client = address
            self.transport.sendto(data, self.server)
            return
        if self.client is None:
            return
        if len(data) >= 12 and 128 <= data[0] < 192 and data[1] & 0x7F == self.payload_type:
            sequence = int.from_bytes(data[2:4], "big")
            if sequence in self.dropped:
                self.recovered.add(sequence)
            elif random.random() < self.fraction:
                self.dropped.add(sequence)
                return
        self.forwarded += 1
        self.transport.sendto(data, self.client)


def consume(track, on_frame):
    """Receives `track`'s frames until it ends, handing each to `on_frame(track, frame)`."""
    async def receive():
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            on_frame(track, frame)

    asyncio.ensure_future(receive())


def drawn_time(frame):
    """The milliseconds clock_pattern.py drew into a frame (the luma at each block's centre)."""
    plane = frame.planes[0]
    data, stride = bytes(plane), plane.line_size
    scale_x, scale_y = frame.width / 640, frame.height / 360
    value = 0
    for index in range(48):
        row, column = divmod(index, 8)
        x, y = int((column * 80 + 40) * scale_x), int((row * 60 + 30) * scale_y)
        value = value << 1 | (1 if data[y * stride + x] > 128 else 0)
    return value


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None


def post(url, body, headers=None):
    request = urllib.request.Request(
        url, data=body.encode(), headers=dict({"Content-Type": "application/sdp"}, **(headers or {})),
        method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers.get("Location"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, None, error.read().decode()


def delete(url, location):
    """DELETE of a session's Location (relative to the URL the offer went to)."""
    base = url.split("/", 3)
    target = location if location.startswith("http") else base[0] + "//" + base[2] + location
    request = urllib.request.Request(target, method="DELETE")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
