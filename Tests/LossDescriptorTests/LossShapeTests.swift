import Foundation
import LossDescriptors
import LossLanguage
import Testing

struct LossShapeTests {
    @Test func dposShapeIsTheLogisticLossAndItsSlope() throws {
        let shape = try LossShape(of: try LossParser.parse("-logsigmoid(beta * rho)").graph, betas: [0.1, 1.0], xs: [-2, 0, 2])
        for curve in shape.curves {
            for (x, (value, slope)) in zip(shape.xs, zip(curve.values, curve.slopes)) {
                #expect(abs(value - log(1 + exp(-x))) < 1e-12, "beta \(curve.beta), x \(x)")
                #expect(abs(slope - -1 / (1 + exp(x))) < 1e-9, "beta \(curve.beta), x \(x)")
            }
        }
    }

    @Test func ipoDependsOnBetaAndABatchStatisticIsSummed() throws {
        let ipo = try LossShape(of: try LossParser.parse("(rho - 1 / (2 * beta)) ** 2").graph, betas: [0.5], xs: [1])
        #expect(abs(ipo.curves[0].values[0] - (2 - 1.0) * (2 - 1.0)) < 1e-12)  // rho = x / beta = 2
        let centred = try LossShape(of: try LossParser.parse("-logsigmoid(beta * (rho - mean(rho)))").graph, betas: [1], xs: [0, 1])
        #expect(centred.curves[0].values.allSatisfy(\.isFinite) && centred.curves[0].values[0] != centred.curves[0].values[1])
    }

    @Test func aLossThatOverflowsOnTheGridSaysWhere() throws {
        #expect(throws: DescriptorError.self) { try LossShape(of: try LossParser.parse("exp(exp(exp(beta * rho)))").graph, betas: [1]) }
    }
}
