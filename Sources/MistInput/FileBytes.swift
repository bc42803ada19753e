#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file reads and atomic writes.
enum FileBytes {
    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw DTSCInputError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        if ferror(file) != 0 { throw DTSCInputError.unreadable(path: path, reason: "read error") }
        return bytes
    }

    /// Writes to a temporary file beside `path`, then renames it over `path`, so a crash never
    /// leaves a half-written file.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp\(getpid())"
        guard let file = fopen(temporary, "wb") else {
            throw DTSCInputError.unreadable(path: temporary, reason: String(cString: strerror(errno)))
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw DTSCInputError.unreadable(path: path, reason: "write failed")
        }
    }
}
