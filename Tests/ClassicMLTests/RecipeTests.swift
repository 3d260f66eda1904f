import ClassicML
import DataPrep
import Foundation
import Testing

@Suite struct RecipeTests {
    @Test func typedColumnsAndBlanks() throws {
        let table = try TabularCSV.parse(Array("n,s,q\n1.5,red,\n,\"b, c\",2\n3,,4\n".utf8), source: "t.csv")
        #expect(table.rowCount == 3)
        #expect(table.columns[0].kind == .numeric && table.columns[0].numbers[1].isNaN)
        #expect(table.columns[1].kind == .text && table.columns[1].texts == ["red", "b, c", nil])
        #expect(table.columns[2].kind == .numeric)
    }

    @Test func recipeReplaysImputationEncodingAndScaling() throws {
        let train = try TabularCSV.parse(Array("x,c,y\n1,a,0\n,b,1\n3,a,0\n5,,1\n".utf8), source: "train.csv")
        let recipe = try TabularRecipe.fit(train, target: "y",
                                           options: .init(scaling: .standard, imputation: .median, encoding: .onehot))
        #expect(recipe.outputNames == ["x", "c=a", "c=b"])
        // x: median 3 fills the blank → [1,3,3,5], mean 3, std √2.
        let rows = try TabularCSV.parse(Array("x,c\n,b\n5,zebra\n".utf8), source: "rows.csv")
        let out = try recipe.transform(rows)
        #expect(abs(out[0]) < 1e-12 && out[1] == 0 && out[2] == 1)
        #expect(abs(out[3] - 2 / 2.0.squareRoot()) < 1e-12 && out[4] == 0 && out[5] == 0)  // unknown category → zeros
        let encoded = try JSONEncoder().encode(recipe)
        #expect(try JSONDecoder().decode(TabularRecipe.self, from: encoded) == recipe)
    }

    @Test func deployedModelTakesRawRowsWithStringsAndBlanks() throws {
        let scratch = ScratchDirectory()
        var settings = EstimatorTraining.Settings(estimator: "random_forest")
        settings.target = "target"
        settings.parameters = ["n_estimators": .number(20)]
        settings.recipe = .init(scaling: .standard, imputation: .mean, encoding: .onehot)
        let output = scratch.url.appendingPathComponent("model")
        _ = try EstimatorTraining.run(settings, trainPath: GoldenCase.path("mixed_train.csv"), testPath: nil, output: output)
        let rows = scratch.write("rows.csv", "age,fare,sex,port\n,12.5,female,\n30,80,male,Q\n")
        let predictions = try EstimatorRunner(directory: output).predict(csvPath: rows)
        #expect(predictions.labels.count == 2 && predictions.labels.allSatisfy { ["yes", "no"].contains($0) })
        #expect(predictions.probabilities?.columns == 2)
    }
}
