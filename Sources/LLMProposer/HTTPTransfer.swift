import CCurl
import Foundation
import Synchronization

/// A flag that stops the transfers in flight; libcurl's progress callback reads it several times a second.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }

    /// Sleeps for `seconds`, or less once the flag is set (a retry's backoff must not hold up a shutdown).
    func sleep(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while !isSet, case let left = deadline.timeIntervalSinceNow, left > 0 { Thread.sleep(forTimeInterval: min(left, 0.05)) }
    }
}

/// One blocking HTTP POST through libcurl's easy interface, on the calling thread: an overall
/// deadline, a bound on the response body, and cancellation. No thread or event loop of its own,
/// so waiting for a slow LLM costs no CPU.
enum HTTPTransfer {
    /// `curl_global_init` is not thread-safe: once per process, before the first handle.
    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// The response's status and body; throws `.transport` (including the deadline), `.oversized`
    /// or `.cancelled`.
    static func post(
        url: String, headers: [String], body: Data, limit: Int, deadline: Double,
        cancellation: CancellationFlag
    ) throws(ProposerError) -> (status: Int, body: Data) {
        guard globalInit == CURLE_OK, let handle = curl_easy_init() else { throw .transport("libcurl could not be initialised") }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        // "Expect:" turns off the 100-continue round trip that libcurl adds to large bodies.
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        let state = TransferState(limit: limit, cancellation: cancellation)
        let context = Unmanaged.passUnretained(state).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let milliseconds = max(1, Int(deadline * 1_000))
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            _ = evod_curl_setopt_string(handle, CURLOPT_URL, url)
            _ = evod_curl_setopt_headers(handle, list)
            _ = evod_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            _ = body.withUnsafeBytes { evod_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
            _ = evod_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = evod_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
            _ = evod_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds)
            _ = evod_curl_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(limit))
            _ = evod_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
            _ = evod_curl_setopt_write_function(handle, writeBody)
            _ = evod_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
            _ = evod_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
            _ = evod_curl_setopt_progress_function(handle, checkCancellation)
            _ = evod_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)
            return withExtendedLifetime(state) { curl_easy_perform(handle) }
        }
        switch code {
        case CURLE_OK:
            return (evod_curl_response_code(handle), state.data)
        case CURLE_ABORTED_BY_CALLBACK:
            throw .cancelled
        case CURLE_FILESIZE_EXCEEDED:
            throw .oversized(limit)
        case CURLE_WRITE_ERROR where state.oversized:
            throw .oversized(limit)
        case CURLE_OPERATION_TIMEDOUT:
            throw .transport("no complete answer within \(deadline) s")
        default:
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .transport(detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
    }
}

/// What the callbacks of one transfer share with it.
private final class TransferState {
    let limit: Int
    let cancellation: CancellationFlag
    var data = Data()
    var oversized = false

    init(limit: Int, cancellation: CancellationFlag) { (self.limit, self.cancellation) = (limit, cancellation) }
}

/// libcurl's write callback: appends a chunk of the body, or refuses it (ending the transfer) past the limit.
private func writeBody(_ chunk: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let chunk, let context else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    let bytes = size * count
    guard state.data.count + bytes <= state.limit else {
        state.oversized = true
        return 0
    }
    state.data.append(UnsafeRawPointer(chunk).assumingMemoryBound(to: UInt8.self), count: bytes)
    return bytes
}

/// libcurl's progress callback: a non-zero answer aborts the transfer (the proposer was cancelled).
private func checkCancellation(_ context: UnsafeMutableRawPointer?, _: curl_off_t, _: curl_off_t, _: curl_off_t, _: curl_off_t) -> Int32 {
    guard let context else { return 0 }
    return Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue().cancellation.isSet ? 1 : 0
}
