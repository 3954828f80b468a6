import LossLanguage
import Testing

/// Exports parse back to the same loss: the compact form to the same IR, PyTorch to the same fingerprint.
struct ExportTests {
    static var graphs: [(String, LossGraph)] {
        let standard = StandardLosses.all.map { ($0.name, $0.graph) }
        let fixtures = ((try? Support.files("pytorch", extension: "py")) ?? []).compactMap { f in
            (try? LossParser.parse(f.text).graph).map { (f.name, $0) }
        }
        let extra = [
            "fill(beta, 2) * cat(rho, pc)", "where(rho, 1, 2) * rho", "sqrt(size()) * rho + arange()",
            "var(pr) * pc", "min(rho, 3) + max(2, pc) + min(rho, pc)", "log(-1) + pc",
        ]
        .map { ($0, try! LossParser.parse($0).graph) }
        return standard + fixtures + extra
    }

    @Test func compactExportParsesToTheSameGraph() throws {
        for (name, graph) in Self.graphs {
            #expect(try LossParser.parse(graph.export(.loss)).graph == graph, "\(name)")
        }
    }

    @Test func pytorchExportParsesToTheSameFingerprint() throws {
        for (name, graph) in Self.graphs {
            let code = graph.export(.pytorch, name: name)
            let parsed = try LossParser.parse(code)
            #expect(parsed.form == .pytorch)
            #expect(parsed.name == LossGraph.pythonIdentifier(name))
            #expect(parsed.graph.fingerprint == graph.fingerprint, "\(name):\n\(code)")
        }
    }

    @Test func pytorchExportUsesTheDiscoPOPSignature() throws {
        let code = try #require(StandardLosses.named("lrml")).graph.export(.pytorch, name: "lrml")
        #expect(code.contains("def lrml(\n    self,\n    policy_chosen_logps: torch.FloatTensor,"))
        #expect(code.contains("logits = pi_logratios - ref_logratios"))
        #expect(code.hasSuffix("    return losses\n"))
    }

    @Test func trlExportOverridesComputeLossAroundThePyTorchFunction() throws {
        let graph = try #require(StandardLosses.named("dpo")).graph
        let trl = graph.export(.trl, name: "my loss")
        #expect(trl.contains("from trl import DPOTrainer"))
        #expect(trl.contains("class MyLossDPOTrainer(DPOTrainer):"))
        #expect(trl.contains("    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):"))
        #expect(trl.contains("losses = EVOD_LOSS(self, chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, *quality)"))
        #expect(!trl.contains("def dpo_loss"), "TRL 1.x never calls dpo_loss")
        #expect(trl.contains("EVOD_LOSS = my_loss\n"))
        #expect(trl.contains("SUPPORTED_TRL = (1, 2)"))
        #expect(trl.hasSuffix("EvodDPOTrainer = MyLossDPOTrainer\n"))
        #expect(trl.contains(graph.export(.pytorch, name: "my loss")))
    }

    @Test func latexExportNamesTheSymbols() throws {
        let latex = try #require(StandardLosses.named("lrml")).graph.export(.latex)
        #expect(latex.hasPrefix("\\begin{aligned}"))
        #expect(latex.contains("\\log\\sigma\\left(\\beta \\cdot \\rho\\right)"))
        #expect(latex.contains("t_{1} &= \\sigma\\left(\\rho\\right)"))
    }
}
