import PrefBandit

extension TaskConfig {
    /// The built-in default task, identical to `configs/tasks/default.toml` (a test checks): the
    /// suite of docs/tasks-and-evaluators.md, "The default suite" (why: docs/results/2026-12-02-default-suite.md), with its seed sets and transfer tasks.
    public static let defaultSuite: TaskConfig = {
        func settings(_ change: (inout PrefBanditSettings) -> Void) -> PrefBanditSettings {
            var s = PrefBanditSettings()
            change(&s)
            return s
        }
        func member(_ name: String, _ prefbandit: PrefBanditSettings) -> TaskMember {
            TaskMember(
                name: name, weight: 1, kind: .prefbandit(prefbandit), stageOne: .defaultCheap, stageTwo: .defaultFull,
                confirmationSeeds: TaskMember.defaultConfirmationSeeds, heldoutSeeds: TaskMember.defaultHeldoutSeeds)
        }
        func transfer(_ name: String, starts: [StartKind] = [.exact], _ prefbandit: PrefBanditSettings) -> TaskMember {
            let grid = EvaluationGrid(betas: EvaluationGrid.defaultFull.betas, seeds: [], starts: starts)
            return TaskMember(
                name: name, weight: 1, kind: .prefbandit(prefbandit), stageOne: grid, stageTwo: grid,
                confirmationSeeds: [], heldoutSeeds: TaskMember.defaultHeldoutSeeds)
        }
        return TaskConfig(
            members: [
                member(
                    "noisy-wide",
                    settings {
                        $0.features = 128; $0.labelNoise = 0.2
                    }),
                member("wide", settings { $0.features = 128 }),
                member("clean", PrefBanditSettings()),
            ],
            validation: [
                transfer("few-pairs", settings { $0.pairs = 64 }),
                transfer("noisy-perturbed", starts: [.perturbed], settings { $0.labelNoise = 0.1 }),
                transfer(
                    "noisy-k4",
                    settings {
                        $0.responses = 4; $0.features = 64; $0.labelNoise = 0.1
                    }),
                transfer(
                    "noisy-nonlinear",
                    settings {
                        $0.rewardNonlinearity = 0.9; $0.labelNoise = 0.1
                    }),
            ])
    }()
}
