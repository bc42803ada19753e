/// Small reads that mostly move forward through a file, served from one window of it read at
/// a time (an FLV's tag headers: a read per tag would be a system call per frame).
struct ReadWindow {
    let file: RandomAccessFile
    private var start = 0
    private var bytes: [UInt8] = []
    static let size = 1 << 20

    init(_ file: RandomAccessFile) { self.file = file }

    /// `count` bytes at `position`, or nil past the end of the file.
    mutating func read(at position: Int, count: Int) -> [UInt8]? {
        guard position >= 0, count >= 0, position <= file.size - count else { return nil }
        if count > Self.size { return file.read(at: position, count: count) }
        if position < start || position + count > start + bytes.count {
            let length = min(Self.size, file.size - position)
            guard let fresh = file.read(at: position, count: length) else { return nil }
            start = position
            bytes = fresh
        }
        return Array(bytes[(position - start)..<(position - start + count)])
    }
}
