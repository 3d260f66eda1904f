import Testing
@testable import DataPrep

@Suite struct NumericTableTests {
    let table = NumericTable(
        columnNames: ["a", "label", "b"], rowCount: 3,
        values: [1, 10, 2, 3, 20, 4, 5, 30, 6], source: "t.csv")

    @Test func splitRemovesTargetColumn() throws {
        let (features, names, targets) = try table.split(target: "label")
        #expect(features == [1, 2, 3, 4, 5, 6])
        #expect(names == ["a", "b"])
        #expect(targets == [10, 20, 30])
    }

    @Test func splitWorksForFirstAndLastColumns() throws {
        #expect(try table.split(target: "a").features == [10, 2, 20, 4, 30, 6])
        #expect(try table.split(target: "b").features == [1, 10, 3, 20, 5, 30])
        #expect(try table.split(target: "b").targets == [2, 4, 6])
    }

    @Test func missingTargetNamesFileAndColumns() {
        #expect(errorMessage { _ = try table.split(target: "Label") }
            == "t.csv: no column named 'Label' (did you mean 'label'?); available columns: 'a', 'label', 'b'")
        let wide = NumericTable(
            columnNames: (0..<20).map { "c\($0)" }, rowCount: 0, values: [], source: "w.csv")
        #expect(errorMessage { _ = try wide.split(target: "y") }
            == "w.csv: no column named 'y'; available columns: 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', … (20 columns in all)")
    }

    @Test func summaryStatistics() throws {
        let s = try table.summary(column: "label")
        #expect(s == ColumnSummary(name: "label", min: 10, max: 30, mean: 20, missing: 0))
    }
}
