import LossLanguage

/// Standard losses as graphs, for the shape plots.
enum StandardLossesFixture {
    static func dpo() throws -> LossGraph { try LossParser.parse("-logsigmoid(beta * rho)").graph }
    static func ipo() throws -> LossGraph { try LossParser.parse("(rho - 1 / (2 * beta)) ** 2").graph }
}
