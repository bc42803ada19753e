import Foundation
import MistData
import MistNet
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A stand-in for Livepeer on loopback, answering as its API and broadcasters do: `GET
/// /api/broadcaster` lists `/b1` and `/b2` of this server, `POST /api/stream` creates a
/// transcode, and `POST /<broadcaster>/live/<id>/<seq>.ts` transcodes the segment with ffmpeg
/// to every profile (from the transcode, or from the `Livepeer-Transcode-Configuration` header)
/// and answers `multipart/mixed` with one `video/mp2t` part per rendition, or 422 when `reject`
/// says so for that broadcaster and segment. Rendition times start where ffmpeg starts them,
/// not at the source's, as a broadcaster's may.
final class LivepeerStandIn: @unchecked Sendable {
    struct Upload: Sendable {
        var broadcaster: String
        var id: String
        var number: UInt64
        var headers: [String: String]
        var body: [UInt8]
        var status: Int
    }

    let port: Int
    let folder: URL
    private let listener: TCPListener
    private let reject: @Sendable (_ broadcaster: String, _ number: UInt64) -> Bool
    private let state = Mutex<(uploads: [Upload], requests: [(path: String, headers: [String: String], body: String)])>(
        ([], []))
    private let transcodes = Mutex<[String: JSONValue]>([:])

    init(folder: URL, reject: @escaping @Sendable (_ broadcaster: String, _ number: UInt64) -> Bool = { _, _ in false })
        throws
    {
        self.folder = folder
        self.reject = reject
        listener = try TCPListener(interface: "127.0.0.1", port: 0)
        port = Int(listener.port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var api: String { "http://127.0.0.1:\(port)/api" }
    func broadcaster(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

    var uploads: [Upload] { state.withLock { $0.uploads } }
    var apiRequests: [(path: String, headers: [String: String], body: String)] { state.withLock { $0.requests } }

    private func acceptLoop() {
        while true {
            let client = accept(listener.descriptor, nil, nil)
            if client < 0 { return }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        let connection = TCPConnection(descriptor: client, peer: "client")
        defer { connection.close() }
        guard let request = TestHTTPRequest.read(from: connection) else { return }
        let (status, type, answer) = respond(
            method: request.method, path: request.path, headers: request.headers, body: request.body)
        let reason = status == 200 ? "OK" : status == 422 ? "Unprocessable Entity" : "Not Found"
        var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Length: \(answer.count)\r\nConnection: close\r\n"
        head += "Content-Type: \(type)\r\n"
        if status == 200 && request.path.contains("/live/") { head += "Set-Cookie: standin=\(port); Path=/\r\n" }
        try? connection.send(Array((head + "\r\n").utf8) + answer)
    }

    private func respond(method: String, path: String, headers: [String: String], body: [UInt8]) -> (
        Int, String, [UInt8]
    ) {
        if path.hasPrefix("/api/") {
            state.withLock { $0.requests.append((path, headers, String(decoding: body, as: UTF8.self))) }
            if method == "GET" && path == "/api/broadcaster" {
                let list = #"[{"address": "\#(broadcaster("b1"))"}, {"address": "\#(broadcaster("b2"))"}]"#
                return (200, "application/json", Array(list.utf8))
            }
            if method == "POST" && path == "/api/stream", let request = try? JSONParser.parse(body) {
                let id = "standin-\(transcodes.withLock { $0.count } + 1)"
                transcodes.withLock { $0[id] = request }
                return (
                    200, "application/json", Array(#"{"id": "\#(id)", "name": "\#(request["name"].asString)"}"#.utf8)
                )
            }
            return (404, "text/plain", Array("no such call".utf8))
        }
        // /<broadcaster>/live/<id>/<seq>.ts
        let parts = path.split(separator: "/").map(String.init)
        guard method == "POST", parts.count == 4, parts[1] == "live", parts[3].hasSuffix(".ts"),
            let number = UInt64(parts[3].dropLast(3))
        else { return (404, "text/plain", Array("no such path".utf8)) }
        var upload = Upload(
            broadcaster: parts[0], id: parts[2], number: number, headers: headers, body: body, status: 200)
        if reject(parts[0], number) {
            upload.status = 422
            state.withLock { $0.uploads.append(upload) }
            return (422, "text/plain", Array("segment rejected".utf8))
        }
        let profiles: [JSONValue]
        if let header = headers["livepeer-transcode-configuration"], let configuration = try? JSONParser.parse(header) {
            profiles = configuration["profiles"].arrayValue ?? []
        } else {
            profiles = transcodes.withLock { $0[parts[2]] }?["profiles"].arrayValue ?? []
        }
        guard let renditions = transcode(body, profiles: profiles, name: "\(parts[0])-\(parts[2])-\(number)") else {
            upload.status = 500
            state.withLock { $0.uploads.append(upload) }
            return (500, "text/plain", Array("transcode failed".utf8))
        }
        state.withLock { $0.uploads.append(upload) }
        let boundary = "standin\(number)"
        var answer: [UInt8] = []
        for (name, ts) in renditions {
            answer += Array("--\(boundary)\r\nContent-Type: video/MP2T; name=\"\(name)_\(number).ts\"\r\n".utf8)
            answer += Array("Content-Length: \(ts.count)\r\nRendition-Name: \(name)\r\n\r\n".utf8) + ts + [13, 10]
        }
        answer += Array("--\(boundary)--\r\n".utf8)
        return (200, "multipart/mixed; boundary=\(boundary)", answer)
    }

    /// Each profile's rendition of `segment`, by profile name, from one ffmpeg run.
    private func transcode(_ segment: [UInt8], profiles: [JSONValue], name: String) -> [(String, [UInt8])]? {
        let input = folder.appendingPathComponent("\(name).ts")
        guard (try? Data(segment).write(to: input)) != nil, !profiles.isEmpty else { return nil }
        var arguments = ["-hide_banner", "-loglevel", "error", "-y", "-i", input.path]
        var outputs: [(String, URL)] = []
        for profile in profiles {
            let output = folder.appendingPathComponent("\(name)-\(profile["name"].asString).ts")
            let width = profile["width"].intValue ?? 0
            let height = profile["height"].intValue ?? 0
            arguments += [
                "-map", "0:v:0", "-vf", "scale=\(width):\(height)", "-c:v", "libx264", "-preset", "ultrafast",
                "-b:v", String(profile["bitrate"].intValue ?? 300_000), "-pix_fmt", "yuv420p", "-f", "mpegts",
                output.path,
            ]
            outputs.append((profile["name"].asString, output))
        }
        let ffmpeg = Process()
        ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        ffmpeg.arguments = arguments
        ffmpeg.standardInput = FileHandle.nullDevice
        guard (try? ffmpeg.run()) != nil else { return nil }
        ffmpeg.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(at: input)
            for (_, output) in outputs { try? FileManager.default.removeItem(at: output) }
        }
        guard ffmpeg.terminationStatus == 0 else { return nil }
        return outputs.compactMap { name, url in (try? Data(contentsOf: url)).map { (name, Array($0)) } }
    }

    deinit { shutdown(listener.descriptor, Int32(SHUT_RDWR)) }
}
