#if canImport(Glibc)
    import Glibc
#endif

/// A file read at given positions (`pread`), for inputs that take only the parts of a file
/// they need instead of all of it: an MP4's index boxes at start, a page's frames on demand.
public final class RandomAccessFile: @unchecked Sendable {
    public let path: String
    public let size: Int
    private let descriptor: Int32

    /// Why a file cannot be read.
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot read \(path): \(reason)" }
    }

    public init(_ path: String) throws(Failure) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw Failure(path: path, reason: reason)
        }
        size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// `count` bytes from `position` into `buffer` (which must hold them); false if the file
    /// does not have them (it shrank) or cannot be read.
    public func read(at position: Int, count: Int, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard position >= 0, count >= 0, count <= buffer.count, position <= size - count, let base = buffer.baseAddress
        else { return false }
        var done = 0
        while done < count {
            let got = pread(descriptor, base + done, count - done, off_t(position + done))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return false }
            done += got
        }
        return true
    }

    /// `count` bytes from `position`, or nil if the file does not have them.
    public func read(at position: Int, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let complete = bytes.withUnsafeMutableBytes { read(at: position, count: count, into: $0) }
        return complete ? bytes : nil
    }
}
