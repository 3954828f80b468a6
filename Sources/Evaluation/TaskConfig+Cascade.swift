import ConfigFiles
import Foundation
import Model

extension TaskConfig {
    /// Reads a cascade file: `[cascade]` names the task file of each stage (`stage2`, the search's, is
    /// required; `stage1` and `stage3` default to it), relative to the cascade's own file. Stage 3 on
    /// another task confirms on its confirmation seeds; validation adds its held-out seeds.
    static func readCascade(_ root: ConfigSection) throws(ConfigError) -> TaskConfig {
        guard let section = try root.section("cascade") else {
            throw root.error("cascade", "a cascade needs a [cascade] table naming each stage's task file (stage2 at least)")
        }
        let directory = URL(fileURLWithPath: root.file).deletingLastPathComponent()
        func stageTask(_ key: String, default fallback: String?) throws(ConfigError) -> StageTask {
            let given = try section.string(key, default: fallback ?? "")
            guard !given.isEmpty else { throw section.error(key, "expected the path of a task file (relative to \(root.file))") }
            let url = given.hasPrefix("/") ? URL(fileURLWithPath: given) : directory.appendingPathComponent(given)
            let task = try TaskConfig.load(path: url.path)
            if task.isCascade { throw section.error(key, "\(given) is a cascade itself; a stage trains on a task or a suite") }
            var named = StageTask(name: url.deletingPathExtension().lastPathComponent, task: task)
            if task.members.count == 1, task.members[0].name == TaskMember.singleName { named.task.members[0].name = named.name }
            return named
        }
        let search = try stageTask("stage2", default: nil)
        let first = try stageTask("stage1", default: try section.string("stage2", default: ""))
        let third = try stageTask("stage3", default: try section.string("stage2", default: ""))
        try root.finish()
        var cascade = TaskConfig(members: search.task.members, validation: search.task.validation, stageTasks: [.one: first, .two: search, .three: third])
        if first.task == search.task, third.task == search.task { cascade.stageTasks = [:] }  // one task after all
        // Validation names every task of the search and of stage 3's task apart.
        let names = (cascade.members + cascade.validation + (cascade.isOwnTask(.three) ? third.task.members : [])).map(\.name)
        if let clash = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw section.error("stage3", "the name \"\(clash)\" is a task of both stage 2's and stage 3's files; rename one")
        }
        return cascade
    }
}

extension TaskConfig {
    /// How far two workers' fitness for the same job at `stage` may differ and agree in the farm's
    /// audits: 0 for prefbandit members (deterministic to the bit), a command member's declared
    /// `audit_tolerance` (the largest over the stage's members); nil when a command member declares
    /// none: that stage is not audited (docs/farm-trust.md).
    public func auditTolerance(at stage: Stage) -> Double? {
        var tolerance = 0.0
        for member in task(for: stage).members {
            guard case let .command(settings) = member.kind else { continue }
            guard let declared = settings.auditTolerance else { return nil }
            tolerance = max(tolerance, declared)
        }
        return tolerance
    }
}
