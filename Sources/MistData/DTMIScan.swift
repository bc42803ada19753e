/// A read-only view of one DTMI value inside a byte buffer, read in place.
///
/// Nothing is decoded or copied until asked for: `member(_:)` walks an object's names and skips
/// the values it passes over, `stringBytes` is a slice of the original buffer. Every step is
/// bounds-checked; malformed bytes give a `DTMIError`, never a trap.
///
/// The view borrows `buffer`: it must not outlive the memory it points into.
public struct DTMIScan: @unchecked Sendable {
    /// The buffer the value lives in (everything up to its end is addressable).
    public let buffer: UnsafeRawBufferPointer
    /// Offset of the value's type marker in `buffer`.
    public let offset: Int

    /// Containers nested deeper than this are rejected.
    public static let maximumDepth = 256

    public init(buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    /// The type marker, or nil when the offset is out of range or the marker is unknown.
    public var type: DTMIType? {
        guard offset >= 0 && offset < buffer.count else { return nil }
        return DTMIType(rawValue: buffer[offset])
    }

    public var isObject: Bool { type == .object || type == .container }

    /// The integer, if this is a DTMI integer.
    public var intValue: Int64? {
        guard type == .int, let raw = BigEndian.uint64(buffer, at: offset + 1) else { return nil }
        return Int64(bitPattern: raw)
    }

    /// The double, if this is a DTMI double.
    public var doubleValue: Double? {
        guard type == .double, let raw = BigEndian.uint64(buffer, at: offset + 1) else { return nil }
        return Double(bitPattern: raw)
    }

    /// The string's bytes as a slice of the buffer (no copy), if this is a complete DTMI string.
    public var stringBytes: UnsafeRawBufferPointer? {
        guard type == .string, let length = BigEndian.uint32(buffer, at: offset + 1) else { return nil }
        let start = offset + 5
        guard Int(length) <= buffer.count - start else { return nil }
        return UnsafeRawBufferPointer(rebasing: buffer[start..<(start + Int(length))])
    }

    /// The offset just past this value, checking every nested value on the way.
    public func endOffset() throws(DTMIError) -> Int {
        try DTMIScan.end(of: offset, in: buffer, depth: 0)
    }

    /// Finds an object member by name. Returns nil when this is an object without that member;
    /// throws when the bytes are malformed or this is not an object.
    public func member(_ name: String) throws(DTMIError) -> DTMIScan? {
        let utf8 = name.utf8
        var found: DTMIScan?
        try forEachMember { key, value throws(DTMIError) in
            if key.count == utf8.count && key.elementsEqual(utf8) {
                found = value
                return false
            }
            return true
        }
        return found
    }

    /// `member(_:)` for a name given as bytes.
    public func member(named name: UnsafeRawBufferPointer) throws(DTMIError) -> DTMIScan? {
        var found: DTMIScan?
        try forEachMember { key, value throws(DTMIError) in
            if key.count == name.count && memoryEqual(key, name) {
                found = value
                return false
            }
            return true
        }
        return found
    }

    /// Calls `body` with each member's name (a slice of the buffer) and value, in order, until it
    /// returns false.
    public func forEachMember(
        _ body: (UnsafeRawBufferPointer, DTMIScan) throws(DTMIError) -> Bool
    ) throws(DTMIError) {
        guard isObject else { throw DTMIError(.typeMismatch, at: offset) }
        var position = offset + 1
        while true {
            guard let nameLength = BigEndian.uint16(buffer, at: position) else {
                throw DTMIError(.truncated, at: position)
            }
            if nameLength == 0 {
                try DTMIScan.checkEndMarker(at: position, in: buffer)
                return
            }
            let nameStart = position + 2
            let valueStart = nameStart + Int(nameLength)
            guard valueStart < buffer.count else { throw DTMIError(.truncated, at: position) }
            let name = UnsafeRawBufferPointer(rebasing: buffer[nameStart..<valueStart])
            let value = DTMIScan(buffer: buffer, offset: valueStart)
            guard try body(name, value) else { return }
            position = try DTMIScan.end(of: valueStart, in: buffer, depth: 1)
        }
    }

    /// Calls `body` with each array element in order until it returns false.
    public func forEachElement(_ body: (DTMIScan) throws(DTMIError) -> Bool) throws(DTMIError) {
        guard type == .array else { throw DTMIError(.typeMismatch, at: offset) }
        var position = offset + 1
        while true {
            guard let marker = BigEndian.uint16(buffer, at: position) else {
                throw DTMIError(.truncated, at: position)
            }
            if marker == 0 {
                try DTMIScan.checkEndMarker(at: position, in: buffer)
                return
            }
            let element = DTMIScan(buffer: buffer, offset: position)
            guard try body(element) else { return }
            position = try DTMIScan.end(of: position, in: buffer, depth: 1)
        }
    }

    /// Decodes this value (and everything in it) into a `JSONValue`.
    public func decode() throws(DTMIError) -> JSONValue {
        try decode(depth: 0)
    }

    private func decode(depth: Int) throws(DTMIError) -> JSONValue {
        guard depth < DTMIScan.maximumDepth else { throw DTMIError(.nestingTooDeep, at: offset) }
        guard offset >= 0 && offset < buffer.count else { throw DTMIError(.truncated, at: offset) }
        guard let type else { throw DTMIError(.unknownType(buffer[offset]), at: offset) }
        switch type {
        case .int:
            guard let value = intValue else { throw DTMIError(.truncated, at: offset) }
            return .int(value)
        case .double:
            guard let value = doubleValue else { throw DTMIError(.truncated, at: offset) }
            return .double(value)
        case .null:
            return .null
        case .string:
            guard let bytes = stringBytes else { throw DTMIError(.truncated, at: offset) }
            return JSONValue.string(bytes: bytes)
        case .object, .container:
            var object = JSONObject()
            try forEachMember { name, value throws(DTMIError) in
                object[String(decoding: name, as: UTF8.self)] = try value.decode(depth: depth + 1)
                return true
            }
            return .object(object)
        case .array:
            var array: [JSONValue] = []
            try forEachElement { element throws(DTMIError) in
                array.append(try element.decode(depth: depth + 1))
                return true
            }
            return .array(array)
        }
    }

    static func checkEndMarker(at position: Int, in buffer: UnsafeRawBufferPointer) throws(DTMIError) {
        guard position + 2 < buffer.count else { throw DTMIError(.truncated, at: position) }
        guard buffer[position + 2] == 0xEE else { throw DTMIError(.badEndMarker, at: position) }
    }

    /// The offset just past the value starting at `start`.
    static func end(of start: Int, in buffer: UnsafeRawBufferPointer, depth: Int) throws(DTMIError) -> Int {
        guard depth < maximumDepth else { throw DTMIError(.nestingTooDeep, at: start) }
        guard start >= 0 && start < buffer.count else { throw DTMIError(.truncated, at: start) }
        guard let type = DTMIType(rawValue: buffer[start]) else {
            throw DTMIError(.unknownType(buffer[start]), at: start)
        }
        switch type {
        case .int, .double:
            guard start + 9 <= buffer.count else { throw DTMIError(.truncated, at: start) }
            return start + 9
        case .null:
            return start + 1
        case .string:
            guard let length = BigEndian.uint32(buffer, at: start + 1) else { throw DTMIError(.truncated, at: start) }
            let end = start + 5 + Int(length)
            guard end <= buffer.count else { throw DTMIError(.truncated, at: start) }
            return end
        case .object, .container:
            var position = start + 1
            while true {
                guard let nameLength = BigEndian.uint16(buffer, at: position) else {
                    throw DTMIError(.truncated, at: position)
                }
                if nameLength == 0 {
                    try checkEndMarker(at: position, in: buffer)
                    return position + 3
                }
                let valueStart = position + 2 + Int(nameLength)
                guard valueStart < buffer.count else { throw DTMIError(.truncated, at: position) }
                position = try end(of: valueStart, in: buffer, depth: depth + 1)
            }
        case .array:
            var position = start + 1
            while true {
                guard let marker = BigEndian.uint16(buffer, at: position) else {
                    throw DTMIError(.truncated, at: position)
                }
                if marker == 0 {
                    try checkEndMarker(at: position, in: buffer)
                    return position + 3
                }
                position = try end(of: position, in: buffer, depth: depth + 1)
            }
        }
    }
}

@inline(__always)
func memoryEqual(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
    guard lhs.count == rhs.count else { return false }
    for index in 0..<lhs.count where lhs[index] != rhs[index] { return false }
    return true
}
