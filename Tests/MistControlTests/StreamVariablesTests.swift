import Glibc
import Testing

@testable import MistStream

@Suite struct StreamVariablesTests {
    @Test func builtInsAndCustomVariablesAreReplaced() {
        // 2026-11-25 14:05:09 local time.
        var parts = tm()
        parts.tm_year = 126
        parts.tm_mon = 10
        parts.tm_mday = 25
        parts.tm_hour = 14
        parts.tm_min = 5
        parts.tm_sec = 9
        parts.tm_isdst = -1
        let time = mktime(&parts)
        let text = "/rec/$basename/${wildcard}_$year-$month-$day.$hour$minute$second$pluswildcard-$greeting-$wday-$yday"
        let result = StreamVariables.substitute(
            text, stream: "cam+front", custom: ["greeting": "hi $stream"], time: time)
        #expect(result == "/rec/cam/front_2026-11-25.140509+front-hi cam+front-3-329")
        #expect(StreamVariables.substitute("$datetime", stream: "x", custom: [:], time: time) == "2026.11.25.14.05.09")
        #expect(StreamVariables.substitute("$source!", source: "/media/a.mp4", custom: [:]) == "/media/a.mp4!")
        #expect(StreamVariables.substitute("plain text", custom: [:]) == "plain text")
        #expect(StreamVariables.substitute("$pluswildcard|$wildcard", stream: "solo", custom: [:]) == "|")
        // A variable that names itself stops after ten passes.
        #expect(StreamVariables.substitute("$loop", custom: ["loop": "$loop"]) == "$loop")
    }
}
