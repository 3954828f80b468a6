import CCurl
import COpenBLAS
import CZeroMQ
import Foundation
import GRDB
import Testing

/// One smoke test per C library: it links, and it works.
struct SystemLibraryTests {
    @Test func zeroMQReportsItsVersionAndRoundTripsOverInproc() throws {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        #expect(major == 4)

        let context = try #require(zmq_ctx_new())
        defer { zmq_ctx_term(context) }
        let server = try #require(zmq_socket(context, ZMQ_PAIR))
        let client = try #require(zmq_socket(context, ZMQ_PAIR))
        defer { zmq_close(client); zmq_close(server) }
        #expect(zmq_bind(server, "inproc://evod-smoke") == 0)
        #expect(zmq_connect(client, "inproc://evod-smoke") == 0)

        let message = Array("ping".utf8)
        #expect(zmq_send(client, message, message.count, 0) == Int32(message.count))
        var buffer = [UInt8](repeating: 0, count: 16)
        let received = zmq_recv(server, &buffer, buffer.count, 0)
        #expect(received == 4)
        #expect(Array(buffer.prefix(Int(received))) == message)
    }

    @Test func libcurlSpeaksHTTPAndItsShimsSetOptions() throws {
        let info = try #require(evod_curl_version_info())
        var protocols: [String] = []
        var entry = info.pointee.protocols
        while let name = entry?.pointee { protocols.append(String(cString: name)); entry = entry?.advanced(by: 1) }
        #expect(protocols.contains("http") && protocols.contains("https"), "\(protocols)")
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        #expect(evod_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, 1_000) == CURLE_OK)
        #expect(evod_curl_setopt_string(handle, CURLOPT_URL, "http://127.0.0.1:9/") == CURLE_OK)
        #expect(evod_curl_response_code(handle) == 0, "no transfer yet")
    }

    @Test func openBLASMultipliesMatrices() {
        openblas_set_num_threads(1)
        // [1 2; 3 4] x [5 6; 7 8] = [19 22; 43 50], row-major.
        let a: [Double] = [1, 2, 3, 4], b: [Double] = [5, 6, 7, 8]
        var c = [Double](repeating: 0, count: 4)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        #expect(c == [19, 22, 43, 50])
    }

    @Test func grdbQueriesATemporaryDatabaseFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evod-smoke-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE losses (name TEXT PRIMARY KEY, fitness REAL)")
            try db.execute(sql: "INSERT INTO losses VALUES (?, ?), (?, ?)", arguments: ["dpo", 0.91, "lrml", 0.32])
        }
        let best = try queue.read { db in try String.fetchOne(db, sql: "SELECT name FROM losses ORDER BY fitness DESC") }
        #expect(best == "dpo")
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
