import Logging
import MistCore
import MistTLS
import NIOCore

/// TLS at the head of a channel's pipeline: ciphertext from the socket in, plaintext to the
/// protocol's handlers; their plaintext out, ciphertext to the socket. Everything after it is
/// the same pipeline as without TLS, so HTTPS is MistOutHTTP's handlers and RTMPS is RTMP's.
/// With a client engine it starts the handshake itself once the channel is active.
///
/// Encryption happens as a buffer is written, so write order, promises (used as barriers
/// before a close) and the channel's writability all hold as they do in plain text.
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// TLS's largest record payload.
    static let recordSize = 16 * 1024
    /// A peer that has not finished its handshake by then is dropped.
    static let handshakeSeconds: Int64 = 10

    private let engine: TLSEngine
    private let logger: Logger
    private var peer = "unknown"
    /// Plaintext written and not yet encrypted: encrypted together at the next flush (once the
    /// handshake is done), as one record where it fits, since each record has a fixed cost.
    private var waiting: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    /// A flush came before the handshake finished.
    private var flushWanted = false
    private var deadline: Scheduled<Void>?
    private var failed = false

    public init(engine: TLSEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    public func channelActive(context: ChannelHandlerContext) {
        startClientHandshake(context: context)
        context.fireChannelActive()
    }

    /// A client speaks first: its hello goes out as soon as the connection is up.
    private func startClientHandshake(context: ChannelHandlerContext) {
        guard !engine.isServer, !engine.isEstablished, context.channel.isActive else { return }
        do {
            _ = try engine.handshake()
            sendOutput(context: context, promise: nil)
        } catch {
            fail(context: context, error)
        }
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        peer = ChannelConnection.describe(context.channel.remoteAddress)
        startClientHandshake(context: context)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: .seconds(Self.handshakeSeconds)) { [weak self] in
            guard let self, !self.engine.isEstablished else { return }
            self.logger.mist(.medium, "TLS peer \(self.peer) did not finish its handshake in time")
            loopBound.value.close(promise: nil)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        for (_, promise) in waiting { promise?.fail(ChannelError.ioOnClosedChannel) }
        waiting.removeAll()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let ciphertext = unwrapInboundIn(data)
        ciphertext.withUnsafeReadableBytes { engine.receive($0) }
        do {
            if !engine.isEstablished {
                let done = try engine.handshake()
                sendOutput(context: context, promise: nil)
                guard done else { return }
                deadline?.cancel()
                logger.mist(
                    .veryHigh,
                    "TLS with \(peer) established (\(engine.requestedServerName ?? "no SNI"), \(engine.negotiatedProtocol ?? "no ALPN"))"
                )
                if flushWanted && !waiting.isEmpty {
                    encryptWaiting(context: context)
                    context.flush()
                }
            }
            try readPlaintext(context: context)
        } catch {
            fail(context: context, error)
        }
    }

    private func readPlaintext(context: ChannelHandlerContext) throws {
        while true {
            var plaintext = context.channel.allocator.buffer(capacity: 16 * 1024)
            var result = TLSEngine.ReadResult.needMore
            try plaintext.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 * 1024) { space in
                result = try engine.read(into: space)
                if case .bytes(let count) = result { return count }
                return 0
            }
            switch result {
            case .bytes: context.fireChannelRead(wrapInboundOut(plaintext))
            case .needMore:
                // Reading may have made something to send (a key update, session tickets).
                if engine.pendingOutput > 0 {
                    sendOutput(context: context, promise: nil)
                    context.flush()
                }
                return
            case .closed:
                logger.mist(.veryHigh, "TLS peer \(peer) sent close_notify")
                sendOutput(context: context, promise: nil)
                context.close(promise: nil)
                return
            }
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !failed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        waiting.append((unwrapOutboundIn(data), promise))
    }

    public func flush(context: ChannelHandlerContext) {
        guard engine.isEstablished else {
            flushWanted = true
            return
        }
        encryptWaiting(context: context)
        context.flush()
    }

    /// Encrypts every waiting buffer in one go; their promises complete with the ciphertext's write.
    private func encryptWaiting(context: ChannelHandlerContext) {
        guard !waiting.isEmpty, !failed else { return }
        let queued = waiting
        waiting.removeAll(keepingCapacity: true)
        flushWanted = false
        let promises = queued.compactMap(\.1)
        var promise: EventLoopPromise<Void>?
        if promises.count == 1 {
            promise = promises[0]
        } else if promises.count > 1 {
            let combined = context.eventLoop.makePromise(of: Void.self)
            for each in promises { combined.futureResult.cascade(to: each) }
            promise = combined
        }
        do {
            var plaintext: ByteBuffer
            if queued.count == 1 {
                plaintext = queued[0].0
            } else {
                plaintext = context.channel.allocator.buffer(capacity: queued.reduce(0) { $0 + $1.0.readableBytes })
                for (buffer, _) in queued { plaintext.writeImmutableBuffer(buffer) }
            }
            // A record at a time, each taken out of the engine at once: its memory BIO then never
            // holds (and keeps the capacity of) more than one record, however large the write.
            let total = plaintext.readableBytes
            var ciphertext = context.channel.allocator.buffer(capacity: total + (total / Self.recordSize + 1) * 64)
            while plaintext.readableBytes > 0 {
                let slice = plaintext.readSlice(length: min(Self.recordSize, plaintext.readableBytes))!
                try slice.withUnsafeReadableBytes { try engine.write($0) }
                let count = engine.pendingOutput
                ciphertext.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { engine.takeOutput(into: $0) }
            }
            context.write(wrapOutboundOut(ciphertext), promise: promise)
        } catch {
            promise?.fail(error)
            fail(context: context, error)
        }
    }

    /// Writes what the engine has for the peer (an empty buffer when nothing, so promises still
    /// complete in order).
    private func sendOutput(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let count = engine.pendingOutput
        var ciphertext = context.channel.allocator.buffer(capacity: count)
        if count > 0 {
            ciphertext.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { engine.takeOutput(into: $0) }
        }
        if count > 0 || promise != nil {
            context.write(wrapOutboundOut(ciphertext), promise: promise)
        }
        if count > 0 && !engine.isEstablished { context.flush() }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all && engine.isEstablished && !failed {
            encryptWaiting(context: context)
            engine.close()
            sendOutput(context: context, promise: nil)
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        guard !failed else { return }
        failed = true
        logger.mist(.medium, "TLS with \(peer) failed: \(error)")
        // An alert, if OpenSSL made one, then the close.
        sendOutput(context: context, promise: nil)
        context.flush()
        context.close(promise: nil)
    }
}
