import MistStream
import Testing

@Suite struct PlaybackWindowTests {
    @Test func startStopAndDurationAsMistServerReadsThem() {
        #expect(PlaybackWindow(query: [:]) == PlaybackWindow())
        #expect(!PlaybackWindow(query: ["audio": "none"]).isLimited)
        #expect(PlaybackWindow(query: ["start": "2000", "stop": "5000"]) == PlaybackWindow(start: 2000, stop: 5000))
        // duration (seconds) overrides stop and counts from start.
        #expect(
            PlaybackWindow(query: ["start": "2000", "stop": "9000", "duration": "3"])
                == PlaybackWindow(start: 2000, stop: 5000))
        #expect(PlaybackWindow(query: ["duration": "4"]) == PlaybackWindow(start: nil, stop: 4000))
        #expect(PlaybackWindow(query: ["start": "-50"]) == PlaybackWindow(start: 0, stop: nil))
        #expect(PlaybackWindow(query: ["start": "soon"]) == PlaybackWindow())
        let window = PlaybackWindow(start: 1000, stop: 3000)
        #expect(window.isLimited && !window.isPast(3000) && window.isPast(3001))
    }
}
