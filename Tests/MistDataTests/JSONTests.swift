import Foundation
import Testing

@testable import MistData

@Suite struct JSONTests {
    @Test func integersAndDoublesStayApart() throws {
        let value = try JSONParser.parse(#"{"i":25,"d":25.5,"e":1e3,"n":-7,"big":18446744073709551616}"#)
        #expect(value["i"] == .int(25))
        #expect(value["d"] == .double(25.5))
        #expect(value["e"] == .double(1000))
        #expect(value["n"] == .int(-7))
        #expect(value["big"] == .double(18_446_744_073_709_551_616))
        #expect(value["i"].isInt && value["d"].isDouble)
    }

    @Test func memberOrderIsKept() throws {
        let text = #"{"zeta":1,"alpha":[true,false,null],"mid":{"b":"x","a":"y"}}"#
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.keys == ["zeta", "alpha", "mid"])
        #expect(JSONWriter.compact(value) == text)
    }

    @Test func replacingAMemberKeepsItsPlace() {
        var value: JSONValue = ["a": 1, "b": 2, "c": 3]
        value["b"] = "two"
        value["d"] = 4
        value.removeMember("a")
        #expect(JSONWriter.compact(value) == #"{"b":"two","c":3,"d":4}"#)
    }

    @Test func missingMembersReadAsNull() {
        let value: JSONValue = ["streams": ["live": ["source": "push://"]]]
        #expect(value["streams"]["live"]["source"].stringValue == "push://")
        #expect(value["streams"]["other"]["source"].isNull)
        #expect(value["streams"][3].isNull)
        #expect(JSONValue.int(5)["x"].isNull)
    }

    @Test func prettyPrinting() throws {
        let value = try JSONParser.parse(#"{"a":[1,2],"b":{},"c":[]}"#)
        #expect(JSONWriter.pretty(value) == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": []\n}")
    }

    @Test func doublesPrintLikeMistServer() {
        #expect(JSONWriter.compact(.double(25)) == "25")
        #expect(JSONWriter.compact(.double(0.1)) == "0.1")
        #expect(JSONWriter.compact(.double(1.0 / 3.0)) == "0.3333333333333333")
        #expect(JSONWriter.compact(.double(1e21)) == "1e+21")
        #expect(JSONWriter.compact(.double(.infinity)) == "null")
    }

    @Test func stringEscapes() throws {
        let value = try JSONParser.parse(#""a\"b\\c\/d\n\t\r\b\f\u00e5\ud83d\ude00""#)
        #expect(value.stringValue == "a\"b\\c/d\n\t\r\u{8}\u{c}å😀")
        // MistServer escapes everything outside printable ASCII as UTF-16, upper-case hex.
        #expect(JSONWriter.compact(value) == #""a\"b\\c/d\n\t\r\b\f\u00E5\uD83D\uDE00""#)
        #expect(JSONWriter.compact(.string("\u{1}\u{7f}")) == #""\u0001\u007F""#)
    }

    @Test func binaryStringsEscapeBytewise() {
        let value = JSONValue.string(bytes: [0x01, 0xFF, 0x41, 0xC3])
        #expect(value == .bytes([0x01, 0xFF, 0x41, 0xC3]))
        #expect(JSONWriter.compact(value) == #""\u0001\u00FFA\u00C3""#)
        #expect(JSONValue.string(bytes: Array("ok".utf8)) == .string("ok"))
    }

    /// MistServer's own stream info answer: parsing and printing it again gives the same bytes,
    /// binary init data (with MistServer's escaping of it) included.
    @Test func mistServerStreamInfoRoundTrips() throws {
        let fixture = try FixtureFile.bytes("json_vod.js")
        let text = String(decoding: fixture, as: UTF8.self).trimmingCharacters(in: .newlines)
        let value = try JSONParser.parse(text)
        #expect(value["meta"]["tracks"]["video_H264_320x240_25fps_0"]["width"] == .int(320))
        #expect(JSONWriter.compact(value) == text)
    }

    @Test(arguments: [
        ("", JSONParseError(.unexpectedEnd, at: 0)),
        ("{", JSONParseError(.unexpectedEnd, at: 1)),
        ("[1,]", JSONParseError(.unexpectedByte(UInt8(ascii: "]")), at: 3)),
        (#"{"a" 1}"#, JSONParseError(.unexpectedByte(UInt8(ascii: "1")), at: 5)),
        ("01", JSONParseError(.trailingData, at: 1)),
        ("-", JSONParseError(.invalidNumber, at: 0)),
        ("1.", JSONParseError(.invalidNumber, at: 0)),
        ("tru", JSONParseError(.unexpectedEnd, at: 3)),
        ("nul!", JSONParseError(.unexpectedByte(UInt8(ascii: "!")), at: 3)),
        (#""\x""#, JSONParseError(.invalidEscape, at: 2)),
        (#""\u12G4""#, JSONParseError(.invalidUnicodeEscape, at: 5)),
        ("\"a\nb\"", JSONParseError(.controlCharacterInString, at: 2)),
        ("[1] x", JSONParseError(.trailingData, at: 4)),
        ("1e999", JSONParseError(.invalidNumber, at: 0)),
    ])
    func rejectsBadInputWithPosition(text: String, expected: JSONParseError) {
        #expect(throws: expected) { try JSONParser.parse(text) }
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try JSONParser.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\udc00""#) == .string("\u{FFFD}"))
        #expect(try JSONParser.parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
    }

    @Test func errorMessageNamesTheByte() {
        #expect(
            JSONParseError(.unexpectedByte(0x7D), at: 12).description
                == "JSON parse error: unexpected character '}' at byte 12")
    }

    @Test func deepNestingIsRejectedNotCrashed() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError(.nestingTooDeep, at: JSONParser.maximumDepth)) { try JSONParser.parse(text) }
    }

    @Test func lenientConversionsMatchMistServer() {
        #expect(JSONValue.string("42").asInt == 42)
        #expect(JSONValue.double(1e300).asInt == .max)
        #expect(JSONValue.double(.nan).asInt == 0)
        #expect(JSONValue.int(7).asString == "7")
        #expect(JSONValue.null.asString == "")
        #expect(JSONValue.bool(true).asInt == 1)
    }
}
