import Logging
import Testing

@testable import MistCore

@Suite struct LoggingTests {
    @Test func machineLineHasMistServerFields() {
        let line = MistLogLine(
            kind: "WARN", program: "MistOutRTMP", pid: 42, location: "RTMP.swift:10", stream: "live",
            message: "two\nlines | with a bar")
        #expect(line.machineLine == "WARN|MistOutRTMP|42|RTMP.swift:10|live|two lines | with a bar")
        let parsed = MistLogLine(machineLine: line.machineLine[...])
        #expect(parsed?.kind == "WARN" && parsed?.pid == 42 && parsed?.stream == "live")
        #expect(parsed?.message == "two lines | with a bar")
        #expect(parsed?.level == .warn)
    }

    @Test func parsesMistServerChildLines() {
        let line = MistLogLine(
            machineLine: "INFO|MistOutHTTP|20277|lib/socket.cpp:2005||Socket bound to: 127.0.0.1:18080\n")
        #expect(line?.program == "MistOutHTTP")
        #expect(line?.location == "lib/socket.cpp:2005")
        #expect(line?.message == "Socket bound to: 127.0.0.1:18080")
        #expect(MistLogLine(machineLine: "plain output from a child") == nil)
        #expect(MistLogLine(machineLine: "INFO|x|notapid|f:1||m") == nil)
    }

    /// The controller's format, as in `../shared/fixtures/mistserver/controller-log-sample.txt`.
    @Test func humanLineMatchesControllerLog() {
        let line = MistLogLine(
            kind: "INFO", program: "MistOutRTMP", pid: 20278, location: "lib/socket.cpp:2005", stream: "",
            message: "Socket bound to: 127.0.0.1:11935")
        #expect(
            line.humanLine(timestamp: "2026-11-24 20:48:40")
                == "[2026-11-24 20:48:40] MistOutRTMP (20278) INFO: Socket bound to: 127.0.0.1:11935 (lib/socket.cpp:2005) "
        )
        var streamLine = line
        streamLine.stream = "live"
        #expect(streamLine.humanLine(timestamp: "t").hasPrefix("[t] MistOutRTMP:live (20278) INFO: "))
    }

    @Test func handlerFiltersByMistLevelAndWritesMachineLines() {
        let sink = MistLogSink.capturing()
        let logger = Logger(label: "test") { label in
            MistLogHandler(label: label, maximumLevel: .medium, machineFormat: true, program: "MistTest", sink: sink)
        }
        logger.mist(.fail, "failed")
        logger.mist(.medium, "medium")
        logger.mist(.high, "too detailed")
        logger.warning("plain warning")
        logger.trace("plain trace")
        logger.mist(kind: "CONF", "configured")
        let lines = sink.captured
        #expect(lines.count == 4)
        #expect(lines.map { $0.split(separator: "|").first.map(String.init) } == ["FAIL", "MEDIUM", "WARN", "CONF"])
        #expect(lines.allSatisfy { $0.hasSuffix("\n") && $0.contains("|MistTest|") })
        #expect(lines[0].contains("LoggingTests.swift:"))
    }

    @Test func levelsMapBothWays() {
        for level in MistLogLevel.allCases where level != .none {
            #expect(MistLogLevel(label: level.label[...]) == level)
        }
        #expect(MistLogLevel(label: "STRM") == .info)
        #expect(MistLogLevel(label: "BOGUS") == nil)
    }
}
