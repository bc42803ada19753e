import Testing

@testable import MistMedia

func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count - 1, by: 2).compactMap { UInt8(String(digits[$0...($0 + 1)]), radix: 16) }
}

@Suite struct AMFTests {
    /// `_result`, 1, null, {code: "ok", level: 2}, written out by field.
    static let result = hex(
        """
        02 0007 5f726573756c74
        00 3ff0000000000000
        05
        03 0004 636f6465 02 0002 6f6b
           0005 6c6576656c 00 4000000000000000
           0000 09
        """)

    @Test func encodesAndDecodesCommandsByteForByte() throws {
        let values: [AMFValue] = [
            .string("_result"), .number(1), .null, .object([("code", .string("ok")), ("level", .number(2))]),
        ]
        #expect(AMF0.encode(values) == Self.result)
        #expect(try AMF0.decodeAll(Self.result) == values)
    }

    @Test func readsMetadataArraysAndAMF3Values() throws {
        let metadata: [AMFValue] = [
            .string("@setDataFrame"), .string("onMetaData"),
            .ecmaArray([("width", .number(640)), ("stereo", .bool(true)), ("list", .strictArray([.undefined]))]),
            .date(1000, -60),
        ]
        #expect(try AMF0.decodeAll(AMF0.encode(metadata)) == metadata)
        // 0x11 switches to AMF3: integer 300 (0x82 0x2C), a string, true.
        #expect(
            try AMF0.decodeAll(hex("11 04 822c 11 06 07 616263 11 03")) == [.number(300), .string("abc"), .bool(true)])
        #expect(try AMF0.decodeAll(hex("11 04 ffffffff")) == [.number(-1)])
    }

    @Test(arguments: [
        ("02 0005 6162", "truncated AMF0 data"), ("0a ffffffff", "truncated AMF0 strict array"),
        ("07", "invalid AMF0 type marker 7"), ("03 0000 05", "invalid AMF0 object member without a name"),
    ])
    func malformedInputIsAnError(bytes: String, expected: String) {
        #expect(throws: MediaError.self) { try AMF0.decodeAll(hex(bytes)) }
        do {
            _ = try AMF0.decodeAll(hex(bytes))
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func deepNestingIsRefused() {
        let nested = [UInt8](repeating: 0x0A, count: 1) + [0, 0, 0, 1]
        var bytes: [UInt8] = []
        for _ in 0..<200 { bytes += nested }
        #expect(throws: MediaError.tooDeep) { try AMF0.decodeAll(bytes) }
    }
}
