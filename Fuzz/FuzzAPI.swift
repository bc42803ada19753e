// libFuzzer target: an API request (URI, content type and body, separated by newlines) is read
// without trapping, and the protocol-list and stream-name rules cope with whatever it holds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAPI(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = bytes.split(separator: 10, maxSplits: 2, omittingEmptySubsequences: false)
    let uri = String(decoding: parts.first ?? [], as: UTF8.self)
    let type = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : nil
    let body = parts.count > 2 ? Array(parts[2]) : []
    let request = APIRequest(uri: uri, contentType: type, body: body)
    _ = request.callback
    guard case .object(let members) = request.command else { return 0 }
    var protocols: JSONValue = [["connector": "RTMP"]]
    var editor = ProtocolListEditor()
    for (name, value) in members {
        let sanitized = StreamName.sanitize(name)
        if StreamName.sanitize(sanitized) != sanitized { fatalError("sanitising is not stable for \(name)") }
        _ = StreamName.isValidConfigured(name)
        editor.add(value, to: &protocols)
        editor.update(value, in: &protocols)
        editor.delete(value, from: &protocols)
    }
    return 0
}
