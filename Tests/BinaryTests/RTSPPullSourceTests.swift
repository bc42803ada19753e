import MistInput
import Testing

@Suite struct RTSPPullSourceTests {
    @Test func sourcesAreReadWithTheirCredentials() throws {
        let camera = try #require(RTSPPullInput.Source("rtsp://admin:p%40ss:w@10.0.0.5:8554/stream1?x=1"))
        #expect(camera.host == "10.0.0.5" && camera.port == 8554)
        #expect(camera.user == "admin" && camera.password == "p@ss:w")
        #expect(camera.url == "rtsp://10.0.0.5:8554/stream1?x=1")
        let plain = try #require(RTSPPullInput.Source("rtsp://[::1]/live"))
        #expect(plain.host == "::1" && plain.port == 554 && plain.user.isEmpty && plain.url == "rtsp://[::1]/live")
        #expect(RTSPPullInput.Source("http://host/x") == nil)
        #expect(RTSPPullInput.Source("rtsp://host:0/x") == nil)
        #expect(RTSPPullInput.Source("rtsp://host:99999/x") == nil)
        #expect(RTSPPullInput.Source("rtsp:///x") == nil)
    }
}
