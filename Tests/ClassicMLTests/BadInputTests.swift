import ClassicML
import DataPrep
import Foundation
import Testing

/// Bad input fails with a message naming the column or parameter and the
/// fix, and writes nothing.
@Suite struct BadInputTests {
    let scratch = ScratchDirectory()

    func failure(_ settings: EstimatorTraining.Settings, csv: String) -> (message: String, wrote: Bool) {
        let path = scratch.write("data-\(UUID().uuidString).csv", csv)
        let output = scratch.url.appendingPathComponent("model-\(UUID().uuidString)")
        do {
            _ = try EstimatorTraining.run(settings, trainPath: path, testPath: nil, output: output)
            return ("did not throw", FileManager.default.fileExists(atPath: output.path))
        } catch {
            return ("\(error)", FileManager.default.fileExists(atPath: output.path))
        }
    }

    func settings(_ name: String, _ params: [String: ParameterValue] = [:], target: String? = "y") -> EstimatorTraining.Settings {
        var settings = EstimatorTraining.Settings(estimator: name)
        settings.parameters = params
        settings.target = target
        return settings
    }

    @Test func textWithoutEncoderNamesColumnAndFlag() {
        let (message, wrote) = failure(settings("logistic_regression"), csv: "a,color,y\n1,red,0\n2,blue,1\n3,4,0\n")
        #expect(message.contains("'color'") && message.contains("--encode onehot"), "\(message)")
        #expect(!wrote)
    }

    @Test func blanksWithoutImputerNameColumn() {
        let (message, wrote) = failure(settings("logistic_regression"), csv: "a,b,y\n1,,0\n2,3,1\n3,4,0\n")
        #expect(message.contains("'b'") && message.contains("--impute"), "\(message)")
        #expect(!wrote)
    }

    @Test func oneClassTarget() {
        let (message, wrote) = failure(settings("logistic_regression"), csv: "a,y\n1,5\n2,5\n3,5\n")
        #expect(message.contains("only one class") && message.contains("'y'"), "\(message)")
        #expect(!wrote)
    }

    @Test func moreClustersThanRows() {
        let (message, wrote) = failure(settings("kmeans", ["n_clusters": .number(5)], target: nil), csv: "a,b\n1,2\n3,4\n5,6\n")
        #expect(message.contains("n_clusters") && message.contains("3"), "\(message)")
        #expect(!wrote)
    }

    @Test func singularMatrix() {
        let (message, wrote) = failure(settings("ridge", ["alpha": .number(0)]), csv: "a,b,y\n1,2,1\n2,4,2\n3,6,2\n4,8,5\n")
        #expect(message.contains("singular") && message.contains("alpha"), "\(message)")
        #expect(!wrote)
    }

    @Test func unknownParameterSuggestsSpelling() {
        let (message, wrote) = failure(settings("random_forest", ["N_estimators": .number(5)]), csv: "a,y\n1,0\n2,1\n")
        #expect(message.contains("'N_estimators'") && message.contains("n_estimators"), "\(message)")
        #expect(!wrote)
    }

    @Test func outOfRangeValue() {
        let (message, wrote) = failure(settings("logistic_regression", ["C": .number(-1)]), csv: "a,y\n1,0\n2,1\n")
        #expect(message.contains("C=-1") && message.contains("C > 0"), "\(message)")
        #expect(!wrote)
        let (criterion, _) = failure(settings("decision_tree", ["criterion": .string("gain")]), csv: "a,y\n1,0\n2,1\n")
        #expect(criterion.contains("criterion=gain") && criterion.contains("'gini'"), "\(criterion)")
    }

    @Test func newEstimatorsNameTheParameter() {
        let csv = "a,y\n1,0\n2,1\n3,0\n"
        let cases: [(String, [String: ParameterValue], String)] = [
            ("svr", ["epsilon": .number(-1)], "epsilon=-1"),
            ("svr", ["gamma": .string("wide")], "gamma=wide"),
            ("linear_svc", ["loss": .string("hinge"), "dual": .bool(false)], "dual=false"),
            ("linear_svc", ["penalty": .string("l1")], "penalty=l1"),
            ("svc", ["probability": .string("yes")], "probability=yes"),
            ("multinomial_nb", ["alpha": .number(-0.5)], "alpha=-0.5"),
            ("dbscan", ["eps": .number(0)], "eps=0"),
            ("dbscan", ["metric": .string("cosine")], "metric=cosine"),
        ]
        for (name, params, needle) in cases {
            let (message, wrote) = failure(settings(name, params, target: name == "dbscan" ? nil : "y"), csv: csv)
            #expect(message.contains(needle), "\(name): \(message)")
            #expect(!wrote)
        }
    }

    @Test func multinomialNBRejectsNegativeFeatures() {
        var standardised = settings("multinomial_nb")
        standardised.recipe = TabularRecipe.Options(scaling: .standard)
        let (message, wrote) = failure(standardised, csv: "a,b,y\n1,2,0\n2,3,1\n3,5,0\n")
        #expect(message.contains("column 'a'") && message.contains("negative") && message.contains("--scale minmax"), "\(message)")
        #expect(!wrote)
    }

    @Test func unknownEstimatorListsKnownOnes() {
        let (message, _) = failure(settings("svm_magic"), csv: "a,y\n1,0\n2,1\n")
        #expect(message.contains("svm_magic") && message.contains("random_forest"), "\(message)")
    }
}
