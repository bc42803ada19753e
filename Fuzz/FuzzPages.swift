// libFuzzer target: the shared-memory page readers never trap on arbitrary page contents. The
// input fills a fake page; MistServer's record table reader, the metadata and track table
// readers and every field accessor run over it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPages(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
    defer { memory.deallocate() }
    memory.copyMemory(from: data, byteCount: size)
    memory.storeBytes(of: data[0] | 1, as: UInt8.self)  // mostly "ready", so the field list is read
    guard let table = try? RecordTable(reading: memory, capacity: size) else { return 0 }
    var sum: UInt64 = 0
    for field in table.fields.values {
        for record in [0, 1, table.deleted, table.endPosition, UInt64.max] {
            sum &+= table.int(field, record)
            sum &+= UInt64(table.string(field, record).utf8.count)
            if field.type == .nested, let nested = try? table.nested(field, record) {
                sum &+= UInt64(nested.fields.count)
            }
        }
    }
    _ = try? StreamTables(stream: table)
    _ = try? TrackTables(track: table)
    withExtendedLifetime(sum) {}
    return 0
}
