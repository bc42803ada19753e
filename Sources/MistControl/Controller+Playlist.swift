import Foundation
import Logging
import MistCore
import MistData

/// The `playlist` call: edits the `.pls` file behind a playlist stream, as MistServer does.
/// `{"playlist": {"<stream>": command}}` where a command is `["append", file]`, `["remove",
/// file]` (blanks its lines), `["replace", old, new]`, `["line", n, file]`, `["clear"]`, a list
/// of commands, or `true` to only read; the answer lists each playlist's lines afterwards.
extension Controller {
    /// The most lines a playlist keeps, and the longest line taken.
    static let maximumPlaylistLines = 100_000
    static let maximumPlaylistLine = 4096

    func editPlaylists(_ request: JSONValue, storage: JSONValue, response: inout JSONValue, errors: inout [String]) {
        guard request.hasMember("playlist") else { return }
        guard let playlists = request["playlist"].objectValue else {
            errors.append("playlist takes an object of stream names and commands")
            return
        }
        var answers = JSONValue.emptyObject
        for (stream, command) in playlists {
            guard let source = storage["streams"][stream]["source"].stringValue else {
                logger.mist(.fail, "Playlist API call (partially) not executed: stream '\(stream)' not configured")
                continue
            }
            guard source.hasSuffix(".pls") else {
                logger.mist(
                    .fail, "Playlist API call (partially) not executed: stream '\(stream)' is not playlist-based")
                continue
            }
            var lines: [String] = []
            if FileManager.default.fileExists(atPath: source) {
                guard let data = FileManager.default.contents(atPath: source), data.count <= 64 << 20 else {
                    logger.mist(.fail, "Playlist (\(source)) for stream '\(stream)' could not be read")
                    continue
                }
                lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
                // The newline that ends the last line does not start another.
                if lines.last == "" { lines.removeLast() }
            } else {
                logger.mist(.warn, "Creating playlist file: \(source)")
            }
            if command.boolValue == nil { Self.runPlaylistCommand(command, on: &lines, logger: logger) }
            lines = Array(lines.prefix(Self.maximumPlaylistLines))
            let text = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
            guard FileManager.default.createFile(atPath: source, contents: Data(text.utf8)) else {
                logger.mist(.fail, "Could not open playlist for writing: \(source)")
                continue
            }
            answers[stream] = .array(lines.map { .string($0) })
        }
        response["playlist"] = answers
    }

    /// One playlist command (or a list of them) applied to `lines`; bad ones are logged.
    static func runPlaylistCommand(_ command: JSONValue, on lines: inout [String], logger: Logger, depth: Int = 0) {
        guard let parts = command.arrayValue, let first = parts.first, depth < 4 else {
            logger.mist(.fail, "Not a valid playlist API command: \(JSONWriter.compact(command))")
            return
        }
        if first.isArray {
            for each in parts.prefix(1000) { runPlaylistCommand(each, on: &lines, logger: logger, depth: depth + 1) }
            return
        }
        let texts = parts.dropFirst().compactMap(\.stringValue)
        guard texts.allSatisfy({ $0.utf8.count <= maximumPlaylistLine && !$0.contains("\n") }) else {
            logger.mist(.fail, "Not a valid playlist API command (a line too long or with a newline)")
            return
        }
        switch (first.stringValue ?? "", parts.count) {
        case ("append", 2) where parts[1].isString:
            if lines.count < maximumPlaylistLines { lines.append(parts[1].asString) }
        case ("clear", 1):
            lines.removeAll()
        case ("remove", 2) where parts[1].isString:
            for index in lines.indices where lines[index] == parts[1].asString { lines[index] = "" }
        case ("replace", 3) where parts[1].isString && parts[2].isString:
            for index in lines.indices where lines[index] == parts[1].asString { lines[index] = parts[2].asString }
        case ("line", 3) where parts[1].intValue != nil && parts[2].isString:
            guard let number = parts[1].intValue, number >= 0, number < Int64(lines.count) else {
                logger.mist(
                    .fail,
                    "Line number \(parts[1].intValue ?? -1) does not exist in playlist - cannot modify line")
                return
            }
            lines[Int(number)] = parts[2].asString
        default:
            logger.mist(.fail, "Not a valid playlist API command: \(JSONWriter.compact(command))")
        }
    }
}
