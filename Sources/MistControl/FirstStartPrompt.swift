import MistCore
import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// MistServer's first-start questions on a terminal: create an account, enable the default
/// protocols. Answering `t` at the account question sets up a test server (account test:test,
/// default protocols, a `live` stream for pushes).
enum FirstStartPrompt {
    enum Outcome {
        case unchanged
        case changed
        case abort
    }

    static func run(_ configuration: inout ControllerConfig, connectors: [String: JSONValue]) -> Outcome {
        var changed = false
        if !configuration.hasAccount {
            answerLoop: while true {
                let question = "Account not set, do you want to create an account? (y)es, (n)o, (a)bort: "
                guard let answer = ask(question) else { return .unchanged }
                switch answer {
                case "y":
                    while !configuration.hasAccount {
                        guard
                            let pair = ask(
                                "Please type in the username, a colon and a password in the following format; username:password\n: "
                            )
                        else { return changed ? .changed : .unchanged }
                        if configuration.addAccount(pair) { changed = true }
                    }
                    break answerLoop
                case "t":
                    _ = configuration.addAccount("test:test")
                    if configuration.storage["config"]["protocols"].count == 0 {
                        var protocols: [JSONValue] = []
                        for var entry in Controller.defaultProtocols(connectors).arrayValue ?? [] {
                            entry["debug"] = 4
                            protocols.append(entry)
                        }
                        configuration.storage["config"]["protocols"] = .array(protocols)
                    }
                    configuration.storage["streams"]["live"] = ["name": "live", "source": "push://"]
                    changed = true
                    break answerLoop
                case "n": break answerLoop
                case "a": return .abort
                default: continue
                }
            }
        }
        if configuration.storage["config"]["protocols"].count == 0 && !connectors.isEmpty {
            while true {
                guard
                    let answer = ask(
                        "Protocols not set, do you want to enable default protocols? (y)es, (n)o, (a)bort: ")
                else { break }
                if answer == "y" {
                    configuration.storage["config"]["protocols"] = Controller.defaultProtocols(connectors)
                    changed = true
                    break
                }
                if answer == "n" { break }
                if answer == "a" { return .abort }
            }
        }
        return changed ? .changed : .unchanged
    }

    /// Prints `question` and reads one line; nil at end of input.
    private static func ask(_ question: String) -> String? {
        writeAll(question, to: 1)
        guard let line = readLine() else { return nil }
        let answer = line.trimmingCharacters()
        if answer.count > 1 && !answer.contains(":") { return String(answer.prefix(1)).lowercased() }
        return answer.contains(":") ? answer : answer.lowercased()
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\r" }.reversed())
    }
}
