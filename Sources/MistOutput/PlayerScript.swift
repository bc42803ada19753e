import MistCore

/// `/player.js`: MistSwift's own embeddable player. It takes MistServer's documented embed
/// snippet (`mistPlay(stream, {target: element, ...})` once `window.mistplayers` exists), reads
/// the stream's `/json_<stream>.js`, and plays the best source the browser can: native HLS
/// (Safari, iOS, Android), progressive MP4 for files, or fragmented MP4 through Media Source
/// Extensions for live streams. An offline stream shows a message and is tried again.
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

          var order = ["html5", "mse"];

          function sortedSources(info) {
            var sources = (info.source || []).slice();
            sources.sort(function (a, b) { return (b.priority || 0) - (a.priority || 0); });
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
