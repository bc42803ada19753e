import MistCore
import MistData
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The machine figures the `capabilities` and `load` calls report, read from /proc: processors,
/// memory in MiB, load averages (×100) and CPU use (tenths of a percent since the last sample).
public final class SystemLoad: Sendable {
    private struct CPUTimes {
        var busy: UInt64 = 0
        var total: UInt64 = 0
    }

    private let last = Mutex<(times: CPUTimes, use: Int64)>((CPUTimes(), 0))

    /// When the controller started (monotonic seconds), for the `uptime` it reports.
    private let started = monotonicSeconds()

    public init() {
        _ = sample()
    }

    /// Measures CPU use since the previous call; the controller calls it about once a second.
    @discardableResult
    public func sample() -> Int64 {
        guard let text = try? FileBytes.read("/proc/stat"),
            let line = String(decoding: text, as: UTF8.self).split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return 0 }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard values.count >= 4 else { return 0 }
        let idle = values[3] + (values.count > 4 ? values[4] : 0)
        let total = values.reduce(0, &+)
        let now = CPUTimes(busy: total &- idle, total: total)
        return last.withLock { last in
            let totalDelta = now.total &- last.times.total
            if last.times.total != 0, totalDelta > 0 {
                last.use = Int64((now.busy &- last.times.busy) * 1000 / totalDelta)
            }
            last.times = now
            return last.use
        }
    }

    /// CPU use in tenths of a percent (0-1000) over the last sample interval.
    public var cpuUse: Int64 { last.withLock { $0.use } }

    /// Adds `cpu`, `speed`, `threads`, `mem`, `load` and `cpu_use` to a capabilities object, and
    /// `uptime` (seconds since the controller started, a member MistServer does not send) for the
    /// interface's overview.
    public func addFigures(to capabilities: inout JSONValue) {
        let processors = SystemLoad.processors()
        capabilities["cpu"] = .array(processors)
        capabilities["speed"] = .int(processors.reduce(0) { $0 + $1["cores"].asInt * $1["mhz"].asInt })
        capabilities["threads"] = .int(processors.reduce(0) { $0 + $1["threads"].asInt })
        let memory = SystemLoad.memory()
        capabilities["mem"] = memory
        capabilities["load"] = load(memory: memory)
        capabilities["cpu_use"] = .int(cpuUse)
        capabilities["uptime"] = .int(Int64(monotonicSeconds() - started))
    }

    /// The `load` call's reply: memory, shared memory and CPU use in percent with one decimal.
    public func quickLoad() -> JSONValue {
        let memory = SystemLoad.memory()
        var reply = JSONValue.emptyObject
        reply["mem"] = .double(SystemLoad.percent(memory["used"].asInt, of: memory["total"].asInt))
        reply["shm"] = .double(
            SystemLoad.percent(memory["shmtotal"].asInt - memory["shmfree"].asInt, of: memory["shmtotal"].asInt))
        reply["cpu"] = .double(Double(cpuUse) / 10)
        return reply
    }

    private func load(memory: JSONValue) -> JSONValue {
        var reply = JSONValue.emptyObject
        reply["mem"] = .double(SystemLoad.percent(memory["used"].asInt, of: memory["total"].asInt))
        reply["shm"] = .double(
            SystemLoad.percent(memory["shmtotal"].asInt - memory["shmfree"].asInt, of: memory["shmtotal"].asInt))
        let averages = (try? FileBytes.read("/proc/loadavg")).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let fields = averages.split(separator: " ").prefix(3).map { Int64((Double($0) ?? 0) * 100) }
        for (index, name) in ["one", "five", "fifteen"].enumerated() {
            reply[name] = .int(index < fields.count ? fields[index] : 0)
        }
        return reply
    }

    static func percent(_ part: Int64, of whole: Int64) -> Double {
        guard whole > 0 else { return 0 }
        return (Double(part) * 1000 / Double(whole)).rounded() / 10
    }

    /// One entry per physical processor: model, cores, threads, MHz.
    static func processors() -> [JSONValue] {
        guard let bytes = try? FileBytes.read("/proc/cpuinfo") else { return [] }
        var byPackage: [String: (model: String, cores: Set<String>, threads: Int, mhz: Int64)] = [:]
        for block in String(decoding: bytes, as: UTF8.self).split(separator: "\n\n") {
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon].trimmingCharacters(in: " \t")
                fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            }
            guard fields["processor"] != nil else { continue }
            let package = fields["physical id"] ?? "0"
            var entry = byPackage[package] ?? (fields["model name"] ?? "", [], 0, 0)
            entry.cores.insert(fields["core id"] ?? String(entry.threads))
            entry.threads += 1
            entry.mhz = max(entry.mhz, Int64(Double(fields["cpu MHz"] ?? "") ?? 0))
            byPackage[package] = entry
        }
        return byPackage.keys.sorted().compactMap { key in
            guard let entry = byPackage[key] else { return nil }
            return [
                "model": .string(entry.model), "cores": .int(Int64(entry.cores.count)),
                "threads": .int(Int64(entry.threads)), "mhz": .int(entry.mhz),
            ]
        }
    }

    /// Memory figures in MiB, MistServer's `mem` member.
    static func memory() -> JSONValue {
        var kib: [String: Int64] = [:]
        if let bytes = try? FileBytes.read("/proc/meminfo") {
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                guard parts.count >= 2, let value = Int64(parts[1]) else { continue }
                kib[String(parts[0].dropLast())] = value
            }
        }
        var shared = statvfs()
        var shmTotal: Int64 = 0
        var shmFree: Int64 = 0
        if statvfs("/dev/shm", &shared) == 0 {
            shmTotal = Int64(shared.f_blocks) * Int64(shared.f_frsize) / 1_048_576
            shmFree = Int64(shared.f_bavail) * Int64(shared.f_frsize) / 1_048_576
        }
        let total = (kib["MemTotal"] ?? 0) / 1024
        let free = (kib["MemFree"] ?? 0) / 1024
        let cached = ((kib["Buffers"] ?? 0) + (kib["Cached"] ?? 0)) / 1024
        return [
            "used": .int(max(0, total - free - cached)), "cached": .int(cached), "free": .int(free),
            "total": .int(total), "swapfree": .int((kib["SwapFree"] ?? 0) / 1024),
            "swaptotal": .int((kib["SwapTotal"] ?? 0) / 1024), "shmfree": .int(shmFree), "shmtotal": .int(shmTotal),
        ]
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
