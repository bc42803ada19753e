import Foundation

/// Runs MistOutHTTP's `/player.js` in Node.js with a minimal browser around it (a document, a
/// video element whose `canPlayType` answers as configured, and optionally Media Source
/// Extensions that record what they are fed), against the real server.
enum PlayerHarness {
    static var node: String? {
        ["/usr/bin/node", "/usr/bin/nodejs", "/usr/local/bin/node"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// What the browser can do: `hls` (native HLS), `mp4` (MP4 in the video element only),
    /// `mse` (Media Source Extensions, no native playback).
    static func run(base: String, stream: String, browser: String, seconds: Double, folder: URL) throws -> String {
        let script = folder.appendingPathComponent("player-harness.js")
        try harness.write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: node ?? "/usr/bin/node")
        process.arguments = [script.path, base, stream, browser, String(seconds)]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let data = try BoundedWait.run(process, seconds: seconds + 60, "the player harness")[0]
        return String(decoding: data, as: UTF8.self)
    }

    static let harness = #"""
        const [base, stream, browser, seconds] = process.argv.slice(2);
        const appended = [];
        let ended = false;
        function element(tag) {
          return {
            tagName: tag, children: [], attributes: {}, style: {}, buffered: { length: 0 }, currentTime: 0,
            setAttribute(k, v) { this.attributes[k] = v; }, removeAttribute(k) { delete this.attributes[k]; if (k === "src") { delete this.src; } },
            appendChild(c) { this.children.push(c); }, removeChild(c) { this.children = this.children.filter((x) => x !== c); },
            get firstChild() { return this.children[0] || null; },
            canPlayType(type) {
              if (browser === "hls") { return type.includes("mpegurl") ? "maybe" : ""; }
              if (browser === "mp4") { return type.startsWith("video/mp4") ? "probably" : ""; }
              return "";
            },
            load() {}
          };
        }
        globalThis.window = globalThis;
        globalThis.document = { createElement: element };
        if (browser === "mse") {
          class FakeBuffer {
            constructor() { this.updating = false; this.listeners = {}; }
            addEventListener(name, f) { this.listeners[name] = f; }
            appendBuffer(bytes) {
              appended.push(Buffer.from(bytes));
              this.updating = true;
              setTimeout(() => { this.updating = false; if (this.listeners.updateend) { this.listeners.updateend(); } }, 0);
            }
            remove() {}
          }
          globalThis.MediaSource = class {
            constructor() { this.readyState = "closed"; this.listeners = {}; }
            static isTypeSupported(type) { return /avc1\.[0-9a-f]{6}/i.test(type) && type.includes("mp4a.40.2"); }
            addEventListener(name, f) { this.listeners[name] = f; }
            addSourceBuffer(type) { this.type = type; return new FakeBuffer(); }
            endOfStream() { ended = true; }
          };
          globalThis.URL.createObjectURL = (source) => {
            setTimeout(() => { source.readyState = "open"; source.listeners.sourceopen(); }, 0);
            return "blob:harness";
          };
        }
        (async () => {
          const code = await (await fetch(base + "/player.js")).text();
          (0, eval)(code);
          if (typeof window.mistplayers !== "object" || typeof window.mistPlay !== "function") { throw new Error("no mistPlay"); }
          const target = element("div");
          const player = mistPlay(stream, { target: target, reloadDelay: 0 });
          setTimeout(() => {
            const bytes = appended.reduce((sum, b) => sum + b.length, 0);
            const first = appended.length ? appended[0].subarray(4, 8).toString("latin1") : "";
            console.log(JSON.stringify({ chosen: player.chosen, message: player.message, host: mistoptions.host,
              video: target.children.length && target.children[0].tagName === "video" ? target.children[0].src || null : null,
              appended: appended.length, bytes: bytes, first: first, ended: ended }));
            player.unload();
            process.exit(0);
          }, Number(seconds) * 1000);
        })().catch((error) => { console.log("harness failed: " + error); process.exit(1); });
        """#
}
