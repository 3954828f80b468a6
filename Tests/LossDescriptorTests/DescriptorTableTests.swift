import LossLanguage
import Model
import Testing

@testable import LossDescriptors

/// docs/architecture.md §4's table of known values, and values from `shared/oracles/descriptors.py` for losses
/// with batch statistics (tolerance 2e-3).
struct DescriptorTableTests {
    static let table: [(String, Double, Double, Double)] = [
        ("-logsigmoid(beta*rho)", 1.0000, -0.5678, 0.0000),
        ("relu(1 - beta*rho)", 1.0000, -1.0000, 0.0000),
        ("(rho - 1/(2*beta))**2", 1.0000, -0.2001, 0.0000),
        ("exp(-beta*rho)", 1.0000, -0.1355, 0.0000),
        ("m = sigmoid(rho); (1 - m) * -logsigmoid(beta*rho) + m * exp(-beta*rho)", 0.2395, 0.8905, 0.0714),
        ("0.5*exp(-beta*rho) + 0.5*-logsigmoid(beta*rho)", 1.0000, -0.1816, 0.0000),
        ("0.9*(1 - 0.5*(rho < 0)) * -logsigmoid(beta*rho)", 0.4954, -0.7505, 0.0000),
        // Batch statistics (coupled samples), values from the numpy oracle.
        (
            "q = sigmoid(-beta * (rho - (0.5 + 0.01 * (sigmoid(mean(rho)) - 0.5)))); q * -logsigmoid(beta*rho) + (1 - q) * relu(1 - beta*rho)",
            0.6898, -0.7777, 0.0023
        ),
        (
            "w = beta * (pc - rc); l = beta * (pr - rr); delta = mean(cat(w, l)); -logsigmoid(w - delta) - logsigmoid(-(l - delta))",
            1.0000, -0.6841, 0.0000
        ),
    ]

    @Test(arguments: table.indices)
    func knownValues(index: Int) throws {
        let (source, c, g0, s) = Self.table[index]
        let d = try Descriptors(of: try LossParser.parse(source).graph)
        #expect(abs(d.convexity - c) <= 2e-3, "C of \(source): \(d.convexity), expected \(c)")
        #expect(abs(d.grad0 - g0) <= 2e-3, "g0 of \(source): \(d.grad0), expected \(g0)")
        #expect(abs(d.betaSensitivity - s) <= 2e-3, "S of \(source): \(d.betaSensitivity), expected \(s)")
    }

    @Test func everyStandardLossHasDescriptorsInRange() throws {
        for loss in StandardLosses.all {
            let d = try Descriptors(of: loss.graph)
            #expect((-1...1).contains(d.convexity) && (-1...1).contains(d.grad0) && (0...1).contains(d.betaSensitivity), "\(loss.name): \(d)")
        }
    }

    @Test func aLossThatIsInfiniteOnTheGridIsAnError() throws {
        let graph = try LossParser.parse("sqrt(beta * rho + 4)").graph  // NaN for x < -4
        #expect(throws: DescriptorError.self) { try Descriptors(of: graph) }
    }

    @Test func normalQuantileMatchesKnownValues() {
        #expect(abs(NormalQuantile.of(0.975) - 1.959963984540054) < 1e-12)
        #expect(abs(NormalQuantile.of(0.5)) < 1e-15)
        #expect(abs(NormalQuantile.of(0.001) + 3.090232306167813) < 1e-12)
    }

    @Test func shapesInWordsForThePrompt() throws {
        let dpo = try Descriptors(of: try LossParser.parse("-logsigmoid(beta*rho)").graph)
        #expect(dpo.words == "convex, pushes rho up at rho = 0, its shape does not change with beta (a function of beta * rho)")
        let lrml = Descriptors(convexity: 0.2395, grad0: 0.8905, betaSensitivity: 0.0714)
        #expect(lrml.words == "neither convex nor concave, pushes rho down at rho = 0 (it must push up elsewhere), its shape changes a little with beta")
    }
}
