// libFuzzer target: any text as a JSON Web Token (a viewer's `?jwt=`, cookie or bearer) is
// read and checked against HMAC, RSA and EC keys without trapping; only a token a key signed
// passes. The RSA and EC keys are those of Tests/MistControlTests/Fixtures/jwt-asymmetric.json.
let fuzzKeys: [JSONValue] = [
    [["kty": "oct", "kid": "k1", "k": "c2VjcmV0"], ["stream": ["movie"]]],
    [
        [
            "kty": "RSA",
            "n":
                "qX0q_ANYuZTYG3MfjxAGHh2e8K5wOo67Q6dld3Aczq6QFtLGlqbvMTmkA1mXgjxxK4iwpj3pBVO1Yh3ZxGjsaP5tIEHI6klkkHKJ3MGcooyvr69jTcbbBme83Zg4w-qshSfamnwbm_JSdgoVBdmkac37gF4A-AEkXLi202t6BIZVn8MCNJRhYRO6-M9dRHD5IFlMLEYxO86meMS_R1LvGOmz-HhKZW5JxIW502g72aDxD7855F_ZbAi5AD_eJuJOBIxQapfui-2hyIhhIuGN1LoOXg7eC0CxDUkPIEDuTpwLDWWmaILnANR28EAKk9P_9p-UBEonBk8c374ETRsBwQ",
            "e": "AQAB",
        ], ["stream": ["movie"]],
    ],
    [
        [
            "kty": "EC", "crv": "P-256", "x": "TR0FlrQyjrDTgME0aObV8iMYnLy696ikLg47vhEWmPo",
            "y": "nPybWLrJkKOGhJOA2iYuc8y7lizmRbcSqV-Cg3zZg5g",
        ], .emptyObject,
    ],
]

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
