import CZeroMQ
import Foundation

/// Waits on several sockets (and plain file descriptors) at once with `zmq_poll`.
public struct Poller {
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Adds a socket; its index is the position it was added at.
    public mutating func add(_ socket: ZMQSocket) {
        items.append(zmq_pollitem_t(socket: socket.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0))
    }

    /// Adds a file descriptor that becomes readable (a ``Mailbox``'s wake-up pipe).
    public mutating func add(fileDescriptor: Int32) {
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: Int16(ZMQ_POLLIN), revents: 0))
    }

    /// Waits up to `milliseconds` (-1: forever); returns the indices that are readable.
    public mutating func poll(milliseconds: Int) throws -> [Int] {
        let count = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), milliseconds) }
        if count < 0 {
            if zmq_errno() == EINTR { return [] }
            throw WireError.last("zmq_poll")
        }
        return items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
    }
}

/// A queue that any thread can post to and that a socket loop drains: a ZeroMQ socket belongs to
/// one thread, so other threads hand it their messages here. Posting writes a byte to a pipe that
/// the loop's ``Poller`` watches, so the loop wakes at once.
public final class Mailbox<Item: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Item] = []
    private let pipe: (read: Int32, write: Int32)

    public init() {
        var fds: [Int32] = [0, 0]
        if Foundation.pipe(&fds) != 0 { fatalError("pipe() failed: the process is out of file descriptors") }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        pipe = (fds[0], fds[1])
    }

    deinit {
        close(pipe.read)
        close(pipe.write)
    }

    /// The descriptor to add to a ``Poller``.
    public var fileDescriptor: Int32 { pipe.read }

    public func post(_ item: Item) {
        lock.lock()
        items.append(item)
        lock.unlock()
        var byte: UInt8 = 1
        _ = write(pipe.write, &byte, 1)  // a full pipe already means "wake up"
    }

    /// Everything posted so far, in order.
    public func drain() -> [Item] {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(pipe.read, &buffer, buffer.count) > 0 {}
        lock.lock()
        defer { lock.unlock() }
        let drained = items
        items.removeAll(keepingCapacity: true)
        return drained
    }
}
