import Testing

@testable import MistMedia

@Suite struct SubtitleCueTests {
    @Test func subRipAndWebVTTByteForByte() {
        let cue = SubtitleCue(number: 3, start: 3_723_004, end: 3_725_500, text: "Two\nlines\n\n")
        #expect(cue.subRip == "3\n01:02:03,004 --> 01:02:05,500\nTwo\nlines\n\n")
        #expect(cue.webVTT == "01:02:03.004 --> 01:02:05.500\nTwo\nlines\n\n")
        #expect(
            SubtitleCue(number: 1, start: 0, end: 999, text: "x").subRip == "1\n00:00:00,000 --> 00:00:00,999\nx\n\n")
        #expect(SubtitleCue.estimatedEnd(start: 1000, textBytes: 4) == 2100)
    }
}
