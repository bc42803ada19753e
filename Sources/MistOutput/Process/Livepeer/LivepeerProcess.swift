import Logging
import MistData

/// `MistProcLivepeer`: transcodes the source's video on the Livepeer network (or on any
/// broadcaster that answers as Livepeer's does) and adds the renditions to the sink stream.
enum LivepeerProcess {
    /// Runs the process entry `config` (with its `source`) until it ends or `stop()`.
    static func run(_ config: JSONValue, logger: Logger, stop: @escaping @Sendable () -> Bool) -> Int32 {
        let source = config["source"].asString
        guard !source.isEmpty else {
            logger.mist(.fail, "The process configuration names no source stream")
            return 1
        }
        guard !(config["target_profiles"].arrayValue ?? []).isEmpty else {
            logger.mist(.fail, "The Livepeer process for \(source) has no target_profiles")
            return 1
        }
        do {
            return try LivepeerTranscode(config: config, logger: logger).run(stop: stop)
        } catch {
            logger.mist(.fail, "Cannot transcode \(source) with Livepeer: \(error)")
            return 1
        }
    }
}
