import Foundation
import MistData
import Testing

/// The shape of a trigger payload, compared line by line with MistServer's captured payloads
/// (`MistControlTests/Fixtures/triggers/<TRIGGER>.<n>.txt`): the same number of lines, and on
/// each line the same kind of value (number, JSON, session id, text or URL). A line the capture
/// left empty takes anything (MistServer leaves the address empty where its socket is closed).
enum TriggerShape {
    static let captures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MistControlTests/Fixtures/triggers")

    enum Kind: String {
        case empty, number, json, sessionID, url, text
    }

    static func kind(_ line: String) -> Kind {
        if line.isEmpty { return .empty }
        if Int64(line) != nil || UInt64(line) != nil { return .number }
        if (line.hasPrefix("{") || line.hasPrefix("[")) && (try? JSONParser.parse(Array(line.utf8))) != nil {
            return .json
        }
        if line.count == 64 && line.allSatisfy(\.isHexDigit) { return .sessionID }
        if line.contains("://") { return .url }
        return .text
    }

    /// The captures of `trigger`, as lines.
    static func captured(_ trigger: String) -> [[String]] {
        (1...9).compactMap { index in
            let file = captures.appendingPathComponent("\(trigger).\(index).txt")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
            return text.components(separatedBy: "\n")
        }
    }

    /// Nil when `lines` has the shape of one of the captures of `trigger` (or of `also`, shapes
    /// MistServer's code sends that no capture shows); else what differs from each.
    static func mismatch(_ trigger: String, _ lines: [String], also: [[Kind]] = []) -> String? {
        let captures = captured(trigger)
        guard !captures.isEmpty else { return "no capture of \(trigger)" }
        let kinds = lines.map(kind)
        if also.contains(kinds) { return nil }
        var reasons: [String] = []
        for capture in captures {
            guard capture.count == lines.count else {
                reasons.append("\(capture.count) lines captured, \(lines.count) sent")
                continue
            }
            let wrong = zip(capture, kinds).enumerated().filter { _, pair in
                let expected = kind(pair.0)
                // A target captured as a file path may be a URL here, and the other way round.
                let bothTargets = [.text, .url].contains(expected) && [.text, .url].contains(pair.1)
                return expected != .empty && expected != pair.1 && !bothTargets
            }
            if wrong.isEmpty { return nil }
            reasons.append(
                wrong.map { index, pair in
                    "line \(index + 1): \(kind(pair.0).rawValue) captured, \(pair.1.rawValue) sent"
                }
                .joined(separator: "; "))
        }
        return "\(trigger) \(lines): " + reasons.joined(separator: " | ")
    }

    /// Expects every recorded call of each of `triggers` to have a captured shape (and at least
    /// one call of each).
    static func expectCapturedShapes(
        _ recorder: TriggerRecorder, _ triggers: [String], also: [String: [[Kind]]] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for trigger in triggers {
            let calls = recorder.calls(trigger)
            #expect(!calls.isEmpty, "no \(trigger) call", sourceLocation: sourceLocation)
            for call in calls {
                let problem = mismatch(trigger, call.lines, also: also[trigger] ?? [])
                #expect(problem == nil, "\(problem ?? "")", sourceLocation: sourceLocation)
            }
        }
    }
}
