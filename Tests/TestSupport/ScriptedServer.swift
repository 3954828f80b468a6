import Foundation

/// The scripted OpenAI-compatible server (`Scripts/scripted_openai.py`) in a process of its own,
/// on a free loopback port; reads back what the client sent.
public final class ScriptedServer {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/scripted_openai.py").path

    public let directory: URL
    let process = Process()
    public private(set) var port = 0

    public init(_ steps: [[String: Any]]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-llm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: steps).write(to: directory.appendingPathComponent("script.json"))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, portFile, directory.appendingPathComponent("script.json").path, logFile]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                self.port = port
                return
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw NSError(domain: "ScriptedServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "the scripted server did not start"])
    }

    deinit {
        // SIGKILL: Foundation's Process starts children with the spawning thread's signal mask, in
        // which a dispatch worker blocks SIGTERM; the server keeps nothing worth a graceful stop.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    var portFile: String { directory.appendingPathComponent("port").path }
    var logFile: String { directory.appendingPathComponent("requests.jsonl").path }
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Every request received: its headers and JSON body.
    public func requests() -> [(headers: [String: String], body: [String: Any])] {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (object["headers"] as? [String: String] ?? [:], object["body"] as? [String: Any] ?? [:])
        }
    }

    /// The messages of request `index`, as (role, content).
    public func messages(_ index: Int) -> [(role: String, content: String)] {
        let all = requests()
        guard index < all.count, let messages = all[index].body["messages"] as? [[String: String]] else { return [] }
        return messages.map { ($0["role"] ?? "", $0["content"] ?? "") }
    }
}
