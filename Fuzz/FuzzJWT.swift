// libFuzzer target: any text as a JSON Web Token (a viewer's `?jwt=`, cookie or bearer) is
// read and checked against a key without trapping; only a token the key signed passes.
let fuzzKeys: [JSONValue] = [[["kty": "oct", "kid": "k1", "k": "c2VjcmV0"], ["stream": ["movie"]]]]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWT(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = JSONWebToken.looksLikeToken(text)
    guard let token = try? JSONWebToken(text) else { return 0 }
    if let permissions = try? token.verify(keys: fuzzKeys, now: 1_800_000_000) {
        // A random input that carries a valid HMAC would be a broken check.
        if !text.hasPrefix("eyJ") { fatalError("a token passed without a real header: \(text)") }
        _ = JSONWebToken.permits(permissions, "output", stream: "movie")
    }
    return 0
}
