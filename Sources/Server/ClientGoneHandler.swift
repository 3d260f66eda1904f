import Foundation
import NIOCore

/// Notes when the client of a connection goes away: it closed its side
/// (the server allows half-closure, so a FIN arrives as `inputClosed` and
/// the channel stays active) or the connection ended. One per connection,
/// after the HTTP codec; it passes every part and event on unchanged.
/// Long answers that write nothing until they are done (a non-streaming
/// completion) poll `clientGone` to stop work nobody will read.
final class ClientGoneHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    typealias InboundOut = NIOAny

    private let lock = NSLock()
    private var gone = false

    var clientGone: Bool { lock.withLock { gone } }

    private func markGone() { lock.withLock { gone = true } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { markGone() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        markGone()
        context.fireChannelInactive()
    }

    /// The connection's handler; nil on channels without one (in-process test channels).
    static func of(_ channel: any Channel) async -> ClientGoneHandler? {
        try? await channel.pipeline.handler(type: ClientGoneHandler.self).get()
    }
}
