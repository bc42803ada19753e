import Foundation
import MistData
import Testing

/// MistInRTSP pulling real RTSP servers: our own RTSP output (a stream pushed over RTSP, pulled
/// as another stream), and GStreamer's RTSP server playing a camera that asks for Digest
/// authentication, stopped and started again (the pull calls again and the stream goes on).
@Suite(.serialized) struct RTSPPullEndToEndTests {
    /// A camera-like H.264 source on GStreamer's RTSP server at `rtsp://user:password@127.0.0.1:port/cam`;
    /// `udpOnly` makes it refuse interleaving (461) and adds µ-law audio, as cheap cameras have.
    static func camera(port: Int, user: String, password: String, log: URL, udpOnly: Bool = false) throws -> Process {
        let audio =
            udpOnly
            ? " audiotestsrc is-live=true wave=sine ! audio/x-raw,rate=8000,channels=1 ! mulawenc "
                + "! rtppcmupay name=pay1 pt=0" : ""
        let script = """
            import sys, gi
            gi.require_version("Gst", "1.0"); gi.require_version("GstRtsp", "1.0"); gi.require_version("GstRtspServer", "1.0")
            from gi.repository import Gst, GstRtsp, GstRtspServer, GLib
            Gst.init(None)
            server = GstRtspServer.RTSPServer()
            server.set_address("127.0.0.1")
            server.set_service(sys.argv[1])
            factory = GstRtspServer.RTSPMediaFactory()
            factory.set_launch("( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 "
                "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bframes=0 "
                "! rtph264pay name=pay0 pt=96 config-interval=1\(audio) )")
            factory.set_shared(True)
            if \(udpOnly ? "True" : "False"): factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP)
            permissions = GstRtspServer.RTSPPermissions()
            permissions.add_permission_for_role("camera", "media.factory.access", True)
            permissions.add_permission_for_role("camera", "media.factory.construct", True)
            factory.set_permissions(permissions)
            server.get_mount_points().add_factory("/cam", factory)
            auth = GstRtspServer.RTSPAuth()
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            token = GstRtspServer.RTSPToken()
            token.set_string("media.factory.role", "camera")
            auth.add_digest(sys.argv[2], sys.argv[3], token)
            server.set_auth(auth)
            server.attach(None)
            print("ready", flush=True)
            GLib.MainLoop().run()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, String(port), user, password]
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try? handle.close()
        return process
    }

    /// The newest media time of `stream`'s video track, from its `json_` page.
    static func newestMilliseconds(_ port: Int, _ stream: String) throws -> Int64 {
        let info = try HTTPTestClient(port: port).get("/json_\(stream).js").json()
        return (info["meta"]["tracks"].objectValue ?? JSONObject()).compactMap { $0.value["lastms"].intValue }.max()
            ?? 0
    }

    @Test(.enabled(if: MediaTools.available)) func pullsAStreamFromOurOwnRTSPOutput() throws {
        let rtspPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTSP", "port": \(rtspPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"},
                             "pulled": {"name": "pulled", "source": "rtsp://127.0.0.1:\(rtspPort)/live"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtspPort) && ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder
        let push = try RTSPEndToEndTests.push(
            "rtsp://127.0.0.1:\(rtspPort)/live", seconds: 40, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        let pulled = folder.appendingPathComponent("pulled.ts")
        SRTEndToEndTests.expectTestPattern(
            try SRTEndToEndTests.record(
                "http://127.0.0.1:\(httpPort)/pulled.ts", into: pulled, log: folder.appendingPathComponent("pulled.log")
            ),
            "pulled over RTSP")
        #expect(try MediaTools.decodeErrors(pulled.path, log: folder.appendingPathComponent("decode.log")).isEmpty)
        #expect(controller.log.contains("Pulling rtsp://127.0.0.1:\(rtspPort)/live: 2 tracks"))
    }

    @Test(.enabled(if: MediaTools.available)) func pullsADigestCameraAndCallsAgainAfterItRestarts() throws {
        let cameraPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {
                    "cam": {"name": "cam", "source": "rtsp://viewer:s3cret@127.0.0.1:\(cameraPort)/cam"},
                    "locked": {"name": "locked", "source": "rtsp://viewer:wrong@127.0.0.1:\(cameraPort)/cam",
                               "always_on": true}}}
                """)
        defer { controller.stop() }
        let folder = controller.folder
        var camera = try Self.camera(
            port: cameraPort, user: "viewer", password: "s3cret", log: folder.appendingPathComponent("camera.log"))
        defer { BoundedWait.stop(camera) }
        #expect(waitFor { ControllerHarness.portAccepts(cameraPort) && ControllerHarness.portAccepts(httpPort) })

        // The wrong password is refused by the camera, and the log says so.
        #expect(waitFor(seconds: 30) { controller.log.contains("DESCRIBE answered 401") })

        let first = try SRTEndToEndTests.record(
            "http://127.0.0.1:\(httpPort)/cam.ts", into: folder.appendingPathComponent("cam1.ts"),
            log: folder.appendingPathComponent("cam1.log"))
        #expect(first["video"]?.codec == "h264" && first["video"]?.width == 320 && first["video"]?.height == 240)
        #expect((first["video"]?.pts.count ?? 0) >= 75, "\(first["video"]?.pts.count ?? 0) frames in 4 s")

        // The camera goes away and comes back: the pull calls again, the stream's time goes on.
        let before = try Self.newestMilliseconds(httpPort, "cam")
        BoundedWait.stop(camera)
        usleep(3_000_000)
        camera = try Self.camera(
            port: cameraPort, user: "viewer", password: "s3cret", log: folder.appendingPathComponent("camera2.log"))
        #expect(
            waitFor(seconds: 30) {
                controller.log.components(separatedBy: "Pulling rtsp://127.0.0.1:\(cameraPort)/cam").count >= 3
            })
        let second = try SRTEndToEndTests.record(
            "http://127.0.0.1:\(httpPort)/cam.ts", into: folder.appendingPathComponent("cam2.ts"),
            log: folder.appendingPathComponent("cam2.log"))
        #expect((second["video"]?.pts.count ?? 0) >= 75, "\(second["video"]?.pts.count ?? 0) frames after the restart")
        let after = try Self.newestMilliseconds(httpPort, "cam")
        #expect(
            after > before + 3000, "the stream's time did not go on after the camera restarted: \(before) → \(after)")
    }

    /// A camera that will not interleave: SETUP over TCP gets 461, the pull sets up UDP ports of
    /// its own (bound to loopback, as the RTSP connection is) and plays video and µ-law audio.
    @Test(.enabled(if: MediaTools.available)) func fallsBackToUDPWhenTheCameraWillNotInterleave() throws {
        let cameraPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let rtspPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"},
                    {"connector": "RTSP", "port": \(rtspPort), "interface": "127.0.0.1"}]},
                 "streams": {"cam": {"name": "cam", "source": "rtsp://viewer:s3cret@127.0.0.1:\(cameraPort)/cam"}}}
                """)
        defer { controller.stop() }
        let folder = controller.folder
        let camera = try Self.camera(
            port: cameraPort, user: "viewer", password: "s3cret", log: folder.appendingPathComponent("camera.log"),
            udpOnly: true)
        defer { BoundedWait.stop(camera) }
        #expect(waitFor { ControllerHarness.portAccepts(cameraPort) && ControllerHarness.portAccepts(httpPort) })
        let recorded = try SRTEndToEndTests.record(
            "http://127.0.0.1:\(httpPort)/cam.ts", into: folder.appendingPathComponent("cam.ts"),
            log: folder.appendingPathComponent("cam.log"))
        #expect(recorded["video"]?.codec == "h264" && recorded["video"]?.width == 320)
        #expect((recorded["video"]?.pts.count ?? 0) >= 75, "\(recorded["video"]?.pts.count ?? 0) frames in 4 s")
        #expect(controller.log.contains("receiving over UDP"))
        let info = try HTTPTestClient(port: httpPort).get("/json_cam.js").json()
        let codecs = Set((info["meta"]["tracks"].objectValue ?? JSONObject()).map { $0.value["codec"].asString })
        #expect(codecs == ["H264", "ULAW"])
        // The µ-law track plays on over RTSP, at 8 kHz.
        let streams =
            try MediaTools.probe(
                "rtsp://127.0.0.1:\(rtspPort)/cam", arguments: ["-rtsp_transport", "tcp", "-show_streams"])["streams"]
            .arrayValue ?? []
        #expect(streams.contains { $0["codec_name"] == "pcm_mulaw" && $0["sample_rate"] == "8000" }, "\(streams)")
    }
}
