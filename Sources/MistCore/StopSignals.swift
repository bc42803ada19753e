#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM taken synchronously: blocked for every thread (call before starting any),
/// then polled or waited for, so a process always gets to clean up (remove its pages, close its
/// children) instead of dying mid-write.
public struct StopSignals: Sendable {
    private let set: sigset_t

    /// Blocks SIGINT and SIGTERM (and SIGUSR1 when `reload`, which `wait` then also returns;
    /// SIGHUP when `hangup`, a stop like the others) for the calling thread and the threads it
    /// starts; ignores SIGPIPE so a closed peer shows up as a write error instead.
    public static func block(reload: Bool = false, hangup: Bool = false) -> StopSignals {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        if reload { sigaddset(&set, SIGUSR1) }
        if hangup { sigaddset(&set, SIGHUP) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
        return StopSignals(set: set)
    }

    /// Whether a stop signal has arrived (it stays pending).
    public var arePending: Bool {
        var pending = sigset_t()
        var own = set
        sigpending(&pending)
        return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1
            || (sigismember(&own, SIGHUP) == 1 && sigismember(&pending, SIGHUP) == 1)
    }

    /// Waits for a stop signal (or SIGUSR1, when blocked for reloads) and returns its number.
    public func wait() -> Int32 {
        var set = self.set
        var received: Int32 = 0
        sigwait(&set, &received)
        return received
    }
}
