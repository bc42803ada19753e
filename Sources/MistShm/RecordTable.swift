import CShim

/// MistServer's self-describing record table (RelAccX) on shared memory: a 36-byte header, a list
/// of named, typed fields, then fixed-size records used as a ring.
///
/// Header (host byte order): status flags (1 ready, 2 exit, 4 reload), field list offset,
/// record count, record size, ring start, deleted count (64-bit), present count, record data
/// offset, end position (64-bit). Record `n` lives at slot `n % recordCount`.
///
/// Opening validates the field list and that every record fits the memory given, and caches the
/// geometry, so later accesses stay inside the page even if its header is overwritten.
public struct RecordTable: @unchecked Sendable {
    public static let headerSize = 36

    public let base: UnsafeMutableRawPointer
    /// Bytes of memory the table may use.
    public let capacity: Int
    public let recordCount: UInt32
    public let recordSize: UInt32
    public let dataOffset: Int
    public let fields: [String: RecordField]

    // MARK: Opening and creating

    /// Opens a table another process made ready. Throws if it is not ready or does not fit.
    public init(reading base: UnsafeMutableRawPointer, capacity: Int) throws(SharedMemoryError) {
        guard capacity >= RecordTable.headerSize else { throw .corrupt("record table smaller than its header") }
        let status = base.load(fromByteOffset: 0, as: UInt8.self)
        guard status & 1 != 0 else { throw .corrupt("record table not ready") }
        mist_fence_acquire()
        let fieldOffset = Int(base.load(fromByteOffset: 1, as: UInt8.self))
        let count = base.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        let size = base.loadUnaligned(fromByteOffset: 6, as: UInt32.self)
        let dataOffset = Int(base.loadUnaligned(fromByteOffset: 26, as: UInt16.self))
        guard fieldOffset >= 11, fieldOffset <= dataOffset, dataOffset <= capacity else {
            throw .corrupt("record table field list out of range")
        }
        // Even an empty table is addressed at slot 0, so at least one record must fit.
        guard UInt64(dataOffset) + UInt64(max(count, 1)) * UInt64(size) <= UInt64(capacity) else {
            throw .corrupt("record table records exceed their page")
        }
        var fields: [String: RecordField] = [:]
        var position = fieldOffset
        var recordOffset: UInt32 = 0
        while position < dataOffset {
            let sizeByte = base.load(fromByteOffset: position, as: UInt8.self)
            let nameLength = Int(sizeByte >> 3)
            let typeLength = Int(sizeByte & 7)
            guard typeLength >= 1, position + 1 + nameLength + typeLength <= dataOffset else {
                throw .corrupt("record table field entry at \(position)")
            }
            let nameBytes = UnsafeRawBufferPointer(start: base + position + 1, count: nameLength)
            let name = String(decoding: nameBytes, as: UTF8.self)
            let code = base.load(fromByteOffset: position + 1 + nameLength, as: UInt8.self)
            let sizeAt = position + 2 + nameLength
            let fieldSize: UInt32?
            switch typeLength {
            case 1: fieldSize = RecordFieldType.defaultSize(code: code)
            case 2: fieldSize = UInt32(base.load(fromByteOffset: sizeAt, as: UInt8.self))
            case 3: fieldSize = UInt32(base.loadUnaligned(fromByteOffset: sizeAt, as: UInt16.self))
            case 4:
                let bytes = UnsafeRawBufferPointer(start: base + sizeAt, count: 3)
                fieldSize = UInt32(bytes[0]) << 16 | UInt32(bytes[1]) << 8 | UInt32(bytes[2])
            case 5: fieldSize = base.loadUnaligned(fromByteOffset: sizeAt, as: UInt32.self)
            default: fieldSize = nil
            }
            guard let fieldSize, let type = RecordFieldType(code: code) else {
                throw .corrupt("record table field \(name) has an unknown type or size")
            }
            guard UInt64(recordOffset) + UInt64(fieldSize) <= UInt64(size) else {
                throw .corrupt("record table field \(name) exceeds the record size")
            }
            fields[name] = RecordField(name: name, type: type, size: fieldSize, offset: recordOffset)
            recordOffset += fieldSize
            position += 1 + nameLength + typeLength
        }
        self.base = base
        self.capacity = capacity
        self.recordCount = count
        self.recordSize = size
        self.dataOffset = dataOffset
        self.fields = fields
    }

    /// Writes a new table's header and field list into zeroed memory. The table is not ready until
    /// `setReady()`; it holds `recordCount` slots.
    public init(
        creating base: UnsafeMutableRawPointer, capacity: Int,
        fields definitions: [(name: String, type: RecordFieldType, size: UInt32?)], recordCount: UInt32
    ) throws(SharedMemoryError) {
        var position = RecordTable.headerSize
        var recordSize: UInt32 = 0
        var fields: [String: RecordField] = [:]
        var entries: [UInt8] = []
        for definition in definitions {
            let nameBytes = Array(definition.name.utf8)
            guard !nameBytes.isEmpty, nameBytes.count < 32 else { throw .noSuchField(definition.name) }
            let size = definition.size ?? RecordFieldType.defaultSize(code: definition.type.code(size: 1).code) ?? 0
            guard size > 0 else { throw .noSuchField(definition.name) }
            let (code, isDefault) = definition.type.code(size: size)
            let typeLength: UInt8 = isDefault ? 1 : size < 0x100 ? 2 : size < 0x10000 ? 3 : 5
            entries.append(UInt8(nameBytes.count) << 3 | typeLength)
            entries.append(contentsOf: nameBytes)
            entries.append(code)
            switch typeLength {
            case 2: entries.append(UInt8(size))
            case 3: withUnsafeBytes(of: UInt16(size).littleEndian) { entries.append(contentsOf: $0) }
            case 5: withUnsafeBytes(of: size.littleEndian) { entries.append(contentsOf: $0) }
            default: break
            }
            fields[definition.name] = RecordField(
                name: definition.name, type: definition.type, size: size, offset: recordSize)
            recordSize += size
        }
        position += entries.count
        guard position <= Int(UInt16.max),
            UInt64(position) + UInt64(recordCount) * UInt64(recordSize) <= UInt64(capacity)
        else { throw .corrupt("record table does not fit its memory") }
        UnsafeMutableRawBufferPointer(start: base + RecordTable.headerSize, count: entries.count).copyBytes(
            from: entries)
        base.storeBytes(of: 0, toByteOffset: 0, as: UInt8.self)
        base.storeBytes(of: UInt8(RecordTable.headerSize), toByteOffset: 1, as: UInt8.self)
        base.storeBytes(of: recordCount, toByteOffset: 2, as: UInt32.self)
        base.storeBytes(of: recordSize, toByteOffset: 6, as: UInt32.self)
        base.storeBytes(of: UInt16(position), toByteOffset: 26, as: UInt16.self)
        self.base = base
        self.capacity = capacity
        self.recordCount = recordCount
        self.recordSize = recordSize
        self.dataOffset = position
        self.fields = fields
    }

    /// Bytes a table with these fields and `recordCount` records needs.
    public static func requiredSize(
        fields definitions: [(name: String, type: RecordFieldType, size: UInt32?)], recordCount: UInt32
    ) -> Int {
        var size = headerSize
        var recordSize = 0
        for definition in definitions {
            let fieldSize =
                definition.size ?? RecordFieldType.defaultSize(code: definition.type.code(size: 1).code) ?? 0
            let isDefault = definition.type.code(size: fieldSize).sizeIsDefault
            size +=
                1 + definition.name.utf8.count + (isDefault ? 1 : fieldSize < 0x100 ? 2 : fieldSize < 0x10000 ? 3 : 5)
            recordSize += Int(fieldSize)
        }
        return size + recordSize * Int(recordCount)
    }

    // MARK: Header

    private var status: UInt8 { base.load(fromByteOffset: 0, as: UInt8.self) }
    public var isReady: Bool { status & 1 != 0 }
    public var isExit: Bool { status & 2 != 0 }
    public var isReload: Bool { status & 4 != 0 }

    public func setReady() {
        mist_fence_release()
        base.storeBytes(of: status | 1, toByteOffset: 0, as: UInt8.self)
    }
    public func setExit() { base.storeBytes(of: status | 2, toByteOffset: 0, as: UInt8.self) }
    public func setReload() { base.storeBytes(of: status | 4, toByteOffset: 0, as: UInt8.self) }

    /// First record number still present (records before it were deleted).
    public var deleted: UInt64 {
        get { base.loadUnaligned(fromByteOffset: 14, as: UInt64.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 14, as: UInt64.self) }
    }
    /// One past the last record number written.
    public var endPosition: UInt64 {
        get {
            let value = base.loadUnaligned(fromByteOffset: 28, as: UInt64.self)
            mist_fence_acquire()
            return value
        }
        nonmutating set {
            mist_fence_release()
            base.storeBytes(of: newValue, toByteOffset: 28, as: UInt64.self)
        }
    }
    public var present: UInt32 {
        get { base.loadUnaligned(fromByteOffset: 22, as: UInt32.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 22, as: UInt32.self) }
    }
    public var startPosition: UInt32 {
        get { base.loadUnaligned(fromByteOffset: 10, as: UInt32.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 10, as: UInt32.self) }
    }

    /// The record numbers present, bounded by the ring's size so a corrupt header cannot make a
    /// reader loop forever or trap.
    public var presentRange: Range<UInt64> {
        let end = endPosition
        let oldestPossible = end - min(end, UInt64(recordCount))
        let start = max(deleted, oldestPossible)
        return start < end ? start..<end : end..<end
    }

    /// Whether record `number` is written and not yet deleted.
    public func isAvailable(_ number: UInt64) -> Bool { number >= deleted && number < endPosition }

    /// Makes `amount` more records visible (after their fields were written).
    public func addRecords(_ amount: UInt32) {
        present = present &+ amount
        endPosition = endPosition &+ UInt64(amount)
    }

    /// Drops the `amount` oldest records.
    public func deleteRecords(_ amount: UInt32) {
        startPosition = startPosition &+ amount
        deleted = deleted &+ UInt64(amount)
        present = present >= amount ? present - amount : 0
    }

    // MARK: Fields

    public func field(_ name: String) throws(SharedMemoryError) -> RecordField {
        guard let field = fields[name] else { throw .noSuchField(name) }
        return field
    }

    /// Where `field` of record `number` lives (always inside the table's memory).
    public func pointer(_ field: RecordField, _ number: UInt64) -> UnsafeMutableRawPointer {
        let slot = recordCount == 0 ? 0 : number % UInt64(recordCount)
        return base + dataOffset + Int(slot) * Int(recordSize) + Int(field.offset)
    }

    /// An integer field, sign-extended for signed fields; 0 for other types.
    public func int(_ field: RecordField, _ number: UInt64) -> UInt64 {
        let at = pointer(field, number)
        switch (field.type, field.size) {
        case (.unsigned, 1): return UInt64(at.load(as: UInt8.self))
        case (.unsigned, 2): return UInt64(at.loadUnaligned(as: UInt16.self))
        case (.unsigned, 4): return UInt64(at.loadUnaligned(as: UInt32.self))
        case (.unsigned, 8): return at.loadUnaligned(as: UInt64.self)
        case (.signed, 1): return UInt64(bitPattern: Int64(at.load(as: Int8.self)))
        case (.signed, 2): return UInt64(bitPattern: Int64(at.loadUnaligned(as: Int16.self)))
        case (.signed, 4): return UInt64(bitPattern: Int64(at.loadUnaligned(as: Int32.self)))
        case (.signed, 8): return at.loadUnaligned(as: UInt64.self)
        case (.unsigned, 3), (.signed, 3):
            let bytes = UnsafeRawBufferPointer(start: at, count: 3)
            return UInt64(bytes[0]) << 16 | UInt64(bytes[1]) << 8 | UInt64(bytes[2])
        default: return 0
        }
    }

    public func setInt(_ field: RecordField, _ number: UInt64, _ value: UInt64) {
        let at = pointer(field, number)
        switch field.size {
        case 1: at.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
        case 2: at.storeBytes(of: UInt16(truncatingIfNeeded: value), as: UInt16.self)
        case 3:
            at.storeBytes(of: UInt8(truncatingIfNeeded: value >> 16), as: UInt8.self)
            at.storeBytes(of: UInt8(truncatingIfNeeded: value >> 8), toByteOffset: 1, as: UInt8.self)
            at.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: 2, as: UInt8.self)
        case 4: at.storeBytes(of: UInt32(truncatingIfNeeded: value), as: UInt32.self)
        case 8: at.storeBytes(of: value, as: UInt64.self)
        default: break
        }
    }

    /// A string field up to its terminating zero (or its full size).
    public func string(_ field: RecordField, _ number: UInt64) -> String {
        let bytes = UnsafeRawBufferPointer(start: pointer(field, number), count: Int(field.size))
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }

    /// Stores a string (zero-terminated, cut to fit) or raw bytes.
    public func setBytes<C: Collection>(_ field: RecordField, _ number: UInt64, _ value: C) where C.Element == UInt8 {
        let bytes = UnsafeMutableRawBufferPointer(start: pointer(field, number), count: Int(field.size))
        let limit = field.type == .string ? max(0, bytes.count - 1) : bytes.count
        var index = 0
        for byte in value.prefix(limit) {
            bytes[index] = byte
            index += 1
        }
        if field.type == .string && index < bytes.count { bytes[index] = 0 }
    }

    /// The nested table stored in `field` of record `number`.
    public func nested(_ field: RecordField, _ number: UInt64 = 0) throws(SharedMemoryError) -> RecordTable {
        try RecordTable(reading: pointer(field, number), capacity: Int(field.size))
    }
}
