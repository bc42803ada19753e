import Testing

@testable import MistOutput

/// What a player's `Range` header may say, and how positions are written back.
@Suite struct RTSPFilePlaybackTests {
    @Test func rangesAreReadOrRefusedWithoutTrapping() {
        #expect(RTSPFilePlayback.rangeStart("npt=12.5-") == 12.5)
        #expect(RTSPFilePlayback.rangeStart("clock=19961108T143720Z-;npt=3-8") == 3)
        for hostile in ["npt=now-", "npt=-5-", "npt=inf-", "npt=nan-", "npt=1e400-", "smpte=0:10:00-", "", "npt="] {
            #expect(RTSPFilePlayback.rangeStart(hostile) == nil, "\(hostile)")
        }
        #expect(RTSPFilePlayback.rangeStart(nil) == nil)
    }

    @Test func positionsAreWrittenAsNPT() {
        #expect(RTSPFilePlayback.npt(0) == "0.000")
        #expect(RTSPFilePlayback.npt(8.04) == "8.040")
        #expect(RTSPFilePlayback.npt(-3) == "0.000" && RTSPFilePlayback.npt(.infinity) == "0.000")
        #expect(RTSPFilePlayback.milliseconds(1e300) == 1_000_000_000_000_000)
    }
}
