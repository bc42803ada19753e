import MistCore

/// `/player.js`: MistSwift's own embeddable player. It takes MistServer's documented embed
/// snippet (`mistPlay(stream, {target: element, ...})` once `window.mistplayers` exists), reads
/// the stream's `/json_<stream>.js`, and plays the best source the browser can: native HLS
/// (Safari, iOS, Android), progressive MP4 and WebM for files, fragmented MP4 through Media Source
/// Extensions for live streams, or DASH through Media Source Extensions. A live stream plays over
/// WebRTC (WHEP) first where the server offers it and the browser has `RTCPeerConnection`. An
/// offline stream shows a message and is tried again.
enum PlayerScript {
    /// The script, after the `mistoptions.host` preamble MistServer puts first.
    static func source(host: String) -> String {
        // The host comes from the request's Host header: a string literal, so it cannot leave it.
        "if (typeof mistoptions == 'undefined'){mistoptions ={};}\n"
            + "if (!('host' in mistoptions)){mistoptions.host = \(TextEscaping.javaScript(host));}\n" + body
    }

    /// `/embed_<stream>.js`: the player, then a container written where the script tag is and
    /// playback into it.
    static func embed(stream: String, host: String) -> String {
        let literal = TextEscaping.javaScript(stream)
        return source(host: host) + "var container = document.createElement(\"div\");\ncontainer.id = \(literal);\n"
            + "document.write(container.outerHTML);\n"
            + "mistPlay(\(literal),{target:document.getElementById(\(literal))});\n"
    }

    static let body = #"""
        (function () {
          "use strict";
          var root = typeof window !== "undefined" ? window : globalThis;
          if (!root.mistplayers) { root.mistplayers = {}; }
          var players = root.mistplayers;

          function log(message) {
            if (root.console) { root.console.log("[mistplayer] " + message); }
          }

          // The codec strings of the tracks a source will carry (meta.tracks of the stream info).
          function codecStrings(info) {
            var out = [];
            var tracks = (info.meta && info.meta.tracks) || {};
            for (var name in tracks) {
              var track = tracks[name];
              if ((track.type === "video" || track.type === "audio") && track.codecstring) {
                if (out.indexOf(track.codecstring) < 0) { out.push(track.codecstring); }
              }
            }
            return out;
          }

          function mp4Mime(info) {
            return 'video/mp4; codecs="' + codecStrings(info).join(",") + '"';
          }

          // Native playback through the video element: HLS where the browser has it, MP4 files.
          players.html5 = {
            name: "HTML5 video",
            supports: function (source, info, video) {
              if (source.type === "html5/application/vnd.apple.mpegurl") {
                return !!video.canPlayType("application/vnd.apple.mpegurl");
              }
              if (source.type === "html5/video/mp4") {
                return info.type !== "live" && !!video.canPlayType(mp4Mime(info));
              }
              if (source.type === "html5/video/webm") { return !!video.canPlayType("video/webm"); }
              return false;
            },
            play: function (source, info, video, player) {
              video.src = source.url;
              return { unload: function () { video.removeAttribute("src"); if (video.load) { video.load(); } } };
            }
          };

          // Live fragmented MP4 fed to Media Source Extensions as it arrives.
          players.mse = {
            name: "MSE fragmented MP4",
            supports: function (source, info) {
              var MediaSource = root.MediaSource;
              return source.type === "html5/video/mp4" && !!MediaSource && !!MediaSource.isTypeSupported
                && MediaSource.isTypeSupported(mp4Mime(info)) && typeof root.fetch === "function";
            },
            play: function (source, info, video, player) {
              var mediaSource = new root.MediaSource();
              var aborter = typeof root.AbortController === "function" ? new root.AbortController() : null;
              var queue = [];
              var buffer = null;
              var finished = false;
              var stopped = false;
              function pump() {
                if (!buffer || buffer.updating || stopped) { return; }
                if (queue.length) {
                  try { buffer.appendBuffer(queue.shift()); } catch (error) { player.fail("Appending failed: " + error); }
                } else if (finished && mediaSource.readyState === "open") {
                  mediaSource.endOfStream();
                }
              }
              function trim() {
                // Keep half a minute behind the playhead; jump to the live edge when far behind.
                var ranges = video.buffered;
                if (!ranges || !ranges.length) { return; }
                var start = ranges.start(0);
                var end = ranges.end(ranges.length - 1);
                if (video.currentTime < start || end - video.currentTime > 20) { video.currentTime = Math.max(start, end - 2); }
                if (video.currentTime - start > 30 && !buffer.updating) { buffer.remove(start, video.currentTime - 10); }
              }
              mediaSource.addEventListener("sourceopen", function () {
                try {
                  buffer = mediaSource.addSourceBuffer(mp4Mime(info));
                } catch (error) {
                  player.fail("This browser cannot play " + mp4Mime(info));
                  return;
                }
                buffer.addEventListener("updateend", function () { trim(); pump(); });
                root.fetch(source.url, aborter ? { signal: aborter.signal } : {}).then(function (response) {
                  if (!response.ok) { throw new Error("HTTP " + response.status); }
                  var reader = response.body.getReader();
                  function read() {
                    return reader.read().then(function (result) {
                      if (stopped) { return; }
                      if (result.done) { finished = true; pump(); return; }
                      queue.push(result.value);
                      pump();
                      return read();
                    });
                  }
                  return read();
                }).catch(function (error) { if (!stopped) { player.fail("Stream failed: " + error.message); } });
              });
              video.src = root.URL.createObjectURL(mediaSource);
              return {
                unload: function () {
                  stopped = true;
                  if (aborter) { aborter.abort(); }
                  video.removeAttribute("src");
                }
              };
            }
          };

          // ISO 8601 durations as the manifests write them ("PT2.000S", "PT1M5S"), in seconds.
          function seconds(text) {
            var match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(text || "");
            if (!match) { return 0; }
            return Number(match[1] || 0) * 3600 + Number(match[2] || 0) * 60 + Number(match[3] || 0);
          }

          // DASH with Media Source Extensions: each adaptation set's SegmentTemplate and
          // SegmentTimeline (as the CMAF output writes them) into a SourceBuffer of its own; a
          // live manifest is read again at its minimumUpdatePeriod and new segments follow.
          players.dash = {
            name: "MSE DASH",
            supports: function (source) {
              return source.type === "dash/video/mp4" && !!root.MediaSource && typeof root.fetch === "function"
                && typeof root.DOMParser === "function";
            },
            play: function (source, info, video, player) {
              var mediaSource = new root.MediaSource();
              var stopped = false;
              var timer = null;
              var live = false;
              var sets = [];
              var cut = source.url.indexOf("?");
              var query = cut >= 0 ? source.url.slice(cut) : "";
              var base = cut >= 0 ? source.url.slice(0, cut) : source.url;
              base = base.slice(0, base.lastIndexOf("/") + 1);
              function fail(text) { if (!stopped) { stopped = true; player.fail(text); } }
              function address(template, id, time) {
                return base + template.replace("$RepresentationID$", id).replace("$Time$", String(time)) + query;
              }
              function fetchBytes(url) {
                return root.fetch(url).then(function (response) {
                  if (!response.ok) { throw new Error("HTTP " + response.status + " for " + url); }
                  return response.arrayBuffer();
                });
              }
              function finishIfDone() {
                if (live || mediaSource.readyState !== "open") { return; }
                for (var i = 0; i < sets.length; i++) {
                  var set = sets[i];
                  if (!set.initialized || set.pending.length || set.busy || set.buffer.updating) { return; }
                }
                mediaSource.endOfStream();
              }
              function next(set) {
                if (stopped || set.busy || set.buffer.updating) { return; }
                var url = !set.initialized ? address(set.init, set.id, 0)
                  : set.pending.length ? address(set.media, set.id, set.pending[0]) : null;
                if (!url) { finishIfDone(); return; }
                set.busy = true;
                fetchBytes(url).then(function (data) {
                  set.busy = false;
                  if (stopped) { return; }
                  if (set.initialized) { set.pending.shift(); } else { set.initialized = true; }
                  set.buffer.appendBuffer(data);
                }).catch(function (error) { set.busy = false; fail("DASH failed: " + error.message); });
              }
              function trim(set) {
                var ranges = video.buffered;
                if (!ranges || !ranges.length) { return; }
                var start = ranges.start(0);
                var end = ranges.end(ranges.length - 1);
                // A live stream's times start where the stream did: jump there, and back to
                // the edge when far behind.
                if (video.currentTime < start || (live && end - video.currentTime > 20)) {
                  video.currentTime = live ? Math.max(start, end - 3) : start;
                }
                if (video.currentTime - start > 30 && !set.buffer.updating) { set.buffer.remove(start, video.currentTime - 10); }
              }
              function times(template) {
                var out = [];
                var time = 0;
                var entries = template.getElementsByTagName("S");
                for (var i = 0; i < entries.length; i++) {
                  var entry = entries[i];
                  if (entry.hasAttribute("t")) { time = Number(entry.getAttribute("t")); }
                  var duration = Number(entry.getAttribute("d"));
                  var repeat = Number(entry.getAttribute("r") || 0);
                  for (var k = 0; k <= repeat && duration > 0; k++) { out.push(time); time += duration; }
                }
                return out;
              }
              function update(text) {
                var manifest = new root.DOMParser().parseFromString(text, "application/xml");
                var mpd = manifest.documentElement;
                live = mpd.getAttribute("type") === "dynamic";
                var adaptations = manifest.getElementsByTagName("AdaptationSet");
                for (var i = 0; i < adaptations.length; i++) {
                  var adaptation = adaptations[i];
                  var representation = adaptation.getElementsByTagName("Representation")[0];
                  var template = adaptation.getElementsByTagName("SegmentTemplate")[0];
                  if (!representation || !template) { continue; }
                  var found = times(template);
                  var set = sets[i];
                  if (!set) {
                    var mime = (representation.getAttribute("mimeType") || adaptation.getAttribute("mimeType"))
                      + '; codecs="' + representation.getAttribute("codecs") + '"';
                    if (!root.MediaSource.isTypeSupported(mime)) { fail("This browser cannot play " + mime); return; }
                    set = { id: representation.getAttribute("id"), init: template.getAttribute("initialization"),
                      media: template.getAttribute("media"), buffer: mediaSource.addSourceBuffer(mime), pending: [],
                      last: -1, initialized: false, busy: false };
                    // Live players sit a few segments behind the newest.
                    if (live && found.length > 3) { set.last = found[found.length - 4]; }
                    set.buffer.addEventListener("updateend", (function (owner) {
                      return function () { trim(owner); next(owner); };
                    })(set));
                    sets[i] = set;
                  }
                  for (var j = 0; j < found.length; j++) {
                    if (found[j] > set.last) { set.pending.push(found[j]); set.last = found[j]; }
                  }
                }
                for (var n = 0; n < sets.length; n++) { if (sets[n]) { next(sets[n]); } }
                if (live && !stopped) {
                  timer = root.setTimeout(load, Math.max(500, seconds(mpd.getAttribute("minimumUpdatePeriod")) * 1000 || 2000));
                }
              }
              function load() {
                timer = null;
                root.fetch(source.url).then(function (response) {
                  if (!response.ok) { throw new Error("HTTP " + response.status); }
                  return response.text();
                }).then(function (text) { if (!stopped) { update(text); } }, function (error) {
                  fail("DASH manifest failed: " + error.message);
                });
              }
              mediaSource.addEventListener("sourceopen", load);
              video.src = root.URL.createObjectURL(mediaSource);
              return {
                unload: function () {
                  stopped = true;
                  if (timer !== null) { root.clearTimeout(timer); }
                  video.removeAttribute("src");
                }
              };
            }
          };

          // WebRTC with WHEP signalling: the offer goes to the source's URL, the answer comes back
          // with the session's URL in Location, which is deleted when playback ends.
          players.whep = {
            name: "WebRTC (WHEP)",
            supports: function (source) {
              return source.type === "whep" && typeof root.RTCPeerConnection === "function"
                && typeof root.fetch === "function" && typeof root.MediaStream === "function";
            },
            play: function (source, info, video, player) {
              var stopped = false, session = null;
              var connection = new root.RTCPeerConnection({
                iceServers: player.options.iceServers || source.RTCIceServers || []
              });
              var media = new root.MediaStream();
              connection.addTransceiver("video", { direction: "recvonly" });
              connection.addTransceiver("audio", { direction: "recvonly" });
              connection.ontrack = function (event) {
                media.addTrack(event.track);
                if (video.srcObject !== media) { video.srcObject = media; }
                if (player.options.autoplay) { video.play().catch(function () {}); }
              };
              function fail(text) { if (!stopped) { stopped = true; connection.close(); player.fail(text); } }
              connection.onconnectionstatechange = function () {
                if (connection.connectionState === "failed") { fail("WebRTC connection failed"); }
              };
              connection.createOffer().then(function (offer) {
                return connection.setLocalDescription(offer);
              }).then(function () {
                return root.fetch(source.url, { method: "POST", headers: { "Content-Type": "application/sdp" },
                  body: connection.localDescription.sdp });
              }).then(function (response) {
                if (response.status !== 201) { throw new Error("the server answered " + response.status); }
                var location = response.headers.get("Location");
                if (location) { session = new URL(location, source.url).toString(); }
                return response.text();
              }).then(function (answer) {
                if (!stopped) { return connection.setRemoteDescription({ type: "answer", sdp: answer }); }
              }).catch(function (error) { fail("WebRTC failed: " + error.message); });
              return {
                unload: function () {
                  stopped = true;
                  connection.close();
                  video.srcObject = null;
                  if (session) { root.fetch(session, { method: "DELETE" }).catch(function () {}); }
                }
              };
            }
          };

          var order = ["whep", "html5", "mse", "dash"];

          // Best first: by priority, except that a live stream tries WebRTC before the rest.
          function sortedSources(info) {
            var sources = (info.source || []).slice();
            sources.sort(function (a, b) { return (b.priority || 0) - (a.priority || 0); });
            if (info.type === "live") {
              sources.sort(function (a, b) { return (b.type === "whep" ? 1 : 0) - (a.type === "whep" ? 1 : 0); });
            }
            return sources;
          }

          // The first player and source that work here, honouring forcePlayer and forceType.
          function choose(info, options, video) {
            var sources = sortedSources(info);
            for (var s = 0; s < sources.length; s++) {
              var source = sources[s];
              if (options.forceType && source.type !== options.forceType) { continue; }
              for (var p = 0; p < order.length; p++) {
                var name = order[p];
                if (options.forcePlayer && name !== options.forcePlayer) { continue; }
                if (players[name].supports(source, info, video)) { return { player: name, source: source }; }
              }
            }
            return null;
          }

          root.mistPlay = function (stream, givenOptions) {
            var options = { host: "", autoplay: true, controls: true, loop: false, muted: false, poster: null,
              forceType: null, forcePlayer: null, urlappend: "", callback: null, reloadDelay: 5 };
            var defaults = root.mistoptions || {};
            var key;
            for (key in defaults) { options[key] = defaults[key]; }
            for (key in (givenOptions || {})) { options[key] = givenOptions[key]; }
            var target = options.target;
            if (!target) { throw new Error("mistPlay needs options.target, the element to play in"); }
            var host = String(options.host || "").replace(/\/+$/, "");
            var document = root.document;
            var player = { stream: stream, options: options, info: null, chosen: null, video: null, playing: null,
              message: null, timer: null };
            if (options.MistVideoObject) { options.MistVideoObject.reference = player; }

            function clear() {
              if (player.playing) { player.playing.unload(); player.playing = null; }
              while (target.firstChild) { target.removeChild(target.firstChild); }
            }
            function show(text) {
              clear();
              var box = document.createElement("div");
              box.className = "mistvideo-error";
              box.textContent = text;
              target.appendChild(box);
              player.message = text;
            }
            player.fail = function (text) {
              log(text);
              show(text);
              if (player.timer === null && options.reloadDelay) {
                player.timer = root.setTimeout(function () { player.timer = null; load(); }, options.reloadDelay * 1000);
              }
            };
            player.unload = function () {
              if (player.timer !== null) { root.clearTimeout(player.timer); player.timer = null; }
              clear();
            };

            function start(info) {
              player.info = info;
              if (info.error) { player.fail(info.error); return; }
              var video = document.createElement("video");
              video.setAttribute("playsinline", "");
              video.controls = !!options.controls;
              video.autoplay = !!options.autoplay;
              video.loop = !!options.loop;
              video.muted = !!options.muted;
              if (options.poster) { video.poster = options.poster; }
              var chosen = choose(info, options, video);
              if (!chosen) { player.fail("No way to play " + stream + " in this browser"); return; }
              clear();
              player.message = null;
              target.appendChild(video);
              player.video = video;
              player.chosen = { player: chosen.player, type: chosen.source.type, url: chosen.source.url };
              log("Playing " + stream + " with " + players[chosen.player].name + " from " + chosen.source.url);
              player.playing = players[chosen.player].play(chosen.source, info, video, player);
              if (typeof options.callback === "function") { options.callback(player); }
            }

            function load() {
              var url = host + "/json_" + encodeURIComponent(stream) + ".js" + (options.urlappend || "");
              root.fetch(url).then(function (response) { return response.json(); }).then(start, function (error) {
                player.fail("Could not load stream info: " + error.message);
              });
            }
            load();
            return player;
          };
        })();

        """#
}
