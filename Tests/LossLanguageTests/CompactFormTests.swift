import LossLanguage
import Testing

/// The compact form: precedence, statements, folding, canonical printing, errors with lines.
struct CompactFormTests {
    @Test func precedenceFollowsPython() throws {
        let batch = Support.randomBatch(seed: 1)
        func value(_ source: String) throws -> Double {
            LossEvaluator(graph: try Support.parse(source), batchSize: 10).evaluate(batch, beta: 0.1)[0]
        }
        let rho = (batch.pc[0] - batch.rc[0]) - (batch.pr[0] - batch.rr[0])
        #expect(Support.close(try value("-rho ** 2 + 0 * rho"), -(rho * rho)))
        #expect(Support.close(try value("2 ^ 3 ^ 2 + rho - rho"), 512))
        #expect(Support.close(try value("rho - 1 - 2"), rho - 3))
        #expect(Support.close(try value("rho / 2 / 4"), rho / 8))
        #expect(try value("(rho < 0) + 0 * rho") == (rho < 0 ? 1 : 0))
    }

    @Test func constantsFoldAndCommutativeOperandsAreOrdered() throws {
        #expect(try Support.parse("rho * beta * (1 + 1)").canonicalForm == "2 * (beta * rho)")
        #expect(try Support.parse("-logsigmoid(rho*beta)").canonicalForm == "-logsigmoid(beta * rho)")
        #expect(try Support.parse("a = beta * rho; -logsigmoid(a)") == (try Support.parse("-logsigmoid(rho * beta)")))
        #expect(try Support.parse("---exp(--rho)").canonicalForm == "-exp(rho)")
    }

    @Test func sharedSubexpressionsArePrintedOnceAsBindings() throws {
        let graph = try Support.parse("m = sigmoid(rho); (1 - m) * -logsigmoid(beta * rho) + m * exp(-beta * rho)")
        #expect(graph.canonicalForm.hasPrefix("t1 = "))
        #expect(try Support.parse(graph.canonicalForm) == graph)
    }

    @Test func bothSpellingsOfTheLogRatioDifferenceAreRho() throws {
        let rho = try Support.parse("rho")
        #expect(try Support.parse("(pc - rc) - (pr - rr)") == rho)
        #expect(try Support.parse("(policy_chosen_logps - policy_rejected_logps) - (rc - rr)") == rho)
    }

    @Test func errorsNameTheProblemAndTheLine() {
        #expect(throws: LossError.unsupported("name 'gamma' is not defined", line: 2)) { try Support.parse("x = rho\nx * gamma") }
        #expect(throws: LossError.unsupported("sigmoid takes 1 argument, got 2", line: 1)) { try Support.parse("sigmoid(rho, 2)") }
        #expect(throws: LossError.shape("operands of shapes (N,) and (2N,) do not broadcast", line: 1)) {
            try Support.parse("rho + cat(rho, rho)")
        }
        #expect(throws: LossError.self) { try Support.parse("x = rho") }
    }

    @Test func torchMinAndMaxOfTwoTensorsAreElementwise() throws {
        let body = { (call: String) in
            "def f(self, pc, pr, rc, rr):\n    return \(call)(pc - rc, pr - rr) * self.beta\n"
        }
        #expect(try LossParser.parse(body("torch.min")).graph == (try LossParser.parse(body("torch.minimum")).graph))
        #expect(try LossParser.parse(body("torch.max")).graph == (try LossParser.parse(body("torch.maximum")).graph))
        #expect(throws: LossError.self) { try LossParser.parse(body("min")) }  // Python's min is not elementwise
    }
}
