/// An ISO BMFF box: its four-character type and its payload (after the size and type).
public struct MP4Box {
    public var type: String
    public var payload: ArraySlice<UInt8>
    /// Where the box starts in the bytes it was read from.
    public var start: Int

    public init(type: String, payload: ArraySlice<UInt8>, start: Int) {
        self.type = type
        self.payload = payload
        self.start = start
    }

    /// The boxes that follow each other in `bytes` (a file's top level or a box's payload).
    /// A box whose size runs past the end is cut to what is there (a truncated file), unless
    /// `strict`; a size below the header's own is invalid.
    public static func list(_ bytes: ArraySlice<UInt8>, strict: Bool = false) throws(MediaError) -> [MP4Box] {
        var boxes: [MP4Box] = []
        var position = bytes.startIndex
        while bytes.endIndex - position >= 8 {
            let size32 = bytes.bigEndianUInt(at: position, width: 4)
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            var header = 8
            var size: UInt64 = size32
            if size32 == 1 {
                guard bytes.endIndex - position >= 16 else { throw .truncated("\(type) box size") }
                size = bytes.bigEndianUInt(at: position + 8, width: 8)
                header = 16
            } else if size32 == 0 {
                size = UInt64(bytes.endIndex - position)
            }
            guard size >= UInt64(header) else { throw .invalid("\(type) box size \(size)") }
            let available = UInt64(bytes.endIndex - position)
            if size > available && strict { throw .truncated("\(type) box") }
            let end = position + Int(min(size, available))
            boxes.append(MP4Box(type: type, payload: bytes[(position + header)..<end], start: position))
            position = end
        }
        return boxes
    }

    /// The first child of type `type` inside this box's payload (`skip` bytes in, for boxes
    /// with fields before their children).
    public func child(_ type: String, skip: Int = 0) throws(MediaError) -> MP4Box? {
        guard payload.count >= skip else { throw .truncated("\(self.type) box") }
        return try MP4Box.list(payload.dropFirst(skip)).first { $0.type == type }
    }

    public func children(_ type: String) throws(MediaError) -> [MP4Box] {
        try MP4Box.list(payload).filter { $0.type == type }
    }

    /// A reader over the payload; `fullBox` skips version and flags and returns them.
    public func reader() -> ByteReader { ByteReader(Array(payload), what: "\(type) box") }
}

extension ArraySlice<UInt8> {
    /// A big-endian unsigned value of `width` bytes at `index` (the caller checked the bounds).
    func bigEndianUInt(at index: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for position in index..<(index + width) { value = value << 8 | UInt64(self[position]) }
        return value
    }
}
