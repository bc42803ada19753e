import Dispatch
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// One writer to 1, 10 and 100 readers through shared memory.
enum DataPlaneBench {
    static let packetsPerTrack = 10_000
    static let payloadSize = 4096

    /// CPU seconds the calling thread has used.
    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func run() throws {
        let stream = "MistBench\(getpid())"
        let writer = try StreamWriter(stream: stream, live: true, bufferWindow: 0)
        defer { writer.close() }
        var video = TrackInfo(type: "video", codec: "H264", id: 1)
        video.width = 1920
        video.height = 1080
        _ = try writer.addTrack(video)
        _ = try writer.addTrack(TrackInfo(type: "audio", codec: "AAC", id: 2))
        let payload = [UInt8](repeating: 0x5A, count: payloadSize)
        let clock = ContinuousClock()
        let cpuBefore = threadCPUSeconds()
        let start = clock.now
        try payload.withUnsafeBytes { data in
            for number in 0..<packetsPerTrack {
                let time = UInt64(number) * 20
                try writer.append(track: 0, time: time, keyframe: number % 100 == 0, data: data)
                try writer.append(
                    track: 1, time: time, keyframe: false, data: UnsafeRawBufferPointer(rebasing: data[0..<512]))
            }
        }
        let writeSeconds = seconds(clock.now - start)
        let writerCPU = threadCPUSeconds() - cpuBefore
        let packets = packetsPerTrack * 2
        let bytes = packetsPerTrack * (payloadSize + 512)
        print(
            "Shared memory: writer".padding(to: 44)
                + format(Double(packets) / writeSeconds / 1e6, digits: 2).leftPadding(to: 9) + " M pkt/s  "
                + format(Double(bytes) / writeSeconds / 1e6, digits: 0).leftPadding(to: 7) + " MB/s  "
                + format(writerCPU / Double(packets) * 1e9, digits: 0).leftPadding(to: 6) + " ns CPU/pkt")

        for readers in [1, 10, 100] {
            let results = ReaderTotals()
            let begin = clock.now
            DispatchQueue.concurrentPerform(iterations: readers) { _ in
                let cpu = threadCPUSeconds()
                var count = 0
                var read = 0
                do {
                    let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
                    try reader.select([0, 1])
                    while case .packet(let packet) = try reader.next(timeoutMilliseconds: 0) {
                        count += 1
                        read += packet.data?.count ?? 0
                    }
                } catch {
                    print("reader failed: \(error)")
                }
                results.add(packets: count, bytes: read, cpu: threadCPUSeconds() - cpu)
            }
            let elapsed = seconds(clock.now - begin)
            let totals = results.totals
            guard totals.packets == packets * readers else {
                print("readers got \(totals.packets) packets, expected \(packets * readers)")
                continue
            }
            print(
                "Shared memory: \(readers) reader(s), all packets".padding(to: 44)
                    + format(Double(totals.packets) / elapsed / 1e6, digits: 2).leftPadding(to: 9) + " M pkt/s  "
                    + format(Double(totals.bytes) / elapsed / 1e6, digits: 0).leftPadding(to: 7) + " MB/s  "
                    + format(totals.cpu / Double(totals.packets) * 1e9, digits: 0).leftPadding(to: 6) + " ns CPU/pkt")
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// Sums what reader threads report.
final class ReaderTotals: @unchecked Sendable {
    private let lock = NSLockLike()
    private var packets = 0
    private var bytes = 0
    private var cpu = 0.0

    func add(packets: Int, bytes: Int, cpu: Double) {
        lock.withLock {
            self.packets += packets
            self.bytes += bytes
            self.cpu += cpu
        }
    }

    var totals: (packets: Int, bytes: Int, cpu: Double) { lock.withLock { (packets, bytes, cpu) } }
}

/// A pthread mutex (the benchmark avoids Foundation).
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
