import Foundation
import MistData
import Testing

@testable import MistControl

@Suite struct ControllerConfigTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mistserver-config.json").path

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// MistServer's saved configuration loads, and saving it again loses nothing.
    @Test func mistServerConfigRoundTrips() throws {
        let config = try ControllerConfig.load(Self.fixture)
        #expect(config.storage["config"]["controller"]["port"] == 14242)
        #expect(config.storage["streams"].objectValue?.keys.sorted() == ["live", "other", "vod"])
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("config.json").path
        try config.save(path)
        let again = try ControllerConfig.load(path)
        #expect(again.storage == config.storage)
        #expect(again.storage.objectValue?.keys == config.storage.objectValue?.keys)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["config.json"])
    }

    /// Passwords are stored as MistServer stores them: the fixture's admin account has password "secret".
    @Test func accountsStoreMistServersPasswordHash() throws {
        let fixture = try ControllerConfig.load(Self.fixture)
        var config = ControllerConfig()
        #expect(!config.hasAccount)
        let added = config.addAccount("admin:secret")
        #expect(added)
        #expect(config.hasAccount)
        #expect(config.storage["account"]["admin"] == fixture.storage["account"]["admin"])
        for malformed in ["nocolon", ":password", "user:"] {
            let accepted = config.addAccount(malformed)
            #expect(!accepted)
        }
        #expect(ControllerConfig.md5Hex("") == "d41d8cd98f00b204e9800998ecf8427e")
    }

    @Test func invalidOrUnwritableConfigurationIsAnError() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.json")
        try Data("[1, 2]".utf8).write(to: bad)
        #expect(throws: ControllerError.self) { try ControllerConfig.load(bad.path) }
        #expect(try ControllerConfig.load(folder.appendingPathComponent("missing.json").path).storage == .emptyObject)
        #expect(throws: ControllerError.self) {
            try ControllerConfig().save(folder.appendingPathComponent("no/such/folder/config.json").path)
        }
    }
}
