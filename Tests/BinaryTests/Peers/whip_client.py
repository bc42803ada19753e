# A WHIP publisher on aiortc (Debian's python3-aiortc): 640x360 video at 30 fps whose frames show
# the wall clock (clock_pattern.py's blocks, so a viewer can measure glass to glass), encoded as
# the server's answer asks (H.264), and a 1 kHz tone as Opus.
# Usage: whip_client.py <whip url> <seconds> [--bearer <token>]
# Prints one JSON object: the HTTP status and Location of the answer, the answer, the connection
# state at the end, and the status of the DELETE that ends the session.
import asyncio
import fractions
import json
import math
import sys

from clock_pattern import frame as clock_frame
from webrtc_peer import delete, normalise, post

import time

import av
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack


class ClockTrack(VideoStreamTrack):
    async def recv(self):
        pts, time_base = await self.next_timestamp()
        picture = av.VideoFrame(width=640, height=360, format="yuv420p")
        data = clock_frame(int(time.time() * 1000))
        luma, chroma = 640 * 360, 320 * 180
        picture.planes[0].update(data[:luma])
        picture.planes[1].update(data[luma:luma + chroma])
        picture.planes[2].update(data[luma + chroma:])
        picture.pts, picture.time_base = pts, time_base
        return picture


class ToneTrack(AudioStreamTrack):
    samples = 960

    def __init__(self):
        super().__init__()
        self.count = 0

    async def recv(self):
        # AudioStreamTrack's own pacing (20 ms, of 8 kHz silence), then 20 ms of a 48 kHz tone.
        await super().recv()
        out = av.AudioFrame(format="s16", layout="mono", samples=self.samples)
        values = bytearray()
        for index in range(self.samples):
            sample = int(8000 * math.sin(2 * math.pi * 1000 * (self.count + index) / 48000))
            values += sample.to_bytes(2, "little", signed=True)
        out.planes[0].update(bytes(values))
        out.sample_rate = 48000
        out.pts, out.time_base = self.count, fractions.Fraction(1, 48000)
        self.count += self.samples
        return out


async def main():
    url, seconds = sys.argv[1], float(sys.argv[2])
    headers = {}
    if "--bearer" in sys.argv:
        headers["Authorization"] = "Bearer " + sys.argv[sys.argv.index("--bearer") + 1]
    pc = RTCPeerConnection()
    pc.addTrack(ClockTrack())
    pc.addTrack(ToneTrack())
    await pc.setLocalDescription(await pc.createOffer())
    loop = asyncio.get_running_loop()
    status, location, answer = await loop.run_in_executor(None, post, url, pc.localDescription.sdp, headers)
    result = {"status": status, "location": location, "answer": answer}
    if status == 201:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=normalise(answer), type="answer"))
        await asyncio.sleep(seconds)
        result["connection"] = pc.connectionState
        if location:
            result["delete"] = await loop.run_in_executor(None, delete, url, location)
    await pc.close()
    print(json.dumps(result))


asyncio.run(main())
