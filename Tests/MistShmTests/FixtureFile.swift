import Foundation

/// Reads a file from this test target's Fixtures folder.
enum FixtureFile {
    static func bytes(_ name: String) throws -> [UInt8] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        return Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }
}

/// Bytes from a hex string; spaces and line breaks are ignored, so fixtures can be laid out by field.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { $0.isHexDigit }
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// Bytes of an ASCII string, to spell out names inside hex fixtures.
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
