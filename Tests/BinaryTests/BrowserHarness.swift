import Foundation
import MistData

/// Headless Chromium (Debian's `chromium` and `chromium-driver`, driven by `python3-selenium`)
/// opening a page that embeds the server's `/player.js`, as a viewer's browser would: it reports
/// which player and source the script chose, and whether the `<video>` advanced, and leaves a
/// screenshot. `make deps` installs all three; a machine without them fails the test.
enum BrowserHarness {
    struct Result {
        /// The player and source type `/player.js` chose.
        var player: String
        var type: String
        /// The video's playback position when first seen playing, and at the end.
        var firstTime: Double
        var lastTime: Double
        var message: String
        var log: String
    }

    /// Plays `stream` from `base` (`http://127.0.0.1:<port>`) with `forceType`, watching the
    /// video for `seconds`; the screenshot goes to `folder/<name>.png`.
    static func play(
        base: String, stream: String, forceType: String, seconds: Double, folder: URL, name: String
    ) throws -> Result {
        let page = folder.appendingPathComponent("\(name).html")
        try """
        <!doctype html><html><head><meta charset="utf-8"><title>\(name)</title></head>
        <body style="margin:0;background:#000"><div id="player" style="width:640px;height:360px"></div>
        <script src="\(base)/player.js"></script>
        <script>
        window.mistPlayer = mistPlay("\(stream)", {target: document.getElementById("player"), host: "\(base)",
          forceType: "\(forceType)", muted: true, autoplay: true, reloadDelay: 0});
        </script></body></html>
        """.write(to: page, atomically: true, encoding: .utf8)
        let script = folder.appendingPathComponent("browser-harness.py")
        try harness.write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            script.path, page.absoluteString, String(seconds), folder.appendingPathComponent("\(name).png").path,
            folder.appendingPathComponent("chromium-\(name)").path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let data = try BoundedWait.run(process, seconds: seconds + 90, "headless Chromium")[0]
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let json = try? JSONParser.parse(String(line))
        else {
            return Result(player: "", type: "", firstTime: -1, lastTime: -1, message: "", log: text)
        }
        return Result(
            player: json["player"].asString, type: json["type"].asString,
            firstTime: json["first"].doubleValue ?? -1, lastTime: json["last"].doubleValue ?? -1,
            message: json["message"].asString, log: text)
    }

    static let harness = #"""
        import json, sys, time
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        page, seconds, screenshot, profile = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--autoplay-policy=no-user-gesture-required", "--mute-audio", "--no-first-run",
                         "--allow-loopback-in-peer-connection",
                         "--allow-file-access-from-files", "--window-size=800,500", "--user-data-dir=" + profile]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        state = """
          var p = window.mistPlayer, v = document.querySelector("video");
          return {player: p && p.chosen ? p.chosen.player : "", type: p && p.chosen ? p.chosen.type : "",
                  message: p && p.message ? p.message : "", time: v ? v.currentTime : -1,
                  paused: v ? v.paused : true, error: v && v.error ? v.error.code : 0};
        """
        result = {"player": "", "type": "", "first": -1, "last": -1, "message": ""}
        try:
            driver.set_page_load_timeout(30)
            driver.get(page)
            deadline = time.time() + seconds
            while time.time() < deadline:
                now = driver.execute_script(state)
                result.update({"player": now["player"], "type": now["type"], "message": now["message"]})
                if now["time"] > 0 and result["first"] < 0:
                    result["first"] = now["time"]
                    deadline = min(deadline, time.time() + 4)
                result["last"] = now["time"]
                time.sleep(0.25)
            driver.save_screenshot(screenshot)
            for entry in driver.get_log("browser"):
                print("console:", entry.get("message", ""))
        finally:
            driver.quit()
        print(json.dumps(result))
        """#
}
