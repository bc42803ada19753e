# A WHEP viewer on aiortc (Debian's python3-aiortc), the WebRTC stack the end-to-end tests play
# with. Usage: whep_client.py <whep url> <seconds> [--no-audio] [--drop <fraction>] [--clock]
# Prints one JSON object: the HTTP status and Location of the offer's answer, the answer, and
# what arrived per track kind (frames, their times, the video's size). With --drop, the media
# goes through a relay here that drops that fraction of the server's video RTP packets at random
# and counts those that arrive again (the server's answers to NACKs). With --clock, each video
# frame's wall-clock time drawn by clock_pattern.py is read back and compared with the time it was
# decoded here: the glass-to-glass latency, p50 and p99 after the first two seconds (which hold the
# backlog from the keyframe the viewer joined at).
import asyncio
import json
import random
import re
import sys
import time
import urllib.request

import aioice.ice

# aioice leaves loopback out of its host candidates; the tests stay on loopback.
aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=False: ["127.0.0.1"]

from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402


def normalise(answer):
    """aiortc 1.4 wants ICE credentials, a fingerprint and a setup role in every media section,
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


def post(url, body):
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/sdp"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers.get("Location"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, None, error.read().decode()


def delete(url):
    request = urllib.request.Request(url, method="DELETE")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


async def main():
    url, seconds = sys.argv[1], float(sys.argv[2])
    audio = "--no-audio" not in sys.argv
    drop = float(sys.argv[sys.argv.index("--drop") + 1]) if "--drop" in sys.argv else 0
    clock = "--clock" in sys.argv
    latencies = []
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    if audio:
        pc.addTransceiver("audio", direction="recvonly")
    arrived = {"video": [], "audio": []}
    size = {}

    @pc.on("track")
    def on_track(track):
        async def consume():
            while True:
                try:
                    frame = await track.recv()
                except Exception:
                    return
                arrived[track.kind].append(time.monotonic())
                if track.kind == "video":
                    size["width"], size["height"] = frame.width, frame.height
                    if clock:
                        latencies.append((time.monotonic(), time.time() * 1000 - drawn_time(frame)))

        asyncio.ensure_future(consume())

    await pc.setLocalDescription(await pc.createOffer())
    loop = asyncio.get_running_loop()
    status, location, answer = await loop.run_in_executor(None, post, url, pc.localDescription.sdp)
    result = {"status": status, "location": location, "answer": answer}
    relay = None
    if status == 201:
        answer = normalise(answer)
        if drop > 0:
            port = int(re.search(r"m=video (\d+)", answer).group(1))
            payload_type = int(re.search(r"m=video \d+ \S+ (\d+)", answer).group(1))
            _, relay = await loop.create_datagram_endpoint(
                lambda: LossyRelay(("127.0.0.1", port), payload_type, drop), local_addr=("127.0.0.1", 0))
            relayed = relay.transport.get_extra_info("sockname")[1]
            answer = answer.replace(" %d " % port, " %d " % relayed).replace(":%d " % port, ":%d " % relayed)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        start = time.monotonic()
        await asyncio.sleep(seconds)
        result["connection"] = pc.connectionState
        for kind, times in arrived.items():
            result[kind] = {"frames": len(times)}
            if times:
                result[kind]["first"] = times[0] - start
                result[kind]["span"] = times[-1] - times[0]
        result.update(size)
        if clock and latencies:
            settled = [latency for at, latency in latencies if at - latencies[0][0] >= 2]
            result["latency"] = {
                "p50": percentile(settled, 0.5), "p99": percentile(settled, 0.99),
                "max": max(settled) if settled else None, "count": len(settled),
                "first": latencies[0][1]}
        if relay:
            result["dropped"] = len(relay.dropped)
            result["recovered"] = len(relay.recovered)
            result["forwarded"] = relay.forwarded
        if location:
            base = url.split("/", 3)
            target = location if location.startswith("http") else base[0] + "//" + base[2] + location
            result["delete"] = await loop.run_in_executor(None, delete, target)
    await pc.close()
    print(json.dumps(result))


asyncio.run(main())
