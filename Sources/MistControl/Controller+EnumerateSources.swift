import MistCore
import MistData

extension Controller {
    /// `enumerate_sources`: the sources an input can list for a prefix it declares
    /// (`enum_static_prefix` in its capabilities, as MistServer's V4L2 input has `v4l2:`),
    /// from `MistIn<name> --enumerate <prefix...>`; null when no input lists them. Run outside
    /// the configuration lock: it starts a process.
    func enumerateSources(_ request: JSONValue) -> JSONValue {
        guard let asked = request.stringValue else { return .null }
        for (name, input) in discovery.inputs.sorted(by: { $0.key < $1.key }) {
            guard let prefix = input["enum_static_prefix"].stringValue, !prefix.isEmpty, asked.hasPrefix(prefix) else {
                continue
            }
            let path = ChildProcess.ownDirectory() + "MistIn" + name
            guard let result = try? ChildProcess.run(path, arguments: ["--enumerate", asked], outputLimit: 1 << 20)
            else { return .null }
            return (try? JSONParser.parse(result.output)) ?? .null
        }
        return .null
    }
}
