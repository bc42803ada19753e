import MistCore
import MistData

/// `make bench`: throughput of the data-plane formats, measured in a release build.
/// Figures are printed, not asserted: speed targets live here, not in unit tests.
/// `MistBench rtmp`, `MistBench http`, `MistBench statistics` or `MistBench process` runs only that one.

struct Measurement {
    let name: String
    let operations: Int
    let bytes: Int
    let seconds: Double

    func report() {
        let perSecond = Double(operations) / seconds
        var line = name.padding(to: 44)
        if perSecond >= 100_000 {
            line += format(perSecond / 1e6, digits: 2).leftPadding(to: 9) + " M ops/s"
        } else {
            line += format(seconds / Double(operations) * 1e3, digits: 3).leftPadding(to: 9) + " ms/op  "
        }
        if bytes > 0 {
            line += "  " + format(Double(bytes) / seconds / 1e6, digits: 0).leftPadding(to: 7) + " MB/s"
        }
        print(line)
    }
}

func format(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if digits == 0, text.hasSuffix(".0") { text.removeLast(2) }
    return text
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
    func leftPadding(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

/// Runs `body` (after one warm-up run) until at least half a second has passed and reports the
/// rate; `operations` and `bytes` are per run of `body`.
func measure(_ name: String, operations: Int, bytes: Int = 0, _ body: () throws -> Void) rethrows {
    try body()
    let clock = ContinuousClock()
    let start = clock.now
    var runs = 0
    var elapsed = Duration.zero
    while elapsed < .milliseconds(500) {
        try body()
        runs += 1
        elapsed = clock.now - start
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    Measurement(name: name, operations: operations * runs, bytes: bytes * runs, seconds: seconds).report()
}

@inline(never)
func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

/// The format and data-plane micro benchmarks.
func runMicroBenchmarks() throws {
    // A stream of 20,000 packets: 1 keyframe in 50, 4 kB of payload each.
    let payload = [UInt8](repeating: 0xAB, count: 4096)
    var stream: [UInt8] = []
    let packetCount = 20_000
    for index in 0..<packetCount {
        let packet = try payload.withUnsafeBytes {
            try DTSCFrameWriter.mediaPacket(
                trackID: UInt32(index % 2 + 1), time: UInt64(index * 20), offset: index % 3 == 0 ? 40 : 0,
                bytePosition: UInt64(index * 4200), keyframe: index % 50 == 0, data: $0)
        }
        stream.append(contentsOf: packet)
    }

    print("MistSwift benchmarks (release build)")
    try stream.withUnsafeBytes { buffer in
        try measure("DTSC: split + validate frames in place", operations: packetCount, bytes: buffer.count) {
            var frames = DTSCFrameIterator(buffer)
            var count = 0
            while let packet = try frames.next() { count += packet.frameLength }
            blackHole(count)
        }
        try measure("DTSC: time/track/keyframe/offset/data reads", operations: packetCount, bytes: buffer.count) {
            var frames = DTSCFrameIterator(buffer)
            var sum: UInt64 = 0
            while let packet = try frames.next() {
                sum &+= packet.time &+ UInt64(packet.trackID) &+ (packet.isKeyframe ? 1 : 0)
                sum &+= UInt64(bitPattern: packet.offset) &+ UInt64(packet.data?.count ?? 0)
            }
            blackHole(sum)
        }
    }

    try payload.withUnsafeBytes { data in
        try measure("DTSC: write DTP2 media packets", operations: packetCount, bytes: packetCount * 4096) {
            for index in 0..<packetCount {
                blackHole(
                    try DTSCFrameWriter.mediaPacket(
                        trackID: 1, time: UInt64(index), keyframe: index % 50 == 0, data: data))
            }
        }
    }

    // A configuration-sized JSON document: 500 streams with a few settings each.
    var config = JSONValue.emptyObject
    for index in 0..<500 {
        config["streams"]["stream\(index)"] = [
            "name": .string("stream\(index)"), "source": "push://", "DVR": 50000, "realtime": false,
            "processes": [["process": "AV", "codec": "opus", "bitrate": 128.5]],
        ]
    }
    let configText = Array(JSONWriter.compact(config).utf8)
    try measure("JSON: parse 500-stream configuration", operations: 1, bytes: configText.count) {
        blackHole(try JSONParser.parse(configText))
    }
    measure("JSON: print 500-stream configuration", operations: 1, bytes: configText.count) {
        blackHole(JSONWriter.compact(config))
    }
    let packed = try DTMIEncoder.encode(config)
    try measure("DTMI: encode 500-stream configuration", operations: 1, bytes: packed.count) {
        blackHole(try DTMIEncoder.encode(config))
    }
    try packed.withUnsafeBytes { buffer in
        try measure("DTMI: decode 500-stream configuration", operations: 1, bytes: buffer.count) {
            blackHole(try DTMIScan(buffer: buffer).decode())
        }
    }
}

MistProcess.raiseOpenFileLimit()
let only = CommandLine.arguments.dropFirst().first
if only == nil {
    try DataPlaneBench.run()
    try runMicroBenchmarks()
}
if only == nil || only == "rtmp" { try RTMPFanOutBench.run() }
if only == nil || only == "http" { try HTTPFanOutBench.run() }
if only == nil || only == "statistics" { try StatisticsBench.run() }
if only == nil || only == "process" { try ProcessBench.run() }
if only == nil || only == "webrtc" { try WebRTCBench.run() }
if only == nil || ["live", "latency", "fanout", "hls"].contains(only ?? "") {
    try LiveEdgeBench.run(only: only == "live" ? nil : only)
}
