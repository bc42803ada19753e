import Foundation

/// The bytes of a page captured from MistServer, in this test target's Fixtures folder.
enum FixtureFile {
    static func bytes(_ name: String) throws -> [UInt8] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        return Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }
}
