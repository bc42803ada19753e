import Foundation
import Logging
import MistMedia
import MistOutput
import MistRTMP
import MistTLS
import NIOCore
import NIOPosix
import Synchronization

/// Viewers for the live-edge benchmark on one event loop: HTTP/1.0 requests for `/bench.<format>`
/// (so bodies come unchunked) or RTMP players; each counts its bytes, the gaps between its
/// reads and, for FLV, when each video tag arrived against when its frame was published.
final class BenchClient: @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    let published: PublishTimes

    init(group: MultiThreadedEventLoopGroup, published: PublishTimes) {
        self.group = group
        self.published = published
    }

    enum Phase {
        case started
        case ended(seconds: Double)
    }

    struct Result {
        var connected = 0
        var gaps = Percentiles([])
        var latency: Percentiles?
        var megabits = 0.0
    }

    /// Viewers read on their own threads: after 4 s to settle, `seconds` of what `bytes` counts,
    /// measured between the two phases.
    static func sample(seconds: Double, bytes: () -> Int, phase: (Phase) -> Void) -> Result {
        usleep(4_000_000)
        let before = bytes()
        phase(.started)
        let started = benchNow()
        usleep(UInt32(seconds * 1_000_000))
        let elapsed = benchNow() - started
        phase(.ended(seconds: elapsed))
        var result = Result()
        result.megabits = Double(bytes() - before) * 8 / elapsed / 1e6
        return result
    }

    /// Shared by a run's viewers (all on one loop).
    final class Tally: @unchecked Sendable {
        var recording = false
        var bytes = 0
        var gaps: [Double] = []
        var latencies: [Double] = []
        var connected = 0
    }

    /// `count` viewers of `/bench.<format>` (or RTMP players); over TLS when `tls` is given.
    func watch(
        format: String, count: Int, port: Int, seconds: Double, tls: TLSContext? = nil,
        phase: (Phase) -> Void = { _ in }
    ) throws -> Result {
        let tally = Tally()
        let loop = group.next()
        var channels: [any Channel] = []
        for _ in 0..<count {
            let published = self.published
            let future = ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(
                                TLSHandler(engine: TLSEngine(context: tls), logger: Logger(label: "bench")))
                        }
                        try channel.pipeline.syncOperations.addHandler(
                            BenchViewer(format: format, tally: tally, published: published))
                    }
                }
                .connect(host: "127.0.0.1", port: port)
            if let channel = try? future.wait() { channels.append(channel) }
        }
        usleep(4_000_000)
        try loop.submit {
            tally.recording = true; tally.bytes = 0
        }.wait()
        phase(.started)
        let started = benchNow()
        usleep(UInt32(seconds * 1_000_000))
        let elapsed = benchNow() - started
        phase(.ended(seconds: elapsed))
        var result = try loop.submit { () -> Result in
            tally.recording = false
            var result = Result()
            result.connected = tally.connected
            result.gaps = Percentiles(tally.gaps)
            result.latency = tally.latencies.isEmpty ? nil : Percentiles(tally.latencies)
            result.megabits = Double(tally.bytes) * 8 / elapsed / 1e6
            return result
        }.wait()
        for channel in channels { channel.close(promise: nil) }
        result.connected = max(result.connected, 0)
        return result
    }

    struct HLSResult {
        var requests = 0
        var failed = 0
        var bytes = 0
        var times = Percentiles([])
    }

    /// `count` players under `prefix` that fetch their media playlists each second and every
    /// segment new to them.
    func hls(count: Int, port: Int, prefix: String, seconds: Double, phase: (Phase) -> Void) throws -> HLSResult {
        let loop = group.next()
        let state = HLSPlayers(loop: loop, port: port, prefix: prefix)
        try loop.submit { state.start(count) }.wait()
        usleep(6_000_000)
        try loop.submit { state.recording = true }.wait()
        phase(.started)
        let started = benchNow()
        usleep(UInt32(seconds * 1_000_000))
        phase(.ended(seconds: benchNow() - started))
        return try loop.submit { () -> HLSResult in
            state.stop()
            return HLSResult(
                requests: state.requests, failed: state.failed, bytes: state.bytes, times: Percentiles(state.times))
        }.wait()
    }
}

/// One viewer connection of the benchmark.
final class BenchViewer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let format: String
    let tally: BenchClient.Tally
    let published: PublishTimes
    private var lastRead: Double?
    private var head = true
    private var pending: [UInt8] = []
    private var flvStarted = false
    private var handshake = 0

    init(format: String, tally: BenchClient.Tally, published: PublishTimes) {
        self.format = format
        self.tally = tally
        self.published = published
    }

    func channelActive(context: ChannelHandlerContext) {
        tally.connected += 1
        if format == "rtmp" {
            context.writeAndFlush(
                NIOAny(context.channel.allocator.buffer(bytes: [3] + [UInt8](repeating: 0, count: 1536))),
                promise: nil)
        } else {
            let request = "GET /bench.\(format) HTTP/1.0\r\nHost: bench\r\n\r\n"
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let now = benchNow()
        if tally.recording {
            tally.bytes += buffer.readableBytes
            if let lastRead { tally.gaps.append(now - lastRead) }
        }
        lastRead = now
        if format == "rtmp" && handshake < 1 + 2 * 1536 {
            let take = min(buffer.readableBytes, 1 + 2 * 1536 - handshake)
            let bytes = buffer.readBytes(length: take) ?? []
            if handshake < 1537 { pending += bytes.prefix(max(0, 1537 - handshake)) }
            handshake += take
            if handshake == 1 + 2 * 1536 { sendPlay(context) }
            return
        }
        guard format == "flv" else { return }
        pending += buffer.readableBytesView
        parseFLV(now: now)
    }

    private func sendPlay(_ context: ChannelHandlerContext) {
        var out = Array(pending.dropFirst().prefix(1536))
        pending = []
        let encoder = RTMPChunkEncoder()
        let commands: [(UInt32, [AMFValue])] = [
            (0, [.string("connect"), .number(1), .object([("app", .string("live"))])]),
            (0, [.string("createStream"), .number(2), .null]),
            (1, [.string("play"), .number(3), .null, .string("bench")]),
        ]
        for (streamID, values) in commands {
            encoder.encode(
                RTMPMessage(
                    type: RTMPMessage.Kind.commandAMF0, streamID: streamID, timestamp: 0, payload: AMF0.encode(values)),
                chunkStream: 3, into: &out)
        }
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: out)), promise: nil)
    }

    /// Reads FLV tags as they complete; a video tag's arrival is compared with its publication.
    private func parseFLV(now: Double) {
        var offset = 0
        if head {
            guard let end = pending.firstRange(of: [13, 10, 13, 10]) else { return }
            offset = end.upperBound
            head = false
        }
        if !flvStarted {
            guard pending.count - offset >= 13 else { return compact(offset) }
            offset += 13
            flvStarted = true
        }
        while pending.count - offset >= 11 {
            let size = Int(pending[offset + 1]) << 16 | Int(pending[offset + 2]) << 8 | Int(pending[offset + 3])
            guard pending.count - offset >= 11 + size + 4 else { break }
            if pending[offset] == 9 && tally.recording {
                let timestamp =
                    UInt32(pending[offset + 7]) << 24 | UInt32(pending[offset + 4]) << 16
                    | UInt32(pending[offset + 5]) << 8 | UInt32(pending[offset + 6])
                if let published = published.time(ofFLV: timestamp) { tally.latencies.append(now - published) }
            }
            offset += 11 + size + 4
        }
        compact(offset)
    }

    private func compact(_ offset: Int) {
        if offset > 0 { pending.removeFirst(offset) }
    }

    func channelInactive(context: ChannelHandlerContext) { tally.connected -= 1 }
}

/// HLS players on one loop: each asks for its media playlists every second (the variant, and
/// for CMAF the audio rendition too) and fetches the init segments and every segment it has not
/// seen, on a keep-alive connection of its own. `prefix` is `/hls/bench/` (TS segments) or
/// `/cmaf/bench/` (fMP4 segments per track).
final class HLSPlayers: @unchecked Sendable {
    let loop: any EventLoop
    let port: Int
    let prefix: String
    var recording = false
    var requests = 0
    var failed = 0
    var bytes = 0
    var times: [Double] = []
    private var players: [HLSPlayer] = []

    init(loop: any EventLoop, port: Int, prefix: String) {
        self.loop = loop
        self.port = port
        self.prefix = prefix
    }

    func start(_ count: Int) {
        for index in 0..<count {
            let player = HLSPlayer(owner: self)
            players.append(player)
            // Spread over the first second, as players that started at different times would be.
            loop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(index % 1000))) { player.connect() }
        }
    }

    func stop() { for player in players { player.stop() } }
}

final class HLSPlayer: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    unowned let owner: HLSPlayers
    private var channel: (any Channel)?
    private var seen: Set<String> = []
    private var queue: [String] = []
    private var response: [UInt8] = []
    private var sentAt = 0.0
    private var busy = false
    private var stopped = false
    /// The media playlists (paths under the prefix), once the master playlist named them.
    private var media: [String]?
    /// The media playlists read at least once: after that, every new segment is fetched.
    private var primed: Set<String> = []
    private var current = ""

    init(owner: HLSPlayers) { self.owner = owner }

    func connect() {
        ClientBootstrap(group: owner.loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(self) }
            }
            .connect(host: "127.0.0.1", port: owner.port)
            .assumeIsolated().whenSuccess { [self] channel in
                self.channel = channel
                poll()
            }
    }

    func stop() {
        stopped = true
        channel?.close(promise: nil)
    }

    private func poll() {
        guard !stopped else { return }
        queue += media ?? ["index.m3u8"]
        next()
        owner.loop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in poll() }
    }

    private func next() {
        guard !busy, !queue.isEmpty, let channel else { return }
        busy = true
        current = queue.removeFirst()
        sentAt = benchNow()
        response = []
        channel.writeAndFlush(
            channel.allocator.buffer(string: "GET \(owner.prefix)\(current) HTTP/1.1\r\nHost: bench\r\n\r\n"),
            promise: nil)
    }

    /// Where the current response's body starts and how long it is, once its head is in.
    private var body: (start: Int, length: Int, ok: Bool, chunked: Bool)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        response += unwrapInboundIn(data).readableBytesView
        if body == nil {
            guard let end = response.firstRange(of: [13, 10, 13, 10]) else { return }
            let head = String(decoding: response[..<end.lowerBound], as: UTF8.self).lowercased()
            let lines = head.split(separator: "\r\n")
            let length =
                lines.first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
            let chunked = lines.contains { $0.hasPrefix("transfer-encoding:") && $0.contains("chunked") }
            body = (end.upperBound, length, head.hasPrefix("http/1.1 200"), chunked)
        }
        guard let body else { return }
        // MistServer sends segments chunked; ours with a length.
        let content: ArraySlice<UInt8>
        if body.chunked {
            guard let decoded = HLSPlayer.dechunk(response[body.start...]) else { return }
            content = decoded[...]
        } else {
            guard response.count - body.start >= body.length else { return }
            content = response[body.start..<(body.start + body.length)]
        }
        self.body = nil
        if owner.recording {
            owner.requests += 1
            owner.bytes += content.count
            owner.times.append(benchNow() - sentAt)
            if !body.ok { owner.failed += 1 }
        }
        busy = false
        // Only playlists are read; segments are counted.
        if content.starts(with: Array("#EXTM3U".utf8)) {
            read(playlist: String(decoding: content, as: UTF8.self))
        }
        next()
    }

    /// A whole chunked body decoded, or nil while its last chunk has not arrived.
    static func dechunk(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var position = bytes.startIndex
        while true {
            guard let lineEnd = bytes[position...].firstRange(of: [13, 10]) else { return nil }
            let sizeText = String(decoding: bytes[position..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces), radix: 16)
            else { return nil }
            let start = lineEnd.upperBound
            if size == 0 { return bytes.endIndex - start >= 2 ? out : nil }
            guard bytes.endIndex - start >= size + 2 else { return nil }
            out += bytes[start..<(start + size)]
            position = start + size + 2
        }
    }

    private func read(playlist text: String) {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let path = current.split(separator: "?").first.map(String.init) ?? current
        let directory = path.contains("/") ? String(path[...path.lastIndex(of: "/")!]) : ""
        func uri(_ line: String) -> String? {
            guard let start = line.range(of: "URI=\"") else { return nil }
            return line[start.upperBound...].split(separator: "\"").first.map(String.init)
        }
        if lines.contains(where: { $0.hasPrefix("#EXT-X-STREAM-INF") }) {
            // The master: the first variant, and the first audio rendition with a playlist of its own.
            guard media == nil, let variant = lines.first(where: { !$0.hasPrefix("#") && !$0.isEmpty }) else { return }
            var found = [directory + variant]
            if let audio = lines.first(where: { $0.hasPrefix("#EXT-X-MEDIA:TYPE=AUDIO") }).flatMap(uri) {
                found.append(directory + audio)
            }
            media = found
            queue += found
            return
        }
        let segments = lines.filter { !$0.hasPrefix("#") && !$0.isEmpty }
        for map in lines where map.hasPrefix("#EXT-X-MAP:") {
            if let initial = uri(map), !seen.contains(directory + initial) {
                seen.insert(directory + initial)
                queue.append(directory + initial)
            }
        }
        for segment in segments where !seen.contains(directory + segment) {
            seen.insert(directory + segment)
            // A new player fetches the newest segment only, as hls.js starts near the live edge.
            if primed.contains(path) || segment == segments.last { queue.append(directory + segment) }
        }
        if !segments.isEmpty { primed.insert(path) }
    }
}
