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
import re
import sys
import time

from webrtc_peer import LossyRelay, consume, delete, drawn_time, normalise, percentile, post

from aiortc import RTCPeerConnection, RTCSessionDescription


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

    def on_frame(track, frame):
        arrived[track.kind].append(time.monotonic())
        if track.kind == "video":
            size["width"], size["height"] = frame.width, frame.height
            if clock:
                latencies.append((time.monotonic(), time.time() * 1000 - drawn_time(frame)))

    pc.on("track", lambda track: consume(track, on_frame))

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
            result["delete"] = await loop.run_in_executor(None, delete, url, location)
    await pc.close()
    print(json.dumps(result))


asyncio.run(main())
