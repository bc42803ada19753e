#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file reads and atomic writes, for configuration files and header caches.
public enum FileBytes {
    /// Why a file could not be read or written.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let reason: String
        /// The errno behind the failure, when there is one (ENOENT for a missing file).
        public let code: Int32

        public var description: String { "cannot use \(path): \(reason)" }
    }

    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw Failure(path: path, reason: String(cString: strerror(errno)), code: errno)
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        if ferror(file) != 0 { throw Failure(path: path, reason: "read error", code: EIO) }
        return bytes
    }

    /// Writes to a temporary file beside `path`, flushes it to disk, then renames it over `path`,
    /// so a crash leaves either the old file or the new one, whole.
    public static func write<C: Collection>(_ bytes: C, to path: String, mode: mode_t = 0o644) throws(Failure)
    where C.Element == UInt8 {
        let temporary = path + ".tmp\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard descriptor >= 0 else {
            throw Failure(path: temporary, reason: String(cString: strerror(errno)), code: errno)
        }
        let contents = Array(bytes)
        let written = contents.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let count = Glibc.write(descriptor, base + offset, raw.count - offset)
                if count <= 0 { return false }
                offset += count
            }
            return true
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written, synced, rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure(path: path, reason: "write failed: \(String(cString: strerror(code)))", code: code)
        }
    }
}
