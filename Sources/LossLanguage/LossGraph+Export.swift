/// The formats a loss can be exported to.
public enum ExportFormat: String, CaseIterable, Sendable, Codable {
    /// A function with the DiscoPOP signature, ready for the paper's harness.
    case pytorch
    /// A TRL 1.x `DPOTrainer` subclass whose `compute_loss` trains with the PyTorch function.
    case trl
    /// The canonical compact form.
    case loss
    /// A LaTeX `aligned` block.
    case latex

    /// The file name extension of a file in this format, with its dot.
    public var fileExtension: String {
        switch self {
        case .pytorch, .trl: ".py"
        case .loss: ".loss"
        case .latex: ".tex"
        }
    }
}

extension LossGraph {
    /// The loss in the given format; `name` names the function (a Python identifier is derived from it).
    public func export(_ format: ExportFormat, name: String = "evod_loss") -> String {
        switch format {
        case .pytorch: pytorchSource(name: Self.pythonIdentifier(name))
        case .trl: trlSource(name: Self.pythonIdentifier(name))
        case .loss: canonicalForm + "\n"
        case .latex: latexSource()
        }
    }

    /// The Python identifier the exports use for a loss name (other characters become `_`).
    public static func pythonIdentifier(_ name: String) -> String {
        var id = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }.filter(\.isASCII))
        if id.isEmpty || id.first!.isNumber { id = "loss_" + id }
        return id
    }

    func pytorchSource(name: String) -> String {
        let (bindings, result) = ExpressionPrinter.render(self, PyTorchDialect())
        let uses = Set(nodes.map(\.op))
        var body = [
            "\"\"\"Exported by evod. Compact form: \(canonicalForm)\"\"\"",
            "dtype, device = policy_chosen_logps.dtype, policy_chosen_logps.device",
        ]
        if uses.contains(.beta) { body.append("beta = torch.tensor(self.beta, dtype=dtype, device=device)") }
        if uses.contains(.input(.rho)) {
            body += [
                "pi_logratios = policy_chosen_logps - policy_rejected_logps",
                "ref_logratios = reference_chosen_logps - reference_rejected_logps",
                "logits = pi_logratios - ref_logratios",
            ]
        }
        if uses.contains(.batchSize) { body.append("n = torch.tensor(float(policy_chosen_logps.size(0)), dtype=dtype, device=device)") }
        body += bindings.map { "\($0.0) = \($0.1)" }
        body += ["losses = \(result)", "return losses"]
        // A loss that reads the quality-prompted log-probs takes them after the DiscoPOP four.
        let inputs = [LossInput.pc, .pr, .rc, .rr] + (readsQualityInputs ? LossInput.qualityPrompted : [])
        return """
            import torch
            import torch.nn.functional as F


            def \(name)(
                self,

            """ + inputs.map { "    \($0.pytorchName): torch.FloatTensor,\n" }.joined() + """
                ) -> torch.FloatTensor:

                """ + body.map { "    " + $0 }.joined(separator: "\n") + "\n"
    }

    func latexSource() -> String {
        let (bindings, result) = ExpressionPrinter.render(self, LaTeXDialect())
        let lines =
            bindings.map { "\($0.0) &= \($0.1)" } + [
                "\\ell &= \(result)",
                "\\mathcal{L} &= \\operatorname{mean}_{\\text{batch}}\\left(\\ell\\right)",
            ]
        return "\\begin{aligned}\n" + lines.joined(separator: " \\\\\n") + "\n\\end{aligned}\n"
    }
}
