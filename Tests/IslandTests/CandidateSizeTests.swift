import Island
import Testing

/// An elite's size for parsimony is the structure of its loss, not the text of its constants.
struct CandidateSizeTests {
    /// A single cell with parsimony froze at sppo_hard when size was the canonical form's characters:
    /// each tuned constant (0.5 to 0.424) was two characters "longer", so no child within the noise
    /// could take the cell, and every later child was a near-repeat of the one elite.
    @Test func aConstantsDigitsAreNotGrowthAndANewTermIs() throws {
        let size = { (canonical: String) in try #require(CandidateRecord.size(ofCanonical: canonical)) }
        let elite = try size("t1 = 0.5 / beta; (pr - rr + t1) ** 2 + (pc - rc - t1) ** 2")
        #expect(try size("t1 = 0.424 / beta; (pc - rc - t1) ** 2 + (pr - rr + t1) ** 2") == elite)
        #expect(try size("t1 = 0.4237519 / beta; (pc - rc - t1) ** 2 + (pr - rr + t1) ** 2") == elite)
        #expect(try size("t1 = 0.5 / beta; (pr - rr + t1) ** 2 + (pc - rc - t1) ** 2 + 0.1 * -logsigmoid(beta * (pc - rc))") > elite)
        // Equal subexpressions are counted once, as the canonical graph shares them.
        #expect(try size("-logsigmoid(beta * rho) + -logsigmoid(beta * rho)") < size("-logsigmoid(beta * rho) + -logsigmoid(beta * (pc - rc))"))
        #expect(CandidateRecord.size(ofCanonical: "not a loss") == nil)
    }
}
