import MistCore
import MistShm
import NIOConcurrencyHelpers

/// One stream as seen from the event loops without being a viewer of it: a reader of its
/// metadata that selects no track, asked whether a cached HLS playlist still lists the stream's
/// keys, whether the stream moved on since a viewer had to wait, and whether the input that
/// wrote it still runs. Shared by the loops.
final class StreamWatch: @unchecked Sendable {
    let stream: String
    private let lock = NIOLock()
    private let reader: StreamReader
    private var gone = false
    private var goneCheckedAt = -Double.infinity
    /// How long a look at the input's processes is trusted (it costs a system call per track).
    static let goneCheckSeconds = 0.1

    init(reader: StreamReader) {
        self.stream = reader.stream
        self.reader = reader
    }

    /// The key window of track `index` now (nil when the track is gone).
    func keyWindow(of index: Int) -> StreamReader.KeyWindow? {
        lock.withLock { reader.keyWindow(of: index) }
    }

    /// The parts of the growing segment track `index` reaches (`StreamReader.partsReached`).
    func partsReached(of index: Int, timing: Int, partMilliseconds: UInt64) -> UInt64? {
        lock.withLock { reader.partsReached(of: index, timing: timing, partMilliseconds: partMilliseconds) }
    }

    /// A number that changes whenever the input writes or loads anything of the stream.
    func progress() -> UInt64 {
        lock.withLock { reader.progress() }
    }

    /// Whether the input that wrote this stream's pages ended or died (pages written anew by
    /// another input are another stream to this reader).
    var isGone: Bool {
        lock.withLock {
            let now = monotonicSeconds()
            if !gone && now - goneCheckedAt >= StreamWatch.goneCheckSeconds {
                gone = reader.inputIsGone
                goneCheckedAt = now
            }
            return gone
        }
    }
}
