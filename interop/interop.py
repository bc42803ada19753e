#!/usr/bin/env python3
"""Mixed-suite check: MistSwift and MistServer binaries in one suite, one role swapped at a time.

Usage: interop.py OURS_DIR THEIRS_DIR [mix ...]

Each mix is a temporary folder holding copies of one suite's binaries with one role's binaries
taken from the other suite. The controller in it is started with a fresh configuration (a
push:// stream "live", RTMP, HTTP and DTSC listeners), ffmpeg pushes a test source over RTMP,
and ffprobe must read video and audio back over HLS, HTTP-TS, FLV and MP4. A table says what
played.
"""
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROLES = {
    "controller": ["MistController"],
    "buffer": ["MistInBuffer"],
    "rtmp": ["MistOutRTMP"],
    "http": ["MistOutHTTP", "MistOutHLS", "MistOutHTTPTS", "MistOutFLV", "MistOutMP4"],
    "dtsc-in": ["MistInDTSC"],
    "dtsc-out": ["MistOutDTSC"],
    "file": ["MistInFLV"],
}
PLAYS = [
    ("HLS", "http://127.0.0.1:{http}/hls/live/index.m3u8"),
    ("TS", "http://127.0.0.1:{http}/live.ts"),
    ("FLV", "http://127.0.0.1:{http}/live.flv"),
    ("MP4", "http://127.0.0.1:{http}/live.mp4"),
    ("DTSC pull", "http://127.0.0.1:{http}/pull.ts"),
    ("FLV file", "http://127.0.0.1:{http}/vod.ts"),
]


COLUMNS = [name for name, _ in PLAYS] + ["clients", "USER_NEW", "STREAM_BUFFER"]


def binaries(folder):
    return sorted(n for n in os.listdir(folder) if n.startswith("Mist") and os.access(os.path.join(folder, n), os.X_OK)
                  and os.path.isfile(os.path.join(folder, n)) and "." not in n
                  and n not in ("MistBench", "MistManPage"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def place(source, folder):
    """Hard-links (or copies) a binary into the suite: a process resolves its own path to find its
    siblings, so a symlink would lead it back to its home folder."""
    target = os.path.join(folder, os.path.basename(source))
    if os.path.exists(target):
        os.unlink(target)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def build_suite(base, other, role, into):
    for name in binaries(base):
        place(os.path.join(base, name), into)
    for name in ROLES.get(role, []):
        source = os.path.join(other, name)
        if os.path.exists(source):
            place(source, into)


USER, PASSWORD = "test", "test"


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def api(port, body):
    """One API call, logging in with MistServer's challenge when asked."""
    def call(payload):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api", data=json.dumps(payload).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())
    answer = call(body)
    challenge = answer.get("authorize", {}).get("challenge")
    if answer.get("authorize", {}).get("status") == "CHALL" and challenge:
        body = dict(body, authorize={"username": USER, "password": md5(md5(PASSWORD) + challenge)})
        answer = call(body)
    return answer


def viewer_listed(port, stream):
    """Whether the controller's `clients` lists a viewer of `stream` (not a publisher)."""
    answer = api(port, {"clients": {"time": -1, "fields": ["stream", "protocol", "host"]}})
    clients = answer.get("clients", {})
    fields = clients.get("fields", [])
    if "stream" not in fields or "protocol" not in fields:
        return False
    s, p = fields.index("stream"), fields.index("protocol")
    return any(row[s] == stream and not str(row[p]).startswith(("INPUT", "OUTPUT")) for row in clients.get("data", []))


def wait_for(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except Exception:
            pass
        time.sleep(0.3)
    return False


def probe(url):
    try:
        out = subprocess.run(["ffprobe", "-v", "error", "-rw_timeout", "8000000", "-show_entries",
                              "stream=codec_type", "-of", "csv=p=0", url],
                             capture_output=True, text=True, timeout=15).stdout
    except subprocess.TimeoutExpired:
        return False
    kinds = set(out.split())
    return "video" in kinds and "audio" in kinds


def run_mix(label, base, other, role, keep):
    folder = tempfile.mkdtemp(prefix=f"interop-{label}-")
    build_suite(base, other, role, folder)
    ports = {"api": 4242, "rtmp": free_port(), "http": free_port(), "dtsc": free_port()}
    config = {
        "config": {"protocols": [
            {"connector": "RTMP", "port": ports["rtmp"]},
            {"connector": "HTTP", "port": ports["http"]},
            {"connector": "HLS"}, {"connector": "HTTPTS"}, {"connector": "FLV"}, {"connector": "MP4"},
            {"connector": "DTSC", "port": ports["dtsc"]},
        ], "triggers": {}},
        "streams": {
            "live": {"name": "live", "source": "push://"},
            "pull": {"name": "pull", "source": f"dtsc://127.0.0.1:{ports['dtsc']}/live"},
            "vod": {"name": "vod", "source": SAMPLE},
        },
        "account": {"test": {"password": "098f6bcd4621d373cade4e832627b4f6"}},
    }
    # Triggers configured in the controller, fired by whichever binaries take the roles.
    triggers = {}
    for name in ("USER_NEW", "STREAM_BUFFER"):
        script = os.path.join(folder, name + ".sh")
        with open(script, "w") as f:
            f.write(f"#!/bin/sh\n{{ cat; echo; }} >> {folder}/{name}.log\n")
        os.chmod(script, 0o755)
        triggers[name] = [{"handler": script, "sync": False, "streams": ["live"], "default": "true"}]
    config["config"]["triggers"] = triggers
    config_path = os.path.join(folder, "config.json")
    with open(config_path, "w") as f:
        json.dump(config, f)
    log = open(os.path.join(folder, "controller.log"), "w")
    controller = subprocess.Popen([os.path.join(folder, "MistController"), "-c", config_path, "-p", str(ports["api"])],
                                  cwd=folder, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
    results = {}
    push = None
    try:
        if not wait_for(lambda: socket.create_connection(("127.0.0.1", ports["rtmp"]), 1).close() is None, 20):
            return {name: False for name in COLUMNS}, folder
        wait_for(lambda: socket.create_connection(("127.0.0.1", ports["http"]), 1).close() is None, 20)
        push = subprocess.Popen(["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                                 "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                                 "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
                                 "-c:a", "aac", "-t", "60", "-f", "flv", f"rtmp://127.0.0.1:{ports['rtmp']}/live/live"],
                                stdout=subprocess.DEVNULL, stderr=open(os.path.join(folder, "ffmpeg.log"), "w"))
        time.sleep(6)
        for name, url in PLAYS:
            results[name] = probe(url.format(**ports))
        # A viewer playing now must be listed in the controller's clients.
        viewer = subprocess.Popen(["ffmpeg", "-v", "error", "-i", f"http://127.0.0.1:{ports['http']}/live.ts",
                                   "-t", "12", "-f", "null", "-"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        results["clients"] = wait_for(lambda: viewer_listed(ports["api"], "live"), 10)
        viewer.kill()
        if os.environ.get("INTEROP_PAUSE"):
            print(f"paused: {folder} {ports}", flush=True)
            time.sleep(float(os.environ["INTEROP_PAUSE"]))
        for name in ("USER_NEW", "STREAM_BUFFER"):
            log_path = os.path.join(folder, name + ".log")
            results[name] = os.path.exists(log_path) and open(log_path).read().startswith("live\n")
        return results, folder
    finally:
        if push:
            push.kill()
        os.killpg(controller.pid, signal.SIGTERM)
        try:
            controller.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(controller.pid, signal.SIGKILL)
        time.sleep(1)
        if not keep and all(results.values()) and results:
            shutil.rmtree(folder, ignore_errors=True)


SAMPLE = os.path.join(tempfile.gettempdir(), "interop-sample.flv")


def make_sample():
    if not os.path.exists(SAMPLE):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-c:v", "libx264",
                        "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-t", "20", SAMPLE], check=True)


def main():
    make_sample()
    ours, theirs = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3:]
    mixes = [("theirs", theirs, ours, None), ("ours", ours, theirs, None)]
    for role in ROLES:
        mixes.append((f"theirs+our-{role}", theirs, ours, role))
        mixes.append((f"ours+their-{role}", ours, theirs, role))
    if wanted:
        mixes = [m for m in mixes if m[0] in wanted]
    rows = []
    for label, base, other, role in mixes:
        results, folder = run_mix(label, base, other, role, keep=bool(wanted))
        rows.append((label, results, folder))
        marks = " ".join(f"{k}:{'ok' if v else 'FAIL'}" for k, v in results.items())
        print(f"{label:28} {marks}  ({folder})", flush=True)
    print()
    print("| suite | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "---|" * len(COLUMNS))
    for label, results, _ in rows:
        print(f"| {label} | " + " | ".join("ok" if results.get(n) else "**fail**" for n in COLUMNS) + " |")
    return 0 if all(all(r.values()) and r for _, r, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
