# A WHIP server on aiortc (Debian's python3-aiortc): it takes one publisher's offer on
# POST <any path> (the Bearer token it is given must match), answers 201 with aiortc's answer and
# a Location, counts the video frames it decodes and the audio frames it gets, and notes the
# DELETE that ends the session.
# Usage: whip_server.py <port> <seconds> <token>
# Prints one JSON object when <seconds> have passed after the first frame, or after a DELETE.
import asyncio
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from webrtc_peer import consume  # (also keeps aiortc on loopback)

from aiortc import RTCPeerConnection, RTCSessionDescription

port, seconds, token = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
loop = asyncio.new_event_loop()
result = {"offers": 0, "authorized": None, "video": 0, "audio": 0, "deleted": False, "codecs": []}
done = threading.Event()
first = {}


async def answer(offer):
    pc = RTCPeerConnection()
    result["pc"] = pc

    def on_frame(track, frame):
        result[track.kind] += 1
        first.setdefault("at", time.monotonic())
        if track.kind == "video":
            result["width"], result["height"] = frame.width, frame.height

    pc.on("track", lambda track: consume(track, on_frame))

    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    return pc.localDescription.sdp


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        result["offers"] += 1
        result["authorized"] = self.headers.get("Authorization") == "Bearer " + token
        result["contentType"] = self.headers.get("Content-Type")
        result["offer"] = body
        if not result["authorized"]:
            self.send_response(401)
            self.end_headers()
            return
        sdp = asyncio.run_coroutine_threadsafe(answer(body), loop).result(20)
        result["codecs"] = [line.split(" ", 1)[1] for line in sdp.split("\r\n") if line.startswith("a=rtpmap:")]
        data = sdp.encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/sdp")
        self.send_header("Location", "/whip/session/1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_DELETE(self):
        result["deleted"] = self.path == "/whip/session/1"
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        done.set()


threading.Thread(target=loop.run_forever, daemon=True).start()
server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
deadline = time.monotonic() + 120
while time.monotonic() < deadline and not done.is_set():
    if "at" in first and time.monotonic() - first["at"] >= seconds:
        result["span"] = time.monotonic() - first["at"]
        first["reported"] = True
        break
    time.sleep(0.1)
counted = {key: result[key] for key in ("video", "audio", "width", "height", "span") if key in result}
# Keep serving until the DELETE (or a while), so the push ends cleanly.
done.wait(30)
pc = result.pop("pc", None)
if pc is not None:
    asyncio.run_coroutine_threadsafe(pc.close(), loop).result(10)
result.update({"counted": counted})
result.pop("offer", None)
print(json.dumps(result))
