# Headless Chromium (Debian's chromium, chromium-driver and python3-selenium) as a WebRTC
# publisher and viewer: from a page of the server's origin it publishes its fake camera and
# microphone over WHIP in one video codec, then plays the stream back over WHEP and reads the
# receiver's statistics (frames decoded, size, codec, audio samples).
# Usage: browser_webrtc.py <origin> <whip url> <whep url> <codec> <seconds> <profile folder>
# Prints one JSON object with what the publisher and the viewer saw.
import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

origin, whip, whep, codec, seconds, profile = sys.argv[1:7]
seconds = float(seconds)
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
                 "--mute-audio", "--no-first-run", "--user-data-dir=" + profile]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_script_timeout(60)

publish = """
const [url, codec, done] = arguments;
(async () => {
  const media = await navigator.mediaDevices.getUserMedia(
    {video: {width: 640, height: 360, frameRate: 30}, audio: true});
  const pc = new RTCPeerConnection();
  const video = pc.addTransceiver(media.getVideoTracks()[0], {direction: "sendonly"});
  pc.addTransceiver(media.getAudioTracks()[0], {direction: "sendonly"});
  video.setCodecPreferences(RTCRtpSender.getCapabilities("video").codecs.filter(
    c => c.mimeType.toLowerCase() == "video/" + codec.toLowerCase()));
  await pc.setLocalDescription(await pc.createOffer());
  const reply = await fetch(url, {method: "POST", headers: {"Content-Type": "application/sdp"},
                                  body: pc.localDescription.sdp});
  const answer = await reply.text();
  window.publisher = {pc, location: reply.headers.get("Location")};
  if (reply.status == 201) await pc.setRemoteDescription({type: "answer", sdp: answer});
  done({status: reply.status, answer});
})().catch(e => done({error: String(e)}));
"""

view = """
const [url, done] = arguments;
(async () => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", {direction: "recvonly"});
  pc.addTransceiver("audio", {direction: "recvonly"});
  const element = document.createElement("video");
  element.muted = true;
  element.autoplay = true;
  document.body.appendChild(element);
  pc.ontrack = event => { element.srcObject = event.streams[0] || new MediaStream([event.track]); };
  await pc.setLocalDescription(await pc.createOffer());
  const reply = await fetch(url, {method: "POST", headers: {"Content-Type": "application/sdp"},
                                  body: pc.localDescription.sdp});
  const answer = await reply.text();
  window.viewer = {pc, element, location: reply.headers.get("Location")};
  if (reply.status == 201) await pc.setRemoteDescription({type: "answer", sdp: answer});
  done({status: reply.status, answer});
})().catch(e => done({error: String(e)}));
"""

stats = """
const [name, done] = arguments;
const peer = window[name];
if (!peer) { done({}); return; }
peer.pc.getStats().then(report => {
  const out = {connection: peer.pc.connectionState};
  const codecs = {};
  report.forEach(entry => { if (entry.type == "codec") codecs[entry.id] = entry.mimeType; });
  report.forEach(entry => {
    if (entry.type == "inbound-rtp" && entry.kind == "video") {
      Object.assign(out, {framesDecoded: entry.framesDecoded, keyFramesDecoded: entry.keyFramesDecoded,
        width: entry.frameWidth, height: entry.frameHeight, codec: codecs[entry.codecId],
        packetsLost: entry.packetsLost, nackCount: entry.nackCount});
    }
    if (entry.type == "inbound-rtp" && entry.kind == "audio") {
      Object.assign(out, {audioSamples: entry.totalSamplesReceived, audioCodec: codecs[entry.codecId]});
    }
    if (entry.type == "outbound-rtp" && entry.kind == "video") {
      Object.assign(out, {framesEncoded: entry.framesEncoded, codec: codecs[entry.codecId],
        width: entry.frameWidth, height: entry.frameHeight});
    }
  });
  if (peer.element) { out.currentTime = peer.element.currentTime; out.videoWidth = peer.element.videoWidth; }
  done(out);
}).catch(e => done({error: String(e)}));
"""

remove = """
const [base, name, done] = arguments;
const peer = window[name];
if (!peer || !peer.location) { done(0); return; }
fetch(new URL(peer.location, base), {method: "DELETE"}).then(r => done(r.status)).catch(() => done(-1));
"""

result = {}
try:
    driver.set_page_load_timeout(30)
    driver.get(origin)
    result["publish"] = driver.execute_async_script(publish, whip, codec)
    # The stream needs its first keyframe and a moment in the buffer before a viewer joins.
    time.sleep(4)
    result["view"] = driver.execute_async_script(view, whep)
    first = None
    deadline = time.time() + seconds
    while time.time() < deadline:
        now = driver.execute_async_script(stats, "viewer")
        if first is None and (now.get("framesDecoded") or 0) > 0:
            first = (time.time(), now["framesDecoded"])
        result["viewed"] = now
        time.sleep(0.5)
    if first is not None:
        span = time.time() - first[0]
        result["viewed"]["rate"] = (result["viewed"]["framesDecoded"] - first[1]) / span if span > 0 else 0
    result["published"] = driver.execute_async_script(stats, "publisher")
    result["deleteViewer"] = driver.execute_async_script(remove, origin, "viewer")
    result["deletePublisher"] = driver.execute_async_script(remove, origin, "publisher")
    for entry in driver.get_log("browser"):
        print("console:", entry.get("message", ""), file=sys.stderr)
finally:
    driver.quit()
print(json.dumps(result))
