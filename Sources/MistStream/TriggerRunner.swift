import Logging
import MistCore
import MistData
import MistNet
import MistTLS

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one trigger handler as MistServer does: an HTTP POST of the payload with its headers, or
/// an executable given the trigger's name as its only argument and the payload on stdin (never
/// through a shell). Blocking runs return the answer, or the handler's default on failure.
enum TriggerRunner {
    /// The answer of a blocking run (the default when the handler failed).
    static func run(
        _ handler: TriggerHandler, trigger: String, payload: String, instance: String, logger: Logger
    ) -> String {
        if handler.handler.isEmpty { return handler.defaultResponse }
        let started = monotonicSeconds()
        let uuid = randomUUID()
        let millis = Int64(unixMilliseconds())
        let answer: String?
        var reason = "it failed"
        if handler.handler.hasPrefix("http://") || handler.handler.hasPrefix("https://") {
            switch post(handler, trigger: trigger, payload: payload, instance: instance, uuid: uuid, millis: millis) {
            case .success(let body): answer = body
            case .failure(let failure):
                answer = nil
                reason = failure.reason
            }
        } else {
            answer = execute(
                handler, trigger: trigger, payload: payload, instance: instance, uuid: uuid, millis: millis)
        }
        let milliseconds = Int((monotonicSeconds() - started) * 1000)
        if let answer {
            logger.mist(
                .medium, "Trigger \(trigger) answered by \(handler.handler) in \(milliseconds) ms: \(answer.prefix(80))"
            )
            return answer
        }
        // Loud: a blocking handler that cannot be reached means its default decides (for
        // USER_NEW or STREAM_PUSH, possibly letting everyone in).
        let message =
            "Trigger \(trigger) handler \(handler.handler) could not be used (\(reason)); "
            + "following its default '\(handler.defaultResponse)'"
        logger.mist(handler.sync ? .error : .warn, "\(message)")
        return handler.defaultResponse
    }

    struct PostFailure: Error {
        var reason: String
    }

    /// The server's `serverid`, when it has one: handlers that serve several servers tell them
    /// apart by it.
    static var serverName: String? {
        let name = Triggers.setting("hrn").asString
        return name.isEmpty ? nil : name
    }

    /// Up to five attempts of five seconds for blocking triggers; the body of the first 2xx
    /// answer, or why none came.
    private static func post(
        _ handler: TriggerHandler, trigger: String, payload: String, instance: String, uuid: String, millis: Int64
    ) -> Result<String, PostFailure> {
        let attempts = handler.sync ? 5 : 1
        var reason = ""
        var made = 0
        for attempt in 1...attempts {
            made = attempt
            var headers = [
                ("X-Trigger", trigger), ("X-Instance", instance), ("X-PID", String(getpid())),
                ("X-Trigger-UUID", uuid), ("X-Trigger-UnixMillis", String(millis)), ("Date", httpDate()),
                ("Content-Type", "text/plain"), ("X-Attempt", String(attempt)),
                ("User-Agent", "MistServer/\(MistVersion.version)"), ("X-Version", MistVersion.version),
            ]
            if let name = serverName { headers.append(("X-Name", name)) }
            do {
                let response = try HTTPClient.request(
                    "POST", handler.handler, headers: headers, body: Array(payload.utf8), timeoutMilliseconds: 5000,
                    maximumBody: 1 << 20)
                if (200..<300).contains(response.status) {
                    return .success(String(decoding: response.body, as: UTF8.self))
                }
                reason = "it answered HTTP \(response.status)"
            } catch {
                reason = "\(error)"
                // A certificate that fails verification will fail the same way again.
                if error is TLSError { break }
            }
        }
        return .failure(PostFailure(reason: made > 1 ? "\(reason), after \(made) attempts" : reason))
    }

    /// `<handler> <NAME>` with the payload on stdin; stdout is the answer. SIGTERM at 10 s,
    /// SIGKILL at 14 s; a killed handler that printed nothing gives the default.
    private static func execute(
        _ handler: TriggerHandler, trigger: String, payload: String, instance: String, uuid: String, millis: Int64
    ) -> String? {
        var environment = [
            "MIST_TRIGGER=\(trigger)", "MIST_TRIG_DEF=\(handler.defaultResponse)", "MIST_PID=\(getpid())",
            "MIST_INSTANCE=\(instance)", "MIST_TUUID=\(uuid)", "MIST_TIME=\(millis)", "MIST_DATE=\(httpDate())",
        ]
        if let name = serverName { environment.append("MIST_NAME=\(name)") }
        guard
            let child = try? ChildProcess.spawnPiped(
                handler.handler, arguments: [trigger], extraEnvironment: environment, captureOutput: handler.sync)
        else { return nil }
        // SIGPIPE is ignored in every binary: a handler that does not read its stdin only
        // makes this write fail.
        writeAll(payload, to: child.input)
        close(child.input)
        guard handler.sync, let output = child.output else {
            // Not waited for: a thread reaps it.
            ChildProcess.reapWhenDone(child.pid)
            return handler.defaultResponse
        }
        defer { close(output) }
        var answer: [UInt8] = []
        let started = monotonicSeconds()
        var killed = false
        var open = true
        while open {
            let elapsed = monotonicSeconds() - started
            if elapsed > 15 { break }
            if elapsed > 14 {
                kill(child.pid, SIGKILL); killed = true
            } else if elapsed > 10 {
                kill(child.pid, SIGTERM); killed = true
            }
            var entry = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) > 0 else { continue }
            let count = withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 1) { scratch in
                let count = read(output, scratch.baseAddress, 4096)
                if count > 0 && answer.count < 1 << 20 {
                    answer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
                }
                return count
            }
            if count <= 0 { open = false }
        }
        if open { kill(child.pid, SIGKILL) }
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        if killed && answer.isEmpty { return nil }
        return String(decoding: answer, as: UTF8.self)
    }

    static func randomUUID() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { Hex.encode([$0]) }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }

    static func unixMilliseconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1_000_000
    }

    /// The current time as an HTTP date (`Wed, 25 Nov 2026 13:31:10 GMT`).
    static func httpDate() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
