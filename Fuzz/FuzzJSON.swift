// libFuzzer target: JSON parsing and printing never trap, and printing is stable: once a value
// has been printed and parsed back, printing it again gives the same text. (The first print of a
// string holding invalid UTF-8 is lossy by design, as MistServer's escaping of such bytes is.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    _ = JSONWriter.pretty(value)
    let first = JSONWriter.compact(value)
    guard let reparsed = try? JSONParser.parse(first) else { fatalError("printed JSON does not parse: \(first)") }
    let second = JSONWriter.compact(reparsed)
    guard let again = try? JSONParser.parse(second) else { fatalError("printed JSON does not parse: \(second)") }
    if JSONWriter.compact(again) != second { fatalError("printing is not stable: \(second)") }
    return 0
}
