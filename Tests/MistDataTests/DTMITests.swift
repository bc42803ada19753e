import Testing

@testable import MistData

/// DTMI fixtures written out by hand from the format: type marker, big-endian payload;
/// objects as (16-bit name length, name, value) closed by 00 00 EE.
@Suite struct DTMITests {
    static let object: [UInt8] =
        hex("E0")  // object
        + hex("0003") + ascii("int") + hex("01 FFFFFFFFFFFFFFFE")  // int: -2
        + hex("0003") + ascii("str") + hex("02 00000005") + ascii("hello")  // string
        + hex("0004") + ascii("null") + hex("03")  // null
        + hex("0003") + ascii("dbl") + hex("04 3FF8000000000000")  // double: 1.5
        + hex("0003") + ascii("arr") + hex("0A 01 0000000000000001 02 00000000 0000EE")  // [1, ""]
        + hex("0003") + ascii("bin") + hex("02 00000003 00FF80")  // string that is not UTF-8
        + hex("0003") + ascii("obj") + hex("E0 0001") + ascii("k") + hex("03 0000EE")  // nested object
        + hex("0000EE")

    @Test func decodesHandWrittenObject() throws {
        let value = try Self.object.withUnsafeBytes { try DTMIScan(buffer: $0).decode() }
        #expect(value["int"] == .int(-2))
        #expect(value["str"] == .string("hello"))
        #expect(value.hasMember("null") && value["null"].isNull)
        #expect(value["dbl"] == .double(1.5))
        #expect(value["arr"] == [1, ""])
        #expect(value["bin"] == .bytes([0x00, 0xFF, 0x80]))
        #expect(value["obj"] == ["k": nil])
        #expect(value.objectValue?.keys == ["int", "str", "null", "dbl", "arr", "bin", "obj"])
    }

    @Test func roundTripIsByteIdentical() throws {
        let value = try Self.object.withUnsafeBytes { try DTMIScan(buffer: $0).decode() }
        #expect(try DTMIEncoder.encode(value) == Self.object)
        #expect(DTMIEncoder.encodedSize(value) == Self.object.count)
    }

    @Test func scansMembersInPlace() throws {
        try Self.object.withUnsafeBytes { buffer throws in
            let scan = DTMIScan(buffer: buffer)
            #expect(try scan.member("dbl")?.doubleValue == 1.5)
            #expect(try scan.member("int")?.intValue == -2)
            let text = try #require(try scan.member("str")?.stringBytes)
            #expect(Array(text) == ascii("hello"))
            // The slice points into the original buffer: no copy was made.
            #expect(text.baseAddress == buffer.baseAddress.map { $0 + 25 })
            #expect(try scan.member("absent") == nil)
            #expect(try scan.endOffset() == buffer.count)
        }
    }

    @Test func boolsEncodeAsIntegersAndEmptyNamesAreSkipped() throws {
        let encoded = try DTMIEncoder.encode(["": 1, "b": true])
        #expect(encoded == hex("E0 0001") + ascii("b") + hex("01 0000000000000001 0000EE"))
    }

    @Test func containerMarkerReadsAsObject() throws {
        let bytes = hex("FF 0001") + ascii("a") + hex("03 0000EE")
        let value = try bytes.withUnsafeBytes { try DTMIScan(buffer: $0).decode() }
        #expect(value == ["a": nil])
    }

    @Test(arguments: [
        (hex("01 0000"), DTMIError(.truncated, at: 0)),
        (hex("02 00000010 41"), DTMIError(.truncated, at: 0)),
        (hex("07"), DTMIError(.unknownType(7), at: 0)),
        (hex("E0 0001 61 03 0000FF"), DTMIError(.badEndMarker, at: 5)),
        (hex("E0 0005 61"), DTMIError(.truncated, at: 1)),
        (hex("0A 01 00"), DTMIError(.truncated, at: 1)),
        (hex("E0 0001 61 09 0000EE"), DTMIError(.unknownType(9), at: 4)),
        ([], DTMIError(.truncated, at: 0)),
    ])
    func rejectsMalformedBytes(bytes: [UInt8], expected: DTMIError) {
        #expect(throws: expected) { try bytes.withUnsafeBytes { try DTMIScan(buffer: $0).decode() } }
        #expect(throws: DTMIError.self) { try bytes.withUnsafeBytes { try DTMIScan(buffer: $0).endOffset() } }
    }

    @Test func deepNestingIsRejectedNotCrashed() {
        let bytes = [UInt8](repeating: 0x0A, count: 100_000)
        #expect(throws: DTMIError(.nestingTooDeep, at: DTMIScan.maximumDepth)) {
            try bytes.withUnsafeBytes { try DTMIScan(buffer: $0).decode() }
        }
    }
}
