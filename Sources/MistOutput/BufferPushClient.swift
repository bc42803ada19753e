import Logging
import MistCore
import MistNet
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// How an output that accepts a push reaches the stream's buffer input: over the stream's local
/// push socket, starting MistInBuffer first when none runs yet.
public enum BufferPushClient {
    public static func connect(stream: String, logger: Logger) throws -> TCPConnection {
        let name = StreamPageNames.pushSocket(stream)
        if let connection = try? LocalListener.connect(name: name) { return connection }
        signal(SIGCHLD, SIG_IGN)  // the buffer outlives this connection; let the system reap it
        let binary = ChildProcess.ownDirectory() + "MistInBuffer"
        let pid = try ChildProcess.spawn(binary, arguments: ["-s", stream])
        logger.mist(.info, "Started MistInBuffer (pid \(pid)) for \(stream)")
        var lastError: Error = NetworkError.timeout
        for _ in 0..<250 {
            do {
                return try LocalListener.connect(name: name)
            } catch {
                lastError = error
                usleepMilliseconds(20)
            }
        }
        throw lastError
    }
}
