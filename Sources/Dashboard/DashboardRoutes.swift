import Control
import ControlPlane
import Foundation
import Hummingbird
import NIOCore

/// The dashboard's routes: pages, the JSON API and `/metrics`. Bad requests get a 4xx with the
/// reason, peers that do not answer a 502; nothing a request carries can crash the server.
struct DashboardRoutes: Sendable {
    let reader: ClusterReader

    func add(to router: Router<BasicRequestContext>) {
        let reader = self.reader
        router.get("/") { request, _ in
            let report = try await offload { (reader.report(), reader.best(top: 10)) }
            return Self.page(request, title: "cluster", live: Pages.cluster(report.0, best: report.1))
        }
        router.get("/islands/:island") { request, context in
            let id = try Self.integer(context, "island")
            let (status, archive, history) = try await offload {
                (
                    try reader.ask(island: id) { c throws(ControlError) in try c.status() }, try reader.ask(island: id) { c throws(ControlError) in try c.archive() },
                    try reader.ask(island: id) { c throws(ControlError) in try c.history(limit: 2_000) }
                )
            }
            return Self.page(request, title: "island \(id)", live: Pages.island(status, archive: archive, history: history))
        }
        router.get("/islands/:island/candidates/:candidate") { request, context in
            let (island, id) = (try Self.integer(context, "island"), Int64(try Self.integer(context, "candidate")))
            let view = try await offload { try CandidateView.load(reader, island: island, id: id) }
            return Self.page(request, title: "island \(island), candidate #\(id)", live: nil, body: Pages.candidate(view))
        }
        router.get("/migrations") { request, _ in
            let flows = try await offload { reader.askEveryIsland { c throws(ControlError) in try c.migrations() } }
            return Self.page(request, title: "migration", live: Pages.migrations(flows))
        }
        router.get("/proposers") { request, _ in
            let report = try await offload { reader.report() }
            return Self.page(request, title: "proposers", live: Pages.proposers(report))
        }
        addAPI(to: router)
        router.get("/metrics") { _, _ in
            let report = try await offload { reader.report() }
            return Self.response(ClusterMetrics.exposition(report), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    /// The JSON API (docs/dashboard.md): the same typed replies the control protocol carries.
    func addAPI(to router: Router<BasicRequestContext>) {
        let reader = self.reader
        router.get("/api/status") { _, _ in Self.json(try await offload { reader.report() }) }
        router.get("/api/best") { request, _ in
            let top = try Self.query(request, "top", default: 10)
            let rows = try await offload { reader.best(top: top).map { BestRow(island: $0.island, candidate: $0.candidate) } }
            return Self.json(rows)
        }
        router.get("/api/migrations") { _, _ in
            let flows = try await offload { reader.askEveryIsland { c throws(ControlError) in try c.migrations() } }
            return Self.json(flows.map { IslandFlows(id: $0.id, migrations: $0.answer) })
        }
        router.get("/api/islands/:island/status") { _, context in
            let id = try Self.integer(context, "island")
            return Self.json(try await offload { try reader.ask(island: id) { c throws(ControlError) in try c.status() } })
        }
        router.get("/api/islands/:island/archive") { _, context in
            let id = try Self.integer(context, "island")
            return Self.json(try await offload { try reader.ask(island: id) { c throws(ControlError) in try c.archive() } })
        }
        router.get("/api/islands/:island/history") { request, context in
            let (id, limit) = (try Self.integer(context, "island"), try Self.query(request, "limit", default: 1_000))
            return Self.json(try await offload { try reader.ask(island: id) { c throws(ControlError) in try c.history(limit: limit) } })
        }
        router.get("/api/islands/:island/best") { request, context in
            let (id, top) = (try Self.integer(context, "island"), try Self.query(request, "top", default: 10))
            return Self.json(try await offload { try reader.ask(island: id) { c throws(ControlError) in try c.best(top: top) } })
        }
        router.get("/api/islands/:island/candidates/:candidate") { _, context in
            let (island, id) = (try Self.integer(context, "island"), Int64(try Self.integer(context, "candidate")))
            return Self.json(try await offload { try CandidateView.load(reader, island: island, id: id) })
        }
    }

    /// A whole page, or only its live part when the page's script asks (`?fragment=live`).
    static func page(_ request: Request, title: String, live: String?, body: String = "") -> Response {
        if request.uri.queryParameters.get("fragment") == "live" { return response(live ?? "", contentType: "text/html; charset=utf-8") }
        return response(Page.render(title: title, live: live, body: body), contentType: "text/html; charset=utf-8")
    }

    static func json<Value: Encodable>(_ value: Value) -> Response {
        let encoder = ControlCoding.encoder
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":{"message":"the reply could not be encoded"}}"#.utf8)
        return response(String(decoding: data, as: UTF8.self), contentType: "application/json")
    }

    static func response(_ text: String, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A path parameter that must be a non-negative integer (400 otherwise).
    static func integer(_ context: BasicRequestContext, _ name: String) throws -> Int {
        guard let text = context.parameters.get(name), let value = Int(text), value >= 0 else {
            throw HTTPError(.badRequest, message: "'\(name)' must be a non-negative integer, got '\(context.parameters.get(name) ?? "")'")
        }
        return value
    }

    /// A query parameter that must be an integer from 0 to 100,000 when present (400 otherwise).
    static func query(_ request: Request, _ name: String, default value: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), (0...100_000).contains(number) else {
            throw HTTPError(.badRequest, message: "'\(name)' must be an integer from 0 to 100000, got '\(text)'")
        }
        return number
    }
}

/// An island's migration flows in `/api/migrations` (null where it did not answer).
struct IslandFlows: Encodable {
    var id: Int
    var migrations: [MigrationFlow]?
}
