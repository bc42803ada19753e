import Foundation
import MistData

/// Headless Chromium driving the controller's management interface as a person would: it finds
/// fields by their visible labels and buttons by their text, and checks each effect through the
/// API (never through the page's own code). Each step prints one JSON line; screenshots go to
/// the output folder. `make deps` installs Chromium, its driver and Selenium.
enum WebInterfaceWalk {
    struct Step {
        var name: String
        var ok: Bool
        var detail: String
    }

    /// Runs `mode` (`walk` or `firstrun`) against the interface at `base`; `settings` is passed
    /// to the script as JSON.
    static func run(mode: String, settings: JSONValue, folder: URL, screenshots: URL, seconds: Double = 240) throws -> (
        steps: [Step], log: String
    ) {
        let script = folder.appendingPathComponent("web-interface-walk.py")
        try source.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            script.path, mode, JSONWriter.compact(settings), screenshots.path,
            folder.appendingPathComponent("chromium-\(mode)").path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let data = try BoundedWait.run(process, seconds: seconds, "headless Chromium")[0]
        let text = String(decoding: data, as: UTF8.self)
        let steps = text.split(separator: "\n").compactMap { line -> Step? in
            guard line.hasPrefix("{"), let json = try? JSONParser.parse(String(line)) else { return nil }
            return Step(name: json["step"].asString, ok: json["ok"].asBool, detail: json["detail"].asString)
        }
        return (steps, text)
    }

    static let source = #"""
        import hashlib, json, os, sys, threading, time, traceback, urllib.request
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        mode, settings, shots, profile = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
        base = settings["base"]
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--autoplay-policy=no-user-gesture-required", "--mute-audio", "--no-first-run",
                         "--window-size=1200,900", "--user-data-dir=" + profile]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.implicitly_wait(0)

        def report(step, ok, detail=""):
            print(json.dumps({"step": step, "ok": bool(ok), "detail": str(detail)[:600]}), flush=True)

        def md5(text):
            return hashlib.md5(text.encode()).hexdigest()

        def api(command, user=None, password=None):
            # The test's own view of the server: the JSON API, logged in by challenge when asked.
            def post(body):
                request = urllib.request.Request(base + "/api", data=json.dumps(body).encode(),
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=20) as answer:
                    return json.loads(answer.read())
            reply = post(command)
            if reply.get("authorize", {}).get("status") == "CHALL" and (user or settings.get("user")):
                body = dict(command)
                body["authorize"] = {"username": user or settings["user"],
                                     "password": md5(md5(password or settings["password"]) + reply["authorize"]["challenge"])}
                reply = post(body)
            return reply

        def wait(condition, seconds=10):
            deadline = time.time() + seconds
            while time.time() < deadline:
                try:
                    value = condition()
                    if value:
                        return value
                except Exception:
                    pass
                time.sleep(0.1)
            return None

        def control(label):
            # The control a visible label names, as a person finds a field.
            return wait(lambda: driver.find_element(By.ID, driver.find_element(
                By.XPATH, "//label[normalize-space()='%s']" % label).get_attribute("for")))

        def fill(label, value):
            element = control(label)
            element.clear()
            element.send_keys(value)

        def choose(label, text):
            Select(control(label)).select_by_visible_text(text)

        def press(text, within="//main"):
            element = wait(lambda: driver.find_element(By.XPATH, within + "//button[normalize-space()='%s']" % text))
            element.click()

        def row_button(cell, text):
            return wait(lambda: driver.find_element(
                By.XPATH, "//tr[td[normalize-space()='%s']]//button[normalize-space()='%s']" % (cell, text)))

        def go(link):
            wait(lambda: driver.find_element(By.XPATH, "//nav//a[normalize-space()='%s']" % link)).click()

        def page_text():
            return driver.find_element(By.TAG_NAME, "body").text

        def shot(name):
            driver.save_screenshot(os.path.join(shots, name + ".png"))

        def accept_confirm():
            alert = wait(lambda: driver.switch_to.alert, 5)
            alert.accept()

        def heading(text):
            return wait(lambda: driver.find_element(By.XPATH, "//h1[normalize-space()='%s']" % text))

        def log_in(password):
            fill("Username", settings["user"])
            fill("Password", password)
            wait(lambda: driver.find_element(By.XPATH, "//button[normalize-space()='Log in']")).click()

        def walk():
            driver.get(base + "/")
            report("login page", wait(lambda: driver.find_element(By.XPATH, "//h1[normalize-space()='Log in to MistSwift']")))
            log_in("not the password")
            error = wait(lambda: driver.find_element(By.ID, "loginerror").text, 15)
            report("wrong password shows an error", error == "Wrong username or password.", error)
            shot("login-error")
            log_in(settings["password"])
            report("log in", heading("Overview"), page_text()[:200])

            # The overview counts the viewer the test started.
            def viewers():
                cell = driver.find_element(By.XPATH, "//tr[td[1][normalize-space()='live']]/td[3]").text
                return cell if cell.isdigit() and int(cell) >= 1 else None
            count = wait(viewers, 30)
            report("overview shows the live push's viewers", count, page_text()[:400])
            shot("overview")

            # Streams -> New stream -> Name + Source -> Save.
            go("Streams")
            press("New stream")
            heading("New stream")
            fill("Name", "uitest")
            fill("Source", "push://")
            fill("Buffer time (ms)", "30000")
            # A stream process, from the form MistProcFFMPEG's capabilities describe.
            choose("Process type", "Encoder: FFMPEG")
            fill("resolution", "320x180")
            press("Add process")
            wait(lambda: driver.find_element(By.XPATH, "//fieldset//tr/td[normalize-space()='FFMPEG']"))
            shot("stream-new")
            press("Save")
            listed = wait(lambda: driver.find_element(By.XPATH, "//tr/td[normalize-space()='uitest']"))
            stored = api({"streams": True}).get("streams", {}).get("uitest", {})
            process = (stored.get("processes") or [{}])[0]
            report("new stream is listed and configured", listed and stored.get("source") == "push://" and stored.get("DVR") == 30000
                   and process.get("process") == "FFMPEG" and process.get("resolution") == "320x180"
                   and process.get("x-LSP-kind") == "video" and process.get("codec") == "H264", stored)
            shot("streams")

            # Edit it: another source.
            row_button("uitest", "Edit").click()
            heading("Edit stream uitest")
            fill("Source", "push://127.0.0.1")
            press("Save")
            wait(lambda: driver.find_element(By.XPATH, "//tr/td[normalize-space()='push://127.0.0.1']"))
            stored = api({"streams": True}).get("streams", {}).get("uitest", {})
            report("edited stream is stored", stored.get("source") == "push://127.0.0.1", stored)

            # Delete it.
            row_button("uitest", "Delete").click()
            accept_confirm()
            gone = wait(lambda: "uitest" not in api({"streams": True}).get("streams", {}))
            report("deleted stream is gone", gone and wait(lambda: "uitest" not in page_text()), page_text()[:300])

            # The preview of the live stream plays through /player.js.
            driver.get(base + "/#streams/preview/live")
            heading("Stream live")
            def position():
                return driver.execute_script("var v = document.querySelector('#preview video'); return v ? v.currentTime : -1;")
            first = wait(lambda: position() > 0 and position(), 30) or -1
            time.sleep(3)
            last = position()
            report("preview video plays", first > 0 and last > first + 1, "%s -> %s" % (first, last))
            embed = control("Embed code").get_attribute("value")
            report("embed code names the player", "/player.js" in embed and "mistPlay(\"live\"" in embed, embed[:200])
            urls = wait(lambda: driver.find_elements(By.XPATH, "//a[contains(@href, '/hls/live/index.m3u8')]"), 15)
            report("stream URLs are listed", urls, page_text()[-600:])
            shot("stream-preview")

            # Protocols: add one, then remove it.
            go("Protocols")
            press("Add protocol")
            choose("Protocol", "DTSC")
            fill("TCP port", str(settings["dtscPort"]))
            fill("Interface", "127.0.0.1")
            shot("protocol-new")
            press("Save")
            added = wait(lambda: [p for p in api({"config": True})["config"]["protocols"]
                                  if p.get("connector") == "DTSC" and p.get("port") == settings["dtscPort"]])
            report("protocol added", added, added)
            wait(lambda: driver.find_element(By.XPATH, "//tr/td[normalize-space()='DTSC']"))
            shot("protocols")
            row_button("DTSC", "Delete").click()
            accept_confirm()
            removed = wait(lambda: not [p for p in api({"config": True})["config"]["protocols"] if p.get("connector") == "DTSC"])
            report("protocol removed", removed)

            # Triggers: add one.
            go("Triggers")
            press("Add trigger")
            choose("Trigger", "STREAM_BUFFER")
            fill("Handler", "http://127.0.0.1:9/buffer-hook")
            fill("Streams", "live")
            shot("trigger-new")
            press("Save")
            triggers = wait(lambda: api({"config": True})["config"].get("triggers", {}).get("STREAM_BUFFER"))
            report("trigger added", triggers and triggers[0].get("handler") == "http://127.0.0.1:9/buffer-hook"
                   and triggers[0].get("streams") == ["live"], triggers)
            wait(lambda: driver.find_element(By.XPATH, "//tr/td[normalize-space()='STREAM_BUFFER']"))
            shot("triggers")

            # Pushes: start a recording to a file, then stop it.
            go("Pushes")
            fill("Stream", "live")
            fill("Target", settings["recording"])
            press("Start push")
            pushes = wait(lambda: [p for p in api({"push_list": True}).get("push_list", []) if p[2] == settings["recording"]], 15)
            report("push started", pushes, api({"push_list": True}))
            # The page follows the running pushes by itself.
            started = time.time()
            stop = wait(lambda: driver.find_element(
                By.XPATH, "//tr[td[normalize-space()='%s']]//button[normalize-space()='Stop']" % settings["recording"]), 20)
            found = time.time() - started
            shot("pushes")
            if stop:
                try:
                    stop.click()
                except Exception:
                    # The page was drawn again under the pointer: press the new button.
                    wait(lambda: driver.find_element(
                        By.XPATH, "//tr[td[normalize-space()='%s']]//button[normalize-space()='Stop']" % settings["recording"]), 5).click()
            stopped = wait(lambda: not api({"push_list": True}).get("push_list"), 20)
            size = os.path.getsize(settings["recording"]) if os.path.exists(settings["recording"]) else 0
            report("push stopped and recorded", stop and stopped and size > 10000,
                   "Stop %s after %.1f s, stopped %s, size %d" % ("found" if stop else "not found", found, bool(stopped), size))

            # Logs: a line logged now shows within a second, through /ws.
            go("Logs")
            wait(lambda: "Live: new lines appear" in page_text(), 10)
            probe = "probe%d" % int(time.time() * 1000 % 100000)
            # A failed login on a connection of its own logs a line at once (its answer is held
            # back, so it is sent aside). The page notes the moment the line is in its table.
            driver.execute_script("""
                var probe = arguments[0], main = document.querySelector("main");
                window.probeSeen = 0;
                var observer = new MutationObserver(function () {
                  if (main.textContent.indexOf(probe) >= 0) { observer.disconnect(); window.probeSeen = Date.now(); }
                });
                observer.observe(main, {childList: true, subtree: true, characterData: true});
            """, probe)
            sent = time.time() * 1000
            threading.Thread(target=lambda: api({"authorize": {"username": probe, "password": "wrong"}}), daemon=True).start()
            seen = wait(lambda: driver.execute_script("return window.probeSeen;"), 5) or 0
            delay = seen - sent if seen else -1
            report("new log line shows within a second", 0 <= delay <= 1000, "%.0f ms" % delay)
            shot("logs")

            # General settings: the server's name.
            go("General settings")
            fill("Human readable name", "UI test server")
            press("Save settings")
            named = wait(lambda: api({"config": True})["config"].get("serverid") == "UI test server")
            report("settings saved", named)
            shot("settings")

            for link, name in [("Variables", "variables"), ("External writers", "writers"), ("Statistics", "statistics"),
                               ("Sessions", "sessions"), ("Backup", "backup")]:
                go(link)
                heading(link)
                time.sleep(2.5 if name == "statistics" else 1)
                shot(name)
            go("Sessions")
            report("sessions page lists the viewer", wait(lambda: driver.find_element(
                By.XPATH, "//tr/td[normalize-space()='live']"), 10), page_text()[:400])

            # A phone's width: the menu folds behind a button.
            driver.set_window_size(390, 844)
            driver.get(base + "/#streams")
            heading("Streams")
            nav_hidden = not driver.find_element(By.ID, "nav").is_displayed()
            menu = driver.find_element(By.XPATH, "//header//button[normalize-space()='Menu']")
            menu.click()
            shown = wait(lambda: driver.find_element(By.ID, "nav").is_displayed(), 3)
            report("phone width folds the menu", nav_hidden and shown)
            shot("phone-streams")

        def first_run():
            driver.get(base + "/")
            report("first run offers an account", heading("Create the first account"))
            fill("Username", "owner")
            fill("Password", "first-secret")
            fill("Repeat password", "other")
            press("Create account", "//form")
            mismatch = wait(lambda: driver.find_element(By.ID, "loginerror").text)
            report("differing passwords are refused", mismatch == "The passwords differ.", mismatch)
            fill("Repeat password", "first-secret")
            press("Create account", "//form")
            report("account created and logged in", heading("Overview"))
            shot("first-run")
            stored = api({"config_backup": True}).get("config_backup", {}).get("account", {})
            report("account stored", stored.get("owner", {}).get("password") == md5("first-secret"), stored)

        try:
            walk() if mode == "walk" else first_run()
        except Exception:
            report("exception", False, traceback.format_exc())
        finally:
            try:
                for entry in driver.get_log("browser"):
                    print("console:", entry.get("message", ""))
            except Exception:
                pass
            driver.quit()
        """#
}
