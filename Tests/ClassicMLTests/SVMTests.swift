@testable import ClassicML
import Foundation
import Testing
import Tensor

/// The pieces behind SVC's probabilities and the new estimators' contracts,
/// checked against values known in closed form.
@Suite struct SVMTests {
    @Test func pairwiseCouplingRecoversConsistentProbabilities() {
        // When r_ij = p_i / (p_i + p_j) exactly, p is the coupling's unique optimum.
        for p in [[0.5, 0.3, 0.2], [0.05, 0.15, 0.7, 0.1], [0.25, 0.25, 0.25, 0.25]] {
            let k = p.count
            var r = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            for i in 0..<k { for j in 0..<k where i != j { r[i][j] = p[i] / (p[i] + p[j]) } }
            let coupled = pairwiseCoupling(r)
            #expect(abs(coupled.reduce(0, +) - 1) < 1e-12)
            for i in 0..<k { #expect(abs(coupled[i] - p[i]) < 2e-3, "class \(i): \(coupled[i]) vs \(p[i])") }
        }
        #expect(pairwiseCoupling([[0, 0.8], [0.2, 0]]) == [0.8, 0.2])
    }

    @Test func plattSigmoidRecoversItsParameters() {
        // Labels drawn from P(+ | f) = 1 / (1 + exp(A f + B)) with A = −2, B = 0.5.
        var generator = RandomGenerator(seed: 7)
        var decisions: [Double] = [], positive: [Bool] = []
        for _ in 0..<40_000 {
            let f = Double(generator.next() >> 11) * 0x1p-53 * 6 - 3
            let p = 1 / (1 + exp(-2 * f + 0.5))
            decisions.append(f)
            positive.append(Double(generator.next() >> 11) * 0x1p-53 < p)
        }
        let sigmoid = PlattSigmoid.fit(decisions: decisions, positive: positive)
        #expect(abs(sigmoid.a + 2) < 0.1 && abs(sigmoid.b - 0.5) < 0.1, "A \(sigmoid.a), B \(sigmoid.b)")
        // Separable data: the fit stays finite (the smoothed targets keep it off 0 and 1).
        let separable = PlattSigmoid.fit(decisions: [-2, -1, 1, 2], positive: [false, false, true, true])
        #expect(separable.a.isFinite && separable.a < 0 && separable.probability(3) > 0.5 && separable.probability(3) < 1)
    }

    @Test func kernelExponentialIsWithinTwoUlp() {
        var values = (0..<20_001).map { -Double($0) * 0.0375 }  // 0 … −750
        values += [-1e-300, -0x1p-60, -708, -707.9999, -745.2, -.infinity]
        var computed = values
        computed.withUnsafeMutableBufferPointer { exponentiateNonPositive($0.baseAddress!, $0.count) }
        for (x, y) in zip(values, computed) {
            let expected = Foundation.exp(x)
            if x < -708 { #expect(y == 0); continue }
            #expect(abs(y - expected) <= 2 * expected.ulp, "exp(\(x)) = \(y), expected \(expected)")
        }
    }

    @Test func gramEqualsTheGeneralKernelMatrix() throws {
        var generator = RandomGenerator(seed: 11)
        let x = Matrix(rows: 37, columns: 5, values: (0..<185).map { _ in Double(generator.next() >> 11) * 0x1p-53 - 0.5 })
        for kind in ["rbf", "poly", "linear", "sigmoid"] {
            var parameters = Parameters(estimator: "svc", given: ["kernel": .string(kind)])
            var kernel = try SVMKernel(&parameters)
            kernel.resolveGamma(for: x)
            let gram = kernel.gram(x), general = kernel.matrix(x, x)
            for (a, b) in zip(gram.values, general.values) { #expect(abs(a - b) <= 1e-12, "\(kind)") }
            for i in 0..<37 { for j in 0..<37 { #expect(gram[i, j] == gram[j, i]) } }
        }
    }

    @Test func svrFitsALinearFunctionWithinEpsilon() throws {
        // y = 3x − 1 on [0, 1]: a linear SVR with a large C keeps every residual within ε (+ tol).
        let x = Matrix(rows: 50, columns: 1, values: (0..<50).map { Double($0) / 49 })
        let y = x.values.map { 3 * $0 - 1 }
        let (estimator, _) = try EstimatorRegistry.make("svr", parameters: ["kernel": .string("linear"), "C": .number(100),
                                                                         "epsilon": .number(0.05)])
        try estimator.fit(x, y, classCount: 0, seed: 0)
        for (predicted, truth) in zip(estimator.predict(x), y) { #expect(abs(predicted - truth) <= 0.05 + 1e-2) }
    }

    @Test func linearSVCSeparatesWithTheRegularisedIntercept() throws {
        // Two separable blobs in 2-D; one-vs-rest over three classes.
        var generator = RandomGenerator(seed: 3)
        var values: [Double] = [], labels: [Double] = []
        let centres = [(-4.0, 0.0), (4.0, 0.0), (0.0, 5.0)]
        for i in 0..<150 {
            let (cx, cy) = centres[i % 3]
            values += [cx + Double(generator.next() >> 11) * 0x1p-53 - 0.5, cy + Double(generator.next() >> 11) * 0x1p-53 - 0.5]
            labels.append(Double(i % 3))
        }
        let x = Matrix(rows: 150, columns: 2, values: values)
        // Primal Newton (the default here, rows ≥ features), dual coordinate descent for both losses.
        var fitted: [[Double]] = []
        for (loss, dual) in [("squared_hinge", ParameterValue.string("auto")), ("squared_hinge", .bool(true)),
                             ("hinge", .string("auto"))] {
            let (estimator, _) = try EstimatorRegistry.make("linear_svc", parameters: ["loss": .string(loss), "dual": dual])
            try estimator.fit(x, labels, classCount: 3, seed: 0)
            #expect(estimator.predict(x) == labels, "\(loss) dual=\(dual)")
            fitted.append((estimator as! LinearSVC).coefficients.values + (estimator as! LinearSVC).intercepts)
        }
        // The primal and the dual reach the same optimum of the squared-hinge problem.
        for (a, b) in zip(fitted[0], fitted[1]) { #expect(abs(a - b) <= 1e-3 * max(1, abs(a)), "primal \(a) vs dual \(b)") }
    }

    @Test func dbscanPredictsCoreLabelsAndNoise() throws {
        // Two tight groups and one far point.
        let points: [Double] = [0, 0, 0.1, 0, 0, 0.1, 0.1, 0.1, 5, 5, 5.1, 5, 5, 5.1, 20, 20]
        let x = Matrix(rows: 8, columns: 2, values: points)
        let (estimator, _) = try EstimatorRegistry.make("dbscan", parameters: ["eps": .number(0.5), "min_samples": .number(3)])
        try estimator.fit(x, [Double](repeating: 0, count: 8), classCount: 0, seed: 0)
        let dbscan = try #require(estimator as? DBSCAN)
        #expect(dbscan.labels == [0, 0, 0, 0, 1, 1, 1, -1])
        #expect(estimator.predict(x) == [0, 0, 0, 0, 1, 1, 1, -1])
        let new = Matrix(rows: 3, columns: 2, values: [0.3, 0.3, 5.2, 5.2, 2.5, 2.5])
        #expect(estimator.predict(new) == [0, 1, -1])
    }
}
