#if canImport(Glibc)
    import Glibc
#endif

/// Starts `body` on a new detached thread (one per connection, as MistServer has one process per
/// connection).
public func startDetachedThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let started = pthread_create(
        &thread, nil,
        { argument in
            guard let argument else { return nil }
            let box = Unmanaged<AnyObject>.fromOpaque(argument).takeRetainedValue()
            (box as? Box)?.body()
            return nil
        }, box)
    if started == 0 {
        pthread_detach(thread)
    } else {
        Unmanaged<AnyObject>.fromOpaque(box).release()
    }
}

/// Sleeps the calling thread.
public func usleepMilliseconds(_ milliseconds: Int) {
    usleep(UInt32(clamping: milliseconds * 1000))
}
