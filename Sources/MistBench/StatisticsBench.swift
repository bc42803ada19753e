import Logging
import MistControl
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// The controller's statistics with 1,000 viewer connections published: one collection pass
/// (what runs each second), one Prometheus scrape and one `clients` call.
enum StatisticsBench {
    static func run() throws {
        let name = "/MstStat\(getpid())"
        var rows: [JSONValue] = []
        for index in 0..<1000 {
            rows.append([
                "id": .int(Int64(index)), "sessid": .string(String(repeating: "ab", count: 31) + String(index % 100)),
                "stream": .string("live\(index % 10)"), "host": .string("10.0.\(index / 250).\(index % 250)"),
                "protocol": "HTTPTS", "tkn": .string(String(index)), "start": 1_700_000_000,
                "up": .int(Int64(index) * 1000), "down": 100, "closed": false,
            ])
        }
        try ConfigPage.write(["pid": .int(Int64(getpid())), "connections": .array(rows)], to: name)
        defer { ConfigPage.remove(name) }
        let statistics = SessionStatistics(logger: Logger(label: "bench")) { _ in }
        print("\nController statistics with 1,000 connections")
        measure("statistics: one collection pass", operations: 1) { statistics.tick() }
        measure("statistics: one Prometheus scrape", operations: 1) { blackHole(statistics.prometheus()) }
        measure("statistics: one clients call", operations: 1) { blackHole(statistics.clients(.emptyObject)) }
    }
}
